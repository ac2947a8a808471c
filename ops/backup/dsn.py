"""A PostgreSQL connection string split into a password and everything else.

The password is kept apart so it never reaches a command line (visible in `ps`), a log line or
an error message: child processes get it through PGPASSWORD, psycopg as a keyword argument.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ops.backup.errors import BackupError

APPLICATION_NAME = "maintainpro-backup"


@dataclass(frozen=True)
class Dsn:
    """Connection parameters without the password, plus the password on its own."""

    params: dict[str, str]
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str, source: str = "--database-url") -> Dsn:
        """Parse a URL or key=value conninfo; the error never echoes the text (it may hold a password)."""
        if not text or not text.strip():
            raise BackupError(f"{source} is empty")
        try:
            raw = conninfo_to_dict(text)
        except psycopg.Error:
            raise BackupError(
                f"{source} is not a valid PostgreSQL connection string "
                "(expected postgresql://user:password@host:port/dbname)"
            ) from None
        params = {k: str(v) for k, v in raw.items() if v is not None}
        password = params.pop("password", None)
        if not params.get("dbname"):
            raise BackupError(f"{source} names no database (postgresql://user@host:port/DBNAME)")
        return cls(params=params, password=password)

    @property
    def dbname(self) -> str:
        return self.params["dbname"]

    def with_dbname(self, dbname: str) -> Dsn:
        return Dsn(params={**self.params, "dbname": dbname}, password=self.password)

    def conninfo(self) -> str:
        """The conninfo for a command line: no password in it."""
        return make_conninfo(**self.params)

    def child_env(self) -> dict[str, str]:
        """Environment for pg_dump / pg_restore: the password travels here, not on argv."""
        env = dict(os.environ)
        env.setdefault("PGAPPNAME", APPLICATION_NAME)
        env.setdefault("PGCONNECT_TIMEOUT", "15")
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        kwargs: dict[str, object] = {"autocommit": autocommit, "connect_timeout": 15}
        if self.password is not None:
            kwargs["password"] = self.password
        kwargs.setdefault("application_name", APPLICATION_NAME)
        try:
            return psycopg.connect(self.conninfo(), **kwargs)
        except psycopg.Error as exc:
            raise BackupError(f"cannot connect to {self.describe()}: {self.redact(str(exc))}") from None

    def describe(self) -> str:
        """Where this points, for messages: host, port, database, user; never the password."""
        host = self.params.get("host", "localhost")
        port = self.params.get("port", "5432")
        user = self.params.get("user")
        who = f"{user}@" if user else ""
        return f"postgresql://{who}{host}:{port}/{self.dbname}"

    def redact(self, text: str) -> str:
        """Remove the password from text that came back from a server or a tool."""
        text = text.strip()
        if self.password:
            text = text.replace(self.password, "********")
        return text
