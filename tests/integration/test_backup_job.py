"""The backup job and restore drill against a real PostgreSQL and moto S3."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

import psycopg
import pytest

from ops.backup import restore as restoring
from ops.backup import supabase_target
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.job import BackupSettings, run_backup
from ops.backup.store import MIB, BackupStore
from tests.integration.cmms import EXPECTED_COUNTS, SUPABASE_ROLES, TECHNICIANS, fingerprint, technician
from tests.support.postgres import Cluster, cluster


def _clock(moment: str) -> Any:
    return lambda: datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)


def _databases(pg: Cluster) -> set[str]:
    with psycopg.connect(pg.url()) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def _keys(store: BackupStore) -> list[str]:
    return sorted(store.list_keys())


def test_backup_then_drill_round_trip_preserves_the_cmms_schema(pg: Cluster, cmms_dsn: Dsn, store: BackupStore) -> None:
    settings = BackupSettings(dsn=cmms_dsn, store=store, part_size=5 * MIB, clock=_clock("2026-03-01T02:00:00"))
    result = run_backup(settings)

    assert _keys(store) == ["staging/20260301T020000Z.dump", "staging/20260301T020000Z.manifest.json"]
    manifest = result.manifest
    assert manifest.tables == EXPECTED_COUNTS  # the schema excluded from --schema is not counted
    assert manifest.parts == 2  # the ~7 MB dump crossed a 5 MiB part boundary
    body = store.client.get_object(Bucket=store.bucket, Key=manifest.dump_key)["Body"].read()
    assert body[:5] == b"PGDMP"  # custom format
    assert (manifest.size_bytes, manifest.sha256) == (len(body), hashlib.sha256(body).hexdigest())
    with psycopg.connect(pg.url("cmms")) as conn:
        assert manifest.server_version == conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        source_print = fingerprint(conn)

    before = _databases(pg)
    drill = restoring.drill(store, Dsn.parse(pg.url()), None, jobs=2, work_dir=None)
    assert drill.verified, drill.mismatches
    assert drill.backup.stamp == "20260301T020000Z"
    assert _databases(pg) == before  # scratch database dropped
    assert drill.timings.rto_seconds > 0
    assert set(restoring.RTO_STEPS) <= drill.timings.steps.keys()

    # Content, not only counts: restore into a named database and compare every row.
    backup, manifest = restoring.choose_backup(store, "20260301T020000Z")
    target = Dsn.parse(pg.url("cmms_restored"))
    assert restoring.ensure_restorable(target, manifest) is True
    mismatches = restoring.restore(
        store, backup, manifest, Dsn.parse(pg.url()), "cmms_restored",
        create=True, jobs=2, keep_acl=True, keep_owner=True, supabase_compat=True, work_dir=None,
        timings=restoring.Timings(),
    )
    assert mismatches == []
    with psycopg.connect(pg.url("cmms_restored")) as conn:
        assert fingerprint(conn) == source_print
        assert_supabase_shape_works(conn)
        assert conn.execute("SELECT count(*) FROM open_work_orders").fetchone()[0] == 675  # type: ignore[index]
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO assets (site_id, tag) VALUES (999, 'X')")
    with pytest.raises(BackupError, match="already has tables"):
        restoring.ensure_restorable(target, manifest)


def assert_supabase_shape_works(conn: psycopg.Connection) -> None:
    """The restored `public` keeps its Supabase references, and they work: default, grants, RLS on auth.uid()."""
    inserted = conn.execute(
        "INSERT INTO work_orders (asset_id, status, title, opened_at) VALUES (1, 'open', 'new', now()) RETURNING public_id"
    ).fetchone()
    assert inserted is not None and inserted[0] is not None  # extensions.gen_random_uuid() ran
    conn.rollback()
    privileges = conn.execute(
        "SELECT has_table_privilege('anon', 'sites', 'SELECT'), has_table_privilege('anon', 'work_orders', 'SELECT'),"
        " has_table_privilege('authenticated', 'work_orders', 'SELECT')"
    ).fetchone()
    assert privileges == (True, False, True)
    assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = 'work_orders'::regclass").fetchone() == (True,)
    conn.execute("SET ROLE authenticated")
    conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{technician(2)}"}}',))
    visible = conn.execute("SELECT count(*) FROM work_orders").fetchone()
    assert visible == (900 // TECHNICIANS,)  # only the rows the policy lets technician 2 see
    conn.rollback()


def test_drill_into_a_vanilla_postgres_prepares_a_supabase_compatible_target(cmms_dsn: Dsn, store: BackupStore) -> None:
    """The workflow's drill runs on a stock `postgres:<major>` container: no API roles, no extensions/auth schemas."""
    run_backup(BackupSettings(dsn=cmms_dsn, store=store, clock=_clock("2026-03-06T02:00:00")))
    with cluster("vanilla.log") as vanilla:
        with psycopg.connect(vanilla.url()) as conn:
            assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)", (list(SUPABASE_ROLES),)).fetchone() == (0,)

        with pytest.raises(BackupError, match='schema "extensions" does not exist'):
            restoring.drill(store, Dsn.parse(vanilla.url()), None, jobs=2, work_dir=None, supabase_compat=False)

        drill = restoring.drill(store, Dsn.parse(vanilla.url()), None, jobs=2, work_dir=None)
        assert drill.verified, drill.mismatches
        assert "prepare target" in drill.timings.steps
        with psycopg.connect(vanilla.url()) as conn:
            roles = conn.execute(
                "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY(%s) ORDER BY 1", (list(SUPABASE_ROLES),)
            ).fetchall()
        assert roles == []  # the drill dropped the roles it created (and only those: see test_drill_roles.py)

        # The same preparation and a restore that keeps grants, into a database that stays for inspection.
        backup, manifest = restoring.choose_backup(store, None)
        mismatches = restoring.restore(
            store, backup, manifest, Dsn.parse(vanilla.url()), "recovered",
            create=True, jobs=2, keep_acl=True, keep_owner=False, supabase_compat=True, work_dir=None,
            timings=restoring.Timings(),
        )
        assert mismatches == []
        with psycopg.connect(vanilla.url("recovered")) as conn:
            assert_supabase_shape_works(conn)
            signatures = conn.execute(
                "SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid)"
                " FROM pg_proc p WHERE p.pronamespace = 'auth'::regnamespace ORDER BY 1"
            ).fetchall()
            assert signatures == [("jwt", "", "jsonb"), ("role", "", "text"), ("uid", "", "uuid")]
            extensions = conn.execute(
                "SELECT extname, extnamespace::regnamespace::text FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
            ).fetchall()
            assert extensions == [("pgcrypto", "extensions"), ("uuid-ossp", "extensions")]


