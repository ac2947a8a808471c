"""The `python -m ops` command line: one typer app, one module per command group.

Each command module exposes `register(app)` and never imports this dispatcher; `COMMANDS` maps a
command name to its module, and only the invoked command's module is imported (the others pull in
the policy engine, boto3, psycopg...: about a second of imports `ops preview` does not need).

One failure path: commands and domain code raise `ops.console.OpsError`; `OpsGroup` prints it as
one `error:` line on stderr and exits with its code, and `main` does the same for click's usage
errors. Exit codes: README "Exit codes and output".
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated, Any

import typer

# typer 0.29 vendors click; its exceptions are only reachable here (typer is pinned).
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from ops.console import OpsError, report, stderr, stdout


class OpsGroup(TyperGroup):
    """The app's group: an `OpsError` from any command becomes its message on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OpsError as error:
            report(error)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=OpsGroup,
    help="Operate the MaintAInPro platform: offline preview and audit, secrets, backups, restore drills.",
    no_args_is_help=True,
    add_completion=True,  # typer's --install-completion / --show-completion
    context_settings={"help_option_names": ["-h", "--help"]},  # every command inherits both
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DISTRIBUTION = "maintainpro-platform"
FALLBACK_VERSION = "0.15.0"  # keep equal to pyproject.toml's (a test checks); used when not installed


def version() -> str:
    """The installed distribution's version (pyproject.toml), else the constant above."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        return FALLBACK_VERSION


def _print_version(value: bool) -> None:
    if value:
        stdout.print(f"maintainpro-ops {version()}", markup=False)
        raise typer.Exit(0)


@app.callback()
def _group(
    _version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                           help="Print the version and exit.")] = False,
) -> None:
    """Operate the MaintAInPro platform: offline preview and audit, secrets, backups, restore drills."""


# Where each command lives; each module's `register(app)` adds its commands. The order is the
# order of `--help`'s command list.
COMMANDS = {
    "preview": "ops.preview",
    "audit": "ops.audit",
    "audit-record": "ops.audit_trail_cli",
    "audit-trail": "ops.audit_trail_cli",
    "backup": "ops.backup.cli",
    "backups": "ops.backup.cli",
    "restore-drill": "ops.backup.cli",
    "restore": "ops.backup.cli",
    "drift": "ops.drift_cli",
    "deploy": "ops.deploy_cli",
    "metrics": "ops.metrics_cli",
    "probe": "ops.probe",
    "promote": "ops.promote",
    "rollback": "ops.rollback",
    "secrets": "ops.secrets",
    "flags": "ops.flags",
}
_registered: set[str] = set()


def load(*commands: str) -> typer.Typer:
    """`app` with `commands` registered (every command when none is named); registering twice is a no-op."""
    wanted = {COMMANDS[name] for name in commands} if commands else set(COMMANDS.values())
    for module in dict.fromkeys(COMMANDS.values()):
        if module not in wanted or module in _registered:
            continue
        importlib.import_module(module).register(app)
        _registered.add(module)
    return app


# HTTP and AWS client loggers print request URLs (webhooks) and headers (session tokens) at
# INFO/DEBUG: keep them quiet whatever logging a wrapper turns on.
QUIET_LOGGERS = ("httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer")


def hide_secret_values(message: str, argv: list[str]) -> str:
    """`message` without any argument that looks like a connection string (an `@` or `password`).

    click quotes a rejected option value back (`dir '...' does not exist`), and a value put after
    the wrong option may be a database URL with its password.
    """
    for value in sorted(set(argv), key=len, reverse=True):
        if "@" in value or "password" in value.lower():
            for form in (value, repr(value)[1:-1]):  # as given, and as a !r message quotes it
                message = message.replace(form, "(not shown: it may hold a secret)")
    return message


def _prog_name() -> str:
    """`maintainpro-ops` when run as the installed script, else `python -m ops` (usage and completion say it)."""
    return "maintainpro-ops" if sys.argv and sys.argv[0].endswith("maintainpro-ops") else "python -m ops"


def main() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if not (command is None and "--version" in sys.argv[1:]):  # --version needs no command module
        load(*([command] if command in COMMANDS else []))
    try:
        code = app(prog_name=_prog_name(), standalone_mode=False)
    except UsageError as error:
        if "extra argument" in error.message:
            # click quotes them back, and a stray argument may be a connection string with a password.
            error.message = "unexpected extra argument(s) (not shown: they may hold a secret); options need their --name"
        error.message = hide_secret_values(error.message, sys.argv[1:])
        error.show()
        sys.exit(error.exit_code)
    except ClickException as error:
        error.message = hide_secret_values(error.message, sys.argv[1:])
        error.show()
        sys.exit(error.exit_code)
    except typer.Abort:
        stderr.print("Aborted.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
