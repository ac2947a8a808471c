"""A PostgreSQL connection string split into a password and everything else.

The password is kept apart so it never reaches a command line (visible in `ps`), a log line or
an error message: child processes get it through PGPASSWORD, psycopg as a keyword argument.

A URL is read only when it has exactly one reading. libpq ends the user:password part at the
first `@` or `/` (so a raw `/` in a password moves the rest of it into the host, port and
database name, which messages print) while RFC 3986 parsers end it at `/ ? #` and take the
last `@`: an unencoded reserved character in the password makes the two disagree. So the URL
must follow RFC 3986 §3.2.1 (userinfo = unreserved / pct-encoded / sub-delims / ":"), hold at
most one `@`, and our split of the user and password must equal libpq's; anything else is
refused without echoing it. Sources: RFC 3986 §2-3; PostgreSQL docs, libpq "Connection
Strings" (§34.1.1: "percent-encoding may be used to include symbols with special meaning in any
of the URI parts") and `conninfo_uri_parse_options` in src/interfaces/libpq/fe-connect.c.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ops.backup.errors import BackupError

APPLICATION_NAME = "maintainpro-backup"
URI_PREFIXES = ("postgresql://", "postgres://")  # libpq's two, matched case-sensitively as libpq does
ENCODE_HINT = (
    "percent-encode the user name and password (every character but A-Z a-z 0-9 - . _ ~): "
    "python3 -c 'import getpass, urllib.parse; print(urllib.parse.quote(getpass.getpass(), safe=\"\"))' "
    "prints the encoded form of what you type at its prompt"
)

_UNRESERVED = set(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = set("!$&'()*+,;=")
_URI_CHARS = _UNRESERVED | _SUB_DELIMS | set(":/?#[]@%")
_USERINFO = _UNRESERVED | _SUB_DELIMS | {":", "%"}
_HOST = _UNRESERVED | (_SUB_DELIMS - {","}) | {"%"}  # ',' separates libpq's host list
_DBNAME = _UNRESERVED | _SUB_DELIMS | {":", "%"}  # a path segment without '@' (RFC pchar minus '@')
_QUERY_VALUE = _UNRESERVED | (_SUB_DELIMS - {"&", "="}) | set(":/?%")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_IP_LITERAL = re.compile(r"^\[[0-9A-Fa-f:.]+\]$")
_PORT = re.compile(r"^[0-9]*$")
_QUERY_KEY = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class Dsn:
    """Connection parameters without the password, plus the password on its own."""

    params: dict[str, str]
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str, source: str = "--database-url") -> Dsn:
        """Parse a URL or key=value conninfo; no error ever echoes the text (it may hold a password)."""
        if not text or not text.strip():
            raise BackupError(f"{source} is empty")
        text = text.strip()
        is_uri = text.startswith(URI_PREFIXES)
        if is_uri:
            problem = _uri_problem(text)
            if problem:
                raise BackupError(_ambiguous(source, problem))
        try:
            raw = conninfo_to_dict(text)
        except (psycopg.Error, ValueError):  # ValueError: percent-decoded bytes that are not UTF-8
            if is_uri:
                problem = "PostgreSQL's parser refuses it (an unknown query parameter, for example)"
                raise BackupError(_ambiguous(source, problem)) from None
            raise BackupError(
                f"{source} is not a valid PostgreSQL connection string (expected "
                "postgresql://user:password@host:port/dbname, or key=value pairs with values that "
                "hold spaces or quotes in single quotes, escaped with a backslash)"
            ) from None
        params = {k: str(v) for k, v in raw.items() if v is not None}
        password = params.pop("password", None)
        if is_uri and not _same_credentials(text, params.get("user"), password):
            raise BackupError(_ambiguous(source, "its user and password read differently by different parsers"))
        dbname = params.get("dbname")
        if not dbname:
            raise BackupError(f"{source} names no database (postgresql://user@host:port/DBNAME)")
        if "=" in dbname or dbname.startswith(URI_PREFIXES):
            # pg_dump/pg_restore expand a dbname that looks like a connection string (libpq
            # `expand_dbname`), and messages print the dbname: refuse a connection string hidden in it.
            raise BackupError(f"{source} has a connection string as its database name; give its parts directly")
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
        kwargs: dict[str, Any] = {"autocommit": autocommit, "connect_timeout": 15}
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
        return self.redact(f"postgresql://{who}{host}:{port}/{self.dbname}")

    def redact(self, text: str) -> str:
        """Remove the password, as typed or percent-encoded, from text that came back from a server or a tool."""
        text = text.strip()
        if self.password:
            forms = {self.password, quote(self.password, safe=""), quote(self.password)}
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(form, "********")
        return text


def _ambiguous(source: str, problem: str) -> str:
    return (
        f"{source} cannot be read unambiguously as postgresql://USER:PASSWORD@HOST:PORT/DBNAME: {problem}; "
        f"{ENCODE_HINT} (the value is not shown: it may hold a password)"
    )


def _uri_problem(text: str) -> str | None:
    """Why `text` (a postgresql:// URL) has more than one reading, or None; never quotes any of it."""
    rest = text.split("://", 1)[1]
    if not set(rest) <= _URI_CHARS:
        return "it holds a space, a non-ASCII character or another character no URL may carry unencoded"
    if "#" in rest:
        return "it holds '#', which libpq keeps but URL parsers take for the start of a fragment"
    if _BAD_PERCENT.search(rest):
        return "it holds a '%' that is not followed by two hex digits"
    if rest.count("@") > 1:
        return "it holds more than one '@'"
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in tail:
        return ("its '@' comes after a '/' or '?': if the '@' ends the user:password part, that part holds "
                "'/' or '?'; if it belongs to a later part, write it as %40")
    userinfo, _, hosts = authority.rpartition("@")
    if not set(userinfo) <= _USERINFO:
        return "the user:password part holds '[' or ']'"
    for hostport in hosts.split(","):
        host, port = _split_port(hostport)
        if not (_IP_LITERAL.match(host) or set(host) <= _HOST) or not _PORT.match(port):
            return "the host part (after any '@') is not HOST[:PORT][,HOST[:PORT]...]"
    path, _, query = tail.partition("?")
    if not set(path.removeprefix("/")) <= _DBNAME:
        return "the database name holds '/' or '['/']'"
    keys = []
    for pair in query.split("&") if query else []:
        key, equals, value = pair.partition("=")
        if not (_QUERY_KEY.match(key) and equals and set(value) <= _QUERY_VALUE):
            return "its query is not key=value&key=value with '=' and '&' percent-encoded in values"
        keys.append(key)
    given = {"user": userinfo.partition(":")[0], "password": userinfo.partition(":")[2]}
    if any(given[k] and k in keys for k in given):
        return "it gives the user or password both before '@' and in its query"
    return None


def _split_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, _, after = hostport.partition("]")
        return host + "]", after.removeprefix(":") if after.startswith(":") or not after else "x"
    host, _, port = hostport.partition(":")
    return host, port


def _same_credentials(text: str, user: str | None, password: str | None) -> bool:
    """Whether libpq's user and password equal the RFC 3986 reading of the userinfo, where it gives them."""
    authority = re.split(r"[/?]", text.split("://", 1)[1], maxsplit=1)[0]
    if "@" not in authority:
        return True  # no userinfo: user and password can only come from the query
    ours_user, _, ours_password = authority.rpartition("@")[0].partition(":")
    given = [(ours_user, user), (ours_password, password)]
    try:
        pairs = [(unquote(ours, errors="strict"), theirs) for ours, theirs in given]
    except UnicodeDecodeError:
        return False
    return all(ours == theirs for ours, theirs in pairs if ours)
