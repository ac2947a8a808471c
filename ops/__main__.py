"""`python -m ops`: the operator CLI."""

import typer

from ops.backup.cli import register

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app()