def test_preparing_a_target_that_has_everything_creates_nothing(pg: Cluster, cmms_dsn: Dsn) -> None:
    # The seeded database has the roles, both schemas and pgcrypto, but neither uuid-ossp nor auth.role()/jwt().
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE supabase_like TEMPLATE cmms")
    target = Dsn.parse(pg.url("supabase_like"))
    assert supabase_target.prepare(target) == ["extension uuid-ossp", "function auth.role()", "function auth.jwt()"]
    assert supabase_target.prepare(target) == []
    with psycopg.connect(pg.url("supabase_like")) as conn:
        conn.execute("SELECT set_config('request.jwt.claims', '{\"sub\": \"00000000-0000-0000-0000-00000000000a\", "
                     "\"role\": \"authenticated\"}', false)")
        row = conn.execute("SELECT auth.uid()::text, auth.role(), auth.jwt() ->> 'role'").fetchone()
    assert row == ("00000000-0000-0000-0000-00000000000a", "authenticated", "authenticated")


def test_drill_fails_on_a_corrupted_object(pg: Cluster, cmms_dsn: Dsn, store: BackupStore) -> None:
    result = run_backup(BackupSettings(dsn=cmms_dsn, store=store, clock=_clock("2026-03-02T02:00:00")))
    key = result.manifest.dump_key
    body = bytearray(store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read())
    body[len(body) // 2] ^= 0xFF  # one flipped bit-pattern, same size
    store.client.put_object(Bucket=store.bucket, Key=key, Body=bytes(body))

    before = _databases(pg)
    with pytest.raises(BackupError, match="checksum verification failed"):
        restoring.drill(store, Dsn.parse(pg.url()), None, jobs=1, work_dir=None)
    assert _databases(pg) == before


def test_drill_reports_row_count_mismatches(pg: Cluster, cmms_dsn: Dsn, store: BackupStore) -> None:
    result = run_backup(BackupSettings(dsn=cmms_dsn, store=store, clock=_clock("2026-03-03T02:00:00")))
    manifest = result.manifest
    tables = dict(manifest.tables)
    tables["public.work_orders"] += 1
    tables["public.ghost"] = 3
    tampered = manifest.model_copy(update={"tables": tables})
    store.put_small(result.manifest_key, tampered.to_json(), "application/json")

    drill = restoring.drill(store, Dsn.parse(pg.url()), None, jobs=1, work_dir=None)
    assert not drill.verified
    assert sorted(drill.mismatches) == [
        "table public.ghost missing after restore",
        "table public.work_orders: 900 rows restored, manifest says 901",
    ]


def test_failed_upload_mid_stream_leaves_no_manifest_and_no_object(cmms_dsn: Dsn, store: BackupStore) -> None:
    calls = {"n": 0}

    def fail_second_part(**_: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionResetError("injected: connection reset during part 2")

    store.client.meta.events.register("before-call.s3.UploadPart", fail_second_part)
    settings = BackupSettings(dsn=cmms_dsn, store=store, part_size=256 * 1024, concurrency=1, clock=_clock("2026-03-04T02:00:00"))
    with pytest.raises(BackupError, match="injected"):
        run_backup(settings)
    assert calls["n"] >= 2
    assert _keys(store) == []
    assert store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []  # aborted


def test_pg_dump_failure_leaves_nothing_and_redacts_the_password(pg: Cluster, store: BackupStore) -> None:
    wrong = Dsn.parse(pg.url("cmms", password="fake-wrong-password"))
    with pytest.raises(BackupError) as caught:
        run_backup(BackupSettings(dsn=wrong, store=store))
    assert "password authentication failed" in str(caught.value)
    assert "fake-wrong-password" not in str(caught.value)
    assert _keys(store) == []


def test_a_missing_schema_is_an_error_before_anything_is_uploaded(cmms_dsn: Dsn, store: BackupStore) -> None:
    with pytest.raises(BackupError, match="schema\\(s\\) not found .*: nope"):
        run_backup(BackupSettings(dsn=cmms_dsn, store=store, schemas=("public", "nope")))
    assert _keys(store) == []


def test_failed_manifest_write_removes_the_dump(cmms_dsn: Dsn, store: BackupStore) -> None:
    def refuse_manifest(params: dict[str, Any], **_: Any) -> None:
        if str(params.get("Key", "")).endswith(".manifest.json"):
            raise ConnectionResetError("injected: manifest write lost")

    store.client.meta.events.register("provide-client-params.s3.PutObject", refuse_manifest)
    with pytest.raises(BackupError, match="removed the dump again"):
        run_backup(BackupSettings(dsn=cmms_dsn, store=store, clock=_clock("2026-03-05T02:00:00")))
    assert _keys(store) == []
