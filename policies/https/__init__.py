"""HTTPS policies: every custom domain is served over HTTPS only, with a declared certificate."""
