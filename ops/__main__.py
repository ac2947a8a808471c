"""`python -m ops` and the installed `maintainpro-ops`: one ops command, in a process of its own.

A command imports Pulumi, the provider SDKs, pydantic and typer (`ops preview`: some 150,000 objects
that live until exit). CPython's collector is tuned for long-lived programs: a young collection every
700 new objects, full collections walking the whole heap as it grows (three during a preview), and at
exit a teardown freeing the heap object by object although the operating system takes it back whole.
That was over a third of `ops preview`'s time (docs/ARCHITECTURE.md, "Preview speed"). So this
process collects after every `YOUNG_COLLECTION` new objects (mypy, `mypy/build.py`, raises the
threshold the same way) and freezes what is left when the command returns (`gc.freeze()`: the exit
collection skips it; mypy leaves without the teardown too, `mypy/util.py` `hard_exit`). Output is
unaffected: the interpreter flushes stdout and stderr before that collection, and cyclic garbage is
still collected while a command runs. Tests run `ops.cli.main` in their own process and keep its defaults.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION = 50_000  # new objects between young collections (CPython's default: 700)
OLDER_COLLECTIONS = 20  # young (then middle) collections before an older generation is collected (default 10)


def run() -> None:
    gc.set_threshold(YOUNG_COLLECTION, OLDER_COLLECTIONS, OLDER_COLLECTIONS)
    from ops.cli import main  # imported after the setting: typer and rich are part of the work

    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
