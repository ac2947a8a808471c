"""`python -m ops ...` in process: the same `ops.cli.main` (lazy command loading, usage-error
rewrites, exit codes) under typer's `CliRunner` isolation, answered the way `subprocess.run` does
(`returncode`, `stdout`, `stderr`) so a test reads the same either way. One subprocess smoke test
per command lives in tests/ops/test_cli_smoke.py."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from typer.testing import CliRunner

from ops.cli import QUIET_LOGGERS, main


@dataclass
class Completed:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str = field(repr=False)


def run_ops(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Completed:
    """Run `python -m ops *args`; `env`, when given, is the whole environment (as for subprocess)."""
    overrides: dict[str, str | None] | None = None
    if env is not None:
        overrides = {name: None for name in os.environ if name not in env}
        overrides |= {name: value for name, value in env.items() if os.environ.get(name) != value}
    argv = sys.argv
    # main() quiets the HTTP/AWS client loggers for the process; give a test process its levels back.
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    with CliRunner().isolation(input=input, env=overrides) as (out, err, _):
        sys.argv = ["ops", *args]
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        finally:
            sys.argv = argv
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
            sys.stdout.flush()  # what a command wrote with sys.stdout.write, as a process exit would
            sys.stderr.flush()
        return Completed(["ops", *args], code, out.getvalue().decode(), err.getvalue().decode())


def netlify_env(netlify_url: str, token: str | None = "fake-netlify-token") -> dict[str, str]:
    """This environment with a Netlify stand-in at `netlify_url` and `token` as the only Netlify
    credential a command can see (None: none at all)."""
    env = {k: v for k, v in os.environ.items() if k != "NETLIFY_AUTH_TOKEN"}
    env["NETLIFY_API_URL"] = netlify_url
    if token:
        env["NETLIFY_AUTH_TOKEN"] = token
    return env


def _recording(args: tuple[str, ...], record: bool) -> tuple[str, ...]:
    """`args` with `--no-record` unless the test records (through a `deployment_log` it patched in)."""
    return args if record or "--no-record" in args else (*args, "--no-record")


def run_rollback(netlify_url: str, *args: str, token: str | None = "fake-netlify-token", record: bool = False) -> Completed:
    """`ops rollback --stack production ...` against a Netlify stand-in at `netlify_url`."""
    return run_ops("rollback", "--stack", "production", *_recording(args, record), env=netlify_env(netlify_url, token))


def run_promote(netlify_url: str, *args: str, token: str | None = "fake-netlify-token", record: bool = False) -> Completed:
    """`ops promote --stack production ...` against a Netlify stand-in at `netlify_url`."""
    return run_ops("promote", "--stack", "production", *_recording(args, record), env=netlify_env(netlify_url, token))
