"""A small CMMS-shaped schema and deterministic data for the backup round trip.

It covers what a restore can get wrong: foreign keys, an enum, identity columns, jsonb, large
(TOASTed) text, a mixed-case table name, NULLs, a view, and a second schema that is not backed up.
It is shaped like a Supabase database: `public` refers to what lives outside it (a default from
`extensions.gen_random_uuid()`, an RLS policy on `auth.uid()`, grants to the API roles), which a
dump of `public` does not carry. The `auth.uid()` here is Supabase's definition.
"""

from __future__ import annotations

import hashlib
import uuid

import psycopg

SUPABASE_ROLES = ("anon", "authenticated", "service_role")
TECHNICIANS = 5  # work orders are assigned round-robin to md5('tech-<n>')::uuid

SUPABASE_AROUND_PUBLIC = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
"""

SCHEMA = SUPABASE_AROUND_PUBLIC + """
CREATE TYPE work_order_status AS ENUM ('open', 'in_progress', 'on_hold', 'done');
CREATE TABLE sites (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE assets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id bigint NOT NULL REFERENCES sites(id),
    tag text NOT NULL UNIQUE,
    model text,
    installed_on date,
    specs jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE work_orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id bigint NOT NULL REFERENCES assets(id),
    status work_order_status NOT NULL,
    title text NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    cost numeric(12, 2),
    public_id uuid NOT NULL UNIQUE DEFAULT extensions.gen_random_uuid(),
    assigned_to uuid
);
ALTER TABLE work_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY work_orders_of_assignee ON work_orders FOR SELECT TO authenticated USING (assigned_to = auth.uid());
CREATE INDEX work_orders_open ON work_orders (asset_id) WHERE status <> 'done';
CREATE TABLE maintenance_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id bigint NOT NULL REFERENCES work_orders(id) ON DELETE CASCADE,
    logged_at timestamptz NOT NULL,
    readings jsonb NOT NULL,
    notes text
);
CREATE TABLE "PartsInventory" (sku text PRIMARY KEY, "onHand" integer NOT NULL CHECK ("onHand" >= 0));
CREATE TABLE audit_empty (id bigint PRIMARY KEY);
CREATE VIEW open_work_orders AS SELECT * FROM work_orders WHERE status <> 'done';
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT SELECT ON sites TO anon, authenticated;
GRANT SELECT ON work_orders TO authenticated;
GRANT ALL ON ALL TABLES IN SCHEMA public TO service_role;
CREATE SCHEMA scratch_notes;
CREATE TABLE scratch_notes.not_backed_up (id int);
"""

DATA = """
INSERT INTO sites (name) SELECT 'Plant ' || g FROM generate_series(1, 3) g;
INSERT INTO assets (site_id, tag, model, installed_on, specs)
SELECT 1 + g % 3, 'PUMP-' || lpad(g::text, 4, '0'), CASE WHEN g % 5 = 0 THEN NULL ELSE 'Model ' || g % 7 END,
       DATE '2020-01-01' + g, jsonb_build_object('rpm', 1000 + g, 'tags', jsonb_build_array('a', g))
FROM generate_series(1, 120) g;
INSERT INTO work_orders (asset_id, status, title, opened_at, closed_at, cost, assigned_to)
SELECT 1 + g % 120, (ARRAY['open','in_progress','on_hold','done']::work_order_status[])[1 + g % 4],
       'Inspect bearing #' || g, TIMESTAMPTZ '2026-01-01 00:00+00' + g * INTERVAL '1 hour',
       CASE WHEN g % 4 = 3 THEN TIMESTAMPTZ '2026-01-02 00:00+00' + g * INTERVAL '1 hour' END, (g * 13.37)::numeric(12,2),
       md5('tech-' || g % 5)::uuid
FROM generate_series(1, 900) g;
INSERT INTO maintenance_logs (work_order_id, logged_at, readings, notes)
SELECT 1 + g % 900, TIMESTAMPTZ '2026-02-01 00:00+00' + g * INTERVAL '5 minutes',
       jsonb_build_object('temp_c', 40 + g % 30, 'vibration', jsonb_build_array(g % 3, g % 5, g % 7), 'ok', g % 2 = 0),
       CASE WHEN g % 4 = 0 THEN (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 640) i)
            WHEN g % 7 = 0 THEN NULL ELSE 'checked ' || g END
FROM generate_series(1, 2500) g;
INSERT INTO "PartsInventory" SELECT 'SKU-' || g, g % 11 FROM generate_series(1, 40) g;
INSERT INTO scratch_notes.not_backed_up SELECT generate_series(1, 5);
"""

EXPECTED_COUNTS = {
    "public.sites": 3,
    "public.assets": 120,
    "public.work_orders": 900,
    "public.maintenance_logs": 2500,
    "public.PartsInventory": 40,
    "public.audit_empty": 0,
}

# A digest of every row of every backed-up table, to prove the restore preserved content, not just counts.
FINGERPRINT = """
SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
  SELECT 'sites' || s::text AS t FROM sites s
  UNION ALL SELECT 'assets' || a::text FROM assets a
  UNION ALL SELECT 'wo' || w::text FROM work_orders w
  UNION ALL SELECT 'log' || l::text FROM maintenance_logs l
  UNION ALL SELECT 'parts' || p::text FROM "PartsInventory" p
) rows
"""


def seed_cmms(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA)
    conn.execute(DATA)
    conn.commit()


def technician(n: int) -> str:
    """The uuid work orders g with g % TECHNICIANS == n are assigned to (as the seed computes it)."""
    return str(uuid.UUID(hashlib.md5(f"tech-{n}".encode()).hexdigest()))


def fingerprint(conn: psycopg.Connection) -> str:
    row = conn.execute(FINGERPRINT).fetchone()
    assert row is not None
    return str(row[0])
