"""`Dsn.parse`: one reading of a database URL or none, libpq's reading, and no echo of what was given."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from psycopg.conninfo import conninfo_to_dict

from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError

RESERVED = ":/?#[]@!$&'()*+,;=%"
PASSWORDS = [f"Kq8{c}vW3" for c in RESERVED + " é密"] + ["Kq8" + RESERVED + " é"]


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_percent_encoded_password_reads_as_libpq_reads_it(password: str) -> None:
    for scheme in ("postgresql", "postgres"):
        url = f"{scheme}://app.user:{quote(password, safe='')}@db.example.test:6432/app_db?sslmode=require"
        dsn = Dsn.parse(url)
        assert dsn.password == password == conninfo_to_dict(url)["password"]
        assert dsn.params == {"user": "app.user", "host": "db.example.test", "port": "6432", "dbname": "app_db",
                              "sslmode": "require"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://app:Xy7/Qz9SECRET@db.example.test:5432/db", "comes after a '/' or '?'"),
        ("postgresql://app:Kq8?vW3SECRET@db.example.test/db", "comes after a '/' or '?'"),
        ("postgresql://app:Kq8#vW3SECRET@db.example.test/db", "holds '#'"),
        ("postgresql://app:Kq8@vW3SECRET@db.example.test/db", "more than one '@'"),
        ("postgresql://app:Kq8[vW3SECRET]@db.example.test/db", "holds '[' or ']'"),
        ("postgresql://app:Kq8 vW3SECRET@db.example.test/db", "a space, a non-ASCII character"),
        ("postgresql://app:Kq8évW3SECRET@db.example.test/db", "a space, a non-ASCII character"),
        ("postgresql://app:Kq8%vW3SECRET@db.example.test/db", "'%' that is not followed by two hex digits"),
        ("postgresql://app:Kq8%FFvW3SECRET@db.example.test/db", "PostgreSQL's parser refuses it"),  # not UTF-8
        ("postgresql://app:123/Kq8vW3SECRET@db.example.test/db", "comes after a '/' or '?'"),
        ("postgresql://app:Kq8vW3SECRET@db.example.test/db?password=Kq8vW3OTHER", "both before '@' and in its query"),
        ("postgresql://db.example.test/db?password=Kq8=vW3SECRET", "query is not key=value"),
        ("postgresql://db.example.test:54x/db", "host part"),
        ("postgresql://db.example.test/db/Kq8vW3SECRET", "database name holds '/'"),
        ("postgresql://db.example.test/db?user=app@tenant", "write it as %40"),
    ],
)
def test_an_ambiguous_url_is_refused_with_the_encoding_hint_and_without_echo(url: str, reason: str) -> None:
    with pytest.raises(BackupError) as caught:
        Dsn.parse(url, source="BACKUP_DATABASE_URL")
    message = str(caught.value)
    assert message.startswith("BACKUP_DATABASE_URL cannot be read unambiguously")
    assert reason in message
    assert "urllib.parse.quote(getpass.getpass(), safe=\"\")" in message
    for piece in ("Kq8", "vW3", "SECRET", "db.example.test", "app"):
        assert piece not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:a:b@h/db", ("app", "a:b")),  # the first ':' splits user from password (libpq)
        ("postgresql://app:!$&'()*+,;=@h/db", ("app", "!$&'()*+,;=")),  # sub-delims are allowed unencoded
        ("postgresql://:pw@h/db?user=app", ("app", "pw")),
        ("postgresql://h/db?user=app%40tenant&password=p%26w", ("app@tenant", "p&w")),
        ("postgresql://[::1]:5432,h2:5433/db", (None, None)),
        ("postgresql:///db?host=/var/run/postgresql", (None, None)),
        ("host=h dbname=db user=app password='it\\'s a pw\\\\'", ("app", "it's a pw\\")),
    ],
)
def test_unambiguous_forms_read_as_libpq_reads_them(url: str, expected: tuple[str | None, str | None]) -> None:
    dsn = Dsn.parse(url)
    libpq = conninfo_to_dict(url)
    assert (dsn.params.get("user"), dsn.password) == expected == (libpq.get("user"), libpq.get("password"))


@pytest.mark.parametrize(
    "text", ["dbname=postgresql://app:Kq8vW3SECRET@h/db", "postgresql://h/host%3Dh2%20password%3DKq8vW3SECRET"]
)
def test_a_connection_string_hidden_in_the_database_name_is_refused(text: str) -> None:
    # pg_dump and pg_restore would expand it (libpq expand_dbname), and messages print the database name.
    with pytest.raises(BackupError, match="has a connection string as its database name") as caught:
        Dsn.parse(text)
    assert "Kq8vW3SECRET" not in str(caught.value)


def test_a_bad_key_value_string_is_refused_without_echo() -> None:
    with pytest.raises(BackupError, match="not a valid PostgreSQL connection string") as caught:
        Dsn.parse("host=h dbname=db password=Kq8 vW3SECRET")
    assert "vW3SECRET" not in str(caught.value)


def test_redact_removes_the_password_typed_and_percent_encoded() -> None:
    dsn = Dsn.parse(f"postgresql://app:{quote('Kq8/vW3 SECRET', safe='')}@h/db")
    text = dsn.redact("a Kq8/vW3 SECRET b Kq8%2FvW3%20SECRET c Kq8/vW3%20SECRET")
    assert text == "a ******** b ******** c ********"
    assert "vW3" not in dsn.describe()
