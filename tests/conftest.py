"""Session-wide test hygiene for the Pulumi SDK's process-global state.

`pulumi.dynamic` pickles each provider with `pickle._Pickler._batch_setitems` patched (to sort
dicts) and restores it afterwards; when registrations serialize concurrently, a restore can put
back another thread's patch, so every program run leaves the method wrapped a few levels deeper.
One program (a real `pulumi up`) stays far below the recursion limit, but a test worker running
hundreds of programs overflows it (RecursionError in whichever test comes next). Each test
therefore starts from the unpatched method, captured here before any provider was pickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

_BATCH_SETITEMS = pickle._Pickler._batch_setitems


@pytest.fixture(autouse=True)
def _unpatched_pickler() -> Iterator[None]:
    yield
    pickle._Pickler._batch_setitems = _BATCH_SETITEMS
