"""Moved to `ops.console` (the options every command shares); kept so old imports still work."""

from ops.console import Endpoint, _endpoint

__all__ = ["Endpoint", "_endpoint"]
