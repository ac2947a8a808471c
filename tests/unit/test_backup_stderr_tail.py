"""`ops.backup.postgres.tail`: the one way a failed tool's stderr becomes part of an error message."""

from __future__ import annotations

import tempfile

from ops.backup import postgres
from ops.backup.dsn import Dsn

DSN = Dsn.parse("postgresql://backup:fake-tail-password@db.example.invalid:5432/postgres")


def test_tail_keeps_the_last_bytes_of_the_stream_and_removes_the_password() -> None:
    with tempfile.TemporaryFile() as stderr:
        stderr.write(b"noise " * 1000)
        stderr.write(b"pg_restore: error: connection to postgresql://backup:fake-tail-password@db failed\n")
        # the tool's file position is wherever it stopped writing; tail must not depend on it
        text = postgres.tail(stderr, DSN, limit=120)
    assert text.endswith("failed")
    assert "pg_restore: error: connection to" in text
    assert "fake-tail-password" not in text
    assert len(text) <= 120


def test_tail_of_an_empty_stream_is_empty() -> None:
    with tempfile.TemporaryFile() as stderr:
        assert postgres.tail(stderr, DSN) == ""
