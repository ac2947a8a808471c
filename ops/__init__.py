"""The operator CLI (`python -m ops`): offline preview and audit, backup, restore drill."""
