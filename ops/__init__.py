"""The operator CLI (`python -m ops`): offline preview and audit, backups, restore drill, rollback."""
