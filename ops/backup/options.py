"""Command-line options shared by every command that talks to the backup bucket (`ops backup`,
`restore-drill`, `restore`, `audit-record`, `audit-trail`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer


def _endpoint(value: str | None) -> str | None:
    """An S3 endpoint is an http(s) URL with a host: botocore raises a bare ValueError on `host:9000`."""
    if value is None:
        return None
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise typer.BadParameter("must be an http:// or https:// URL with a host, e.g. https://s3.example.net:9000")
    return value


Endpoint = Annotated[
    str | None,
    typer.Option(envvar="BACKUP_S3_ENDPOINT_URL", callback=_endpoint, show_default=False,
                 help="S3-compatible endpoint (default: AWS)"),
]
