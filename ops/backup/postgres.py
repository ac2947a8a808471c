"""What the backup commands ask PostgreSQL: server facts, tables and exact row counts, scratch databases.

Row counts are taken inside the snapshot pg_dump exports from, so the manifest describes exactly
the rows in the dump even while the application keeps writing.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from typing import IO

import psycopg
from psycopg import sql

from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

# Ordinary and partitioned tables of the chosen schemas, minus extension members (pg_dump skips
# their data unless the extension asks for it, so counting them would make drills fail).
_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


def find_binary(name: str) -> str:
    """A PostgreSQL program from PATH, else the newest /usr/lib/postgresql/<major>/bin (Debian layout)."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/bin/", path)
        return int(match.group(1)) if match else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major, reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(
        f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin; install the PostgreSQL "
        "client tools (Debian/Ubuntu: apt-get install postgresql-client)"
    )


def table_name(schema: str, table: str) -> str:
    """The manifest's key for a table: `schema.table`, names as PostgreSQL stores them."""
    return f"{schema}.{table}"


def list_tables(conn: psycopg.Connection, schemas: Sequence[str]) -> list[tuple[str, str]]:
    rows = conn.execute(_TABLES, (list(schemas),)).fetchall()
    return [(str(schema), str(table)) for schema, table in rows]


def count_rows(conn: psycopg.Connection, tables: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Exact row counts (count(*)), one query per table, in the connection's current transaction."""
    counts: dict[str, int] = {}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        row = conn.execute(query).fetchone()
        counts[table_name(schema, table)] = int(row[0]) if row else 0
    return counts


def server_version(conn: psycopg.Connection) -> str:
    row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def existing_schemas(conn: psycopg.Connection, schemas: Sequence[str]) -> list[str]:
    rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", (list(schemas),)).fetchall()
    return sorted(str(r[0]) for r in rows)


def database_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def database_comment(conn: psycopg.Connection, name: str) -> str | None:
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def create_database(dsn: Dsn, name: str) -> None:
    """CREATE DATABASE, issued from the DSN's own database (the maintenance connection)."""
    with dsn.connect(autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise BackupError(f"cannot create database {name!r} on {dsn.describe()}: {dsn.redact(str(exc))}") from None


def drop_database(dsn: Dsn, name: str) -> None:
    """DROP DATABASE ... WITH (FORCE): a drill's scratch database must go even if a session lingers."""
    with dsn.connect(autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise BackupError(f"cannot drop database {name!r} on {dsn.describe()}: {dsn.redact(str(exc))}") from None


def drop_roles(dsn: Dsn, roles: Sequence[str]) -> list[str]:
    """DROP ROLE each of `roles` (ones this run created); the ones still in use elsewhere are kept and returned."""
    kept: list[str] = []
    with dsn.connect(autocommit=True) as conn:
        for role in roles:
            try:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            except psycopg.Error:
                kept.append(role)  # e.g. a concurrent drill's scratch database holds grants to it
    return kept


def missing_privileges(conn: psycopg.Connection, schemas: Sequence[str]) -> list[str]:
    """What the connected role lacks to dump `schemas`: USAGE on a schema, SELECT on one of its tables."""
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) AND NOT has_schema_privilege(oid, 'USAGE') "
        "ORDER BY 1", (list(schemas),)
    ).fetchall()
    problems = [f"permission denied for schema {r[0]} (the role lacks USAGE on it)" for r in rows]
    denied = {str(r[0]) for r in rows}
    readable = [s for s in schemas if s not in denied]
    tables = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) AND NOT has_table_privilege(c.oid, 'SELECT') "
        "ORDER BY 1, 2", (readable,)
    ).fetchall()
    problems += [f"permission denied for table {r[0]}.{r[1]} (the role lacks SELECT on it)" for r in tables[:5]]
    if len(tables) > 5:
        problems.append(f"... and {len(tables) - 5} more table(s)")
    return problems


def tail(stream: IO[bytes], dsn: Dsn, limit: int = 2000) -> str:
    """The last `limit` bytes a tool wrote to `stream` (its stderr file), password removed, for an error message."""
    try:
        stream.seek(max(0, stream.seek(0, os.SEEK_END) - limit))
        data = stream.read()
    except OSError:
        return ""
    return dsn.redact(data.decode("utf-8", errors="replace")).strip()
