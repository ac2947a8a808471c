"""Make an empty, plain PostgreSQL able to take a dump of a Supabase `public` schema.

Why: a Supabase `public` schema points outside itself. Column defaults call
`extensions.gen_random_uuid()`, RLS policies call `auth.uid()` / `auth.role()` / `auth.jwt()`, and
grants name the API roles `anon`, `authenticated`, `service_role`. A dump of `public` carries none
of those, so `pg_restore --exit-on-error` into a stock PostgreSQL (the drill's service container,
a scratch database, a new non-Supabase server) stops at the first reference. This adds exactly
what is missing and nothing that exists: on a real Supabase project every step is a no-op.

Roles are cluster-wide: they are created (NOLOGIN, so nobody can sign in as them) only when absent.
The `auth` functions are the definitions Supabase ships (same names, argument lists and return
types): they read the `request.jwt.claim(s)` settings PostgREST sets, so on a restored copy they
return NULL, which is what a policy sees for an unauthenticated session.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError

ROLES = ("anon", "authenticated", "service_role")
SCHEMAS = ("extensions", "auth")
# Extensions of stock PostgreSQL (contrib) that Supabase installs into `extensions`.
EXTENSIONS = ("pgcrypto", "uuid-ossp")
AUTH_FUNCTIONS = {
    "uid": """CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$""",
    "role": """CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $$""",
    "jwt": """CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$""",
}


def prepare(target: Dsn) -> list[str]:
    """Create what a Supabase `public` dump references and `target` lacks; what was created, in order."""
    created: list[str] = []
    try:
        with target.connect(autocommit=True) as conn:
            for role in ROLES:
                if _role_missing(conn, role):
                    try:
                        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
                    except psycopg.errors.DuplicateObject:
                        continue  # a concurrent drill on the same server created it first
                    created.append(f"role {role}")
            for schema in SCHEMAS:
                if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
                    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
                    created.append(f"schema {schema}")
            for extension in EXTENSIONS:
                if conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (extension,)).fetchone() is None:
                    conn.execute(sql.SQL("CREATE EXTENSION {} WITH SCHEMA extensions").format(sql.Identifier(extension)))
                    created.append(f"extension {extension}")
            for name, definition in AUTH_FUNCTIONS.items():
                if conn.execute("SELECT to_regprocedure(%s)", (f"auth.{name}()",)).fetchone() == (None,):
                    conn.execute(definition)
                    created.append(f"function auth.{name}()")
    except psycopg.Error as exc:
        raise BackupError(
            f"preparing {target.describe()} for a Supabase dump failed: {target.redact(str(exc)).strip()} "
            "(create the roles anon, authenticated, service_role as a superuser, or pass --no-supabase-compat)"
        ) from None
    return created


def roles_present(target: Dsn) -> bool:
    """Whether every Supabase API role exists on the target's server (then grants can be restored)."""
    with target.connect() as conn:
        return not any(_role_missing(conn, role) for role in ROLES)


def _role_missing(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None
