"""PostgreSQL connection URLs of a Supabase project: the direct host and the session pooler.

The direct host `db.<ref>.supabase.co` is IPv6-only unless the IPv4 add-on is bought, and
GitHub-hosted runners have no IPv6, so jobs that run there (the nightly `pg_dump`) connect through
Supavisor, the shared pooler, which answers on IPv4. Supavisor serves SESSION mode on port 5432
and transaction mode on 6543 of the same host. `pg_dump` needs session mode (it sets session
parameters before its transaction, which transaction mode does not keep), and the answer's
`db_port` is the port of the entry's `pool_mode` (6543 for transaction), so the session port is
fixed here while host, user and database come from the API's answer (the Supabase CLI connects
the same way). The answer's `connection_string` is never used: it holds a password placeholder,
and may hold a real password.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

SESSION_PORT = 5432
PRIMARY = "PRIMARY"


def postgres_url(
    *,
    user: str,
    host: str,
    port: int,
    database: str,
    password: str | None = None,
    sslmode: str | None = None,
) -> str:
    """A `postgresql://` URL; user and password percent-encoded (a password may hold `@`, `/`, `:`)."""
    userinfo = quote(user, safe="") + ("" if password is None else ":" + quote(password, safe=""))
    query = urlencode({"sslmode": sslmode}) if sslmode else ""
    return urlunsplit(("postgresql", f"{userinfo}@{host}:{port}", "/" + quote(database, safe=""), query, ""))


def with_password(url: str, password: str) -> str:
    """`url` with `password` (percent-encoded) as its password, replacing any it had."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or not userinfo:
        raise ValueError("the connection URL names no user")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{hostport}"))


def primary(entries: Any) -> dict[str, Any] | None:
    """The PRIMARY database's entry of the pooler config answer (one entry per database)."""
    if not isinstance(entries, list):
        return None
    return next((e for e in entries if isinstance(e, dict) and e.get("database_type") == PRIMARY), None)


def session_pooler_url(entries: Any, ref: str) -> str:
    """Password-less session-mode URL of the primary database, from the pooler config answer.

    Raises ValueError naming what the answer lacks. The tenant-qualified user (`postgres.<ref>`)
    must name this project: an answer about another project must never become a backup source.
    """
    entry = primary(entries)
    if entry is None:
        raise ValueError("the answer has no PRIMARY database entry")
    fields = {}
    for key in ("db_host", "db_user", "db_name"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"the PRIMARY entry has no {key}")
        fields[key] = value.strip()
    _role, dot, tenant = fields["db_user"].partition(".")
    if dot and tenant != ref:
        raise ValueError(f"the PRIMARY entry's db_user {fields['db_user']!r} is not a user of project {ref}")
    return postgres_url(user=fields["db_user"], host=fields["db_host"], port=SESSION_PORT,
                        database=fields["db_name"], sslmode="require")
