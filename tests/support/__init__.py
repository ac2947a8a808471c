"""Test-only servers and helpers shared by the provider and integration tests."""
