"""No part of a database password ever reaches the output of `ops backup | restore-drill | restore`.

A corpus of passwords holding every reserved URL character (RFC 3986 §2.2), a space and non-ASCII
letters goes through the real CLI to the point of failure against the test PostgreSQL, once
percent-encoded and once as typed. Percent-encoded, the server itself proves the password arrived
intact (it authenticates, then the database is missing); as typed, the URL is either refused as
ambiguous or, where RFC 3986 allows the character unencoded, read exactly the same.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from ops.backup.dsn import Dsn
from ops.backup.manifest import FORMAT_VERSION, Manifest
from ops.backup.store import BackupStore
from ops.cli import load
from tests.support.postgres import Cluster

app = load("backup")

ROOT = Path(__file__).resolve().parents[2]
PROBE_ROLE = "url_probe"
MISSING_DB = "no_such_db_for_url_probe"
RESERVED = ":/?#[]@!$&'()*+,;=%"
# Each password embeds its characters between fixed, fake fragments no message otherwise contains.
CORPUS = [f"Kq8{c}vW3{c}zP" for c in RESERVED + " " + "é" + "密"] + [
    "Kq8" + RESERVED + "vW3zP",  # all of them at once
    "Kq8vW3@@zP:x/y?z#w",
    "Xy7/Qz9SECRET",  # the issue's example
    "Kq8vW3zP%",  # a trailing '%'
    "Kq8 vW3/zP@é?",
    "Kq8vW3zP!$&'()*+,;=",  # only sub-delims: RFC 3986 allows them unencoded in userinfo
]
# Allowed unencoded by RFC 3986 §3.2.1 (userinfo = unreserved / pct-encoded / sub-delims / ":").
USERINFO_SAFE = set("!$&'()*+,;=:")


def leaked(password: str, text: str) -> list[str]:
    """Every piece of the password (the whole, and each substring of 4+ characters), typed or encoded, found in text."""
    found = []
    for form in {password, quote(password, safe="")}:
        pieces = {form[i:j] for i in range(len(form)) for j in range(i + 4, len(form) + 1)}
        found += sorted(p for p in pieces if p in text)
    return found


@pytest.fixture(scope="module")
def probe_role(pg: Cluster) -> Iterator[str]:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(PROBE_ROLE)))
    yield PROBE_ROLE
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(PROBE_ROLE)))


def set_password(pg: Cluster, password: str) -> None:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(PROBE_ROLE), sql.Literal(password)))


def url(pg: Cluster, userinfo_password: str, dbname: str = MISSING_DB) -> str:
    return f"postgresql://{PROBE_ROLE}:{userinfo_password}@{pg.host}:{pg.port}/{dbname}"


def cli(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def with_backup(store: BackupStore) -> BackupStore:
    """A bucket holding one (unrestorable) backup, so `restore` gets as far as connecting to its target."""
    stamp = "20260301T020000Z"
    now = datetime(2026, 3, 1, 2, tzinfo=timezone.utc)
    manifest = Manifest(
        format_version=FORMAT_VERSION, dump_key=f"{store.prefix}{stamp}.dump", created_at=now, completed_at=now,
        size_bytes=1, sha256="0" * 64, etag="fake", parts=1, server_version="15", pg_dump_version="15",
        database="cmms", schemas=["public"], tables={}, dump_seconds=0,
    )
    store.put_small(manifest.dump_key, b"x", "application/octet-stream")
    store.put_small(f"{store.prefix}{stamp}.manifest.json", manifest.to_json(), "application/json")
    return store


def runs(database_url: str, store: BackupStore, s3_endpoint: str) -> list[tuple[int, str]]:
    """`backup` with the URL as option and as BACKUP_DATABASE_URL, `restore` with RESTORE_DATABASE_URL."""
    env = {"BACKUP_S3_ENDPOINT_URL": s3_endpoint, "BACKUP_BUCKET": store.bucket, "BACKUP_PREFIX": store.prefix}
    return [
        cli(["backup", "--database-url", database_url], env),
        cli(["backup"], {**env, "BACKUP_DATABASE_URL": database_url}),
        cli(["restore", "--yes"], {**env, "RESTORE_DATABASE_URL": database_url}),
    ]


@pytest.mark.parametrize("password", CORPUS)
def test_percent_encoded_the_password_reaches_the_server_intact_and_is_never_printed(
    password: str, pg: Cluster, probe_role: str, with_backup: BackupStore, s3_endpoint: str
) -> None:
    set_password(pg, password)
    encoded = url(pg, quote(password, safe=""))
    assert Dsn.parse(encoded).password == password == conninfo_to_dict(encoded)["password"]  # libpq reads the same

    for code, output in runs(encoded, with_backup, s3_endpoint):
        assert code == 1, output
        # The server checked this exact password: `backup` authenticated, then found the database missing;
        # `restore` authenticated on the maintenance database and planned to create the target.
        assert "password authentication failed" not in output
        assert f'database "{MISSING_DB}" does not exist' in output or "(will be created)" in output, output
        assert leaked(password, output) == []
        assert "Traceback" not in output


@pytest.mark.parametrize("password", CORPUS)
def test_as_typed_the_url_is_refused_or_read_exactly_and_the_password_is_never_printed(
    password: str, pg: Cluster, probe_role: str, with_backup: BackupStore, s3_endpoint: str
) -> None:
    set_password(pg, password)
    raw = url(pg, password)
    ambiguous = not set(password) - set("Kq8vW3zPSECRETXy7Qz9") <= USERINFO_SAFE
    for code, output in runs(raw, with_backup, s3_endpoint):
        assert leaked(password, output) == [], output
        assert "Traceback" not in output
        flat = " ".join(output.split())
        if ambiguous:
            assert code == 2, output
            assert "cannot be read unambiguously" in flat
            assert "percent-encode the user name and password" in flat
            assert "urllib.parse.quote(getpass.getpass()" in flat
        else:  # read exactly as its encoded form: the server authenticated it
            assert code == 1, output
            assert "password authentication failed" not in flat
            assert f'database "{MISSING_DB}" does not exist' in flat or "(will be created)" in flat, output


def test_the_issue_example_by_subprocess_is_refused_without_echo(cli_env: dict[str, Any], bucket: str) -> None:
    """`python -m ops` as operators run it, for each command and both sources of the URL."""
    raw = "postgresql://app:Xy7/Qz9SECRET@127.0.0.1:1/db"
    cases = [
        (["backup", "--bucket", bucket, "--database-url", raw], {}),
        (["backup", "--bucket", bucket], {"BACKUP_DATABASE_URL": raw}),
        (["restore-drill", "--bucket", bucket], {"RESTORE_DATABASE_URL": raw}),
        (["restore", "--yes", "--bucket", bucket], {"RESTORE_DATABASE_URL": raw}),
    ]
    for args, extra in cases:
        result = subprocess.run(
            [sys.executable, "-m", "ops", *args], cwd=ROOT, env={**cli_env, **extra}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 2, output
        assert "cannot be read unambiguously" in output
        assert leaked("Xy7/Qz9SECRET", output) == [], output


def test_a_wrong_password_is_reported_without_any_part_of_it(
    pg: Cluster, probe_role: str, store: BackupStore, s3_endpoint: str
) -> None:
    set_password(pg, f"fake-right-{uuid.uuid4().hex}")
    wrong = "Kq8/vW3@zP?é"
    code, output = cli(
        ["backup", "--bucket", store.bucket, "--prefix", store.prefix,
         "--database-url", url(pg, quote(wrong, safe=""), "postgres")],
        {"BACKUP_S3_ENDPOINT_URL": s3_endpoint},
    )
    assert code == 1
    assert f'password authentication failed for user "{PROBE_ROLE}"' in output
    assert leaked(wrong, output) == []
