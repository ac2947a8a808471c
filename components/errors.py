"""The one exception components raise: a `pulumi.RunError`, which the engine and `ops preview` report
as one clear message (exit 2 in `ops preview`) instead of a traceback.

`ComponentError` is deliberately not a `ValueError`: the SDK wraps a ValueError raised while it
serialises an input (an `apply` computing it) into another ValueError, a traceback again.
`UnknownSecretError` stays a `KeyError` too: it is what `SecretSet[name]` raises, as a mapping would.
"""

from __future__ import annotations

import pulumi


class ComponentError(pulumi.RunError):
    """A component refused its inputs (config or a value wired from another component)."""


class UnknownSecretError(pulumi.RunError, KeyError):
    """A component asked for a generated secret the stack's `secrets` section does not define."""

    def __str__(self) -> str:  # the message itself, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""
