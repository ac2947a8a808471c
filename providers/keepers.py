"""The keepers a rotating value carries: one home for the generated secrets (components/secrets.py)
and the Supabase secret API keys (providers/supabase/api_keys.py), which both read them.

Imports nothing: providers may not import components, and components may import this.
"""

from __future__ import annotations

# The start of the rotation window the value belongs to: a new window start is a new value.
KEEPER = "rotation_window_start"
# The period is kept too, so policies (and reviewers) can read it on the password itself; a new period
# almost always means a new window start anyway, so it adds no rotation of its own.
PERIOD_KEEPER = "rotation_days"
