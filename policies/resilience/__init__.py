"""Resilience policies: databases are backed up and retained; certificates are watched before they expire."""
