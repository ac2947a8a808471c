"""Session fixtures: one real PostgreSQL cluster and one moto S3 server on 127.0.0.1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from moto.server import ThreadedMotoServer

from ops.backup.dsn import Dsn
from ops.backup.store import BackupStore, s3_client
from tests.integration.cmms import seed_cmms
from tests.support.postgres import Cluster, PostgresMissing, cluster
from tests.support.prism import free_port

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "fake-access-key-id",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def pg() -> Iterator[Cluster]:
    try:
        with cluster() as running:
            yield running
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def cmms_url(pg: Cluster) -> str:
    """A seeded CMMS-like database (assets, work orders, maintenance logs with jsonb and large text)."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE cmms")
    url = pg.url("cmms")
    with psycopg.connect(url) as conn:
        seed_cmms(conn)
    return url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    saved = {k: os.environ.get(k) for k in FAKE_AWS}
    os.environ.update(FAKE_AWS)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"backups-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def store(s3_endpoint: str, bucket: str) -> BackupStore:
    return BackupStore(s3_client(s3_endpoint), bucket, "staging/")


@pytest.fixture
def cmms_dsn(cmms_url: str) -> Dsn:
    return Dsn.parse(cmms_url)


@pytest.fixture
def cli_env(s3_endpoint: str) -> dict[str, Any]:
    """Environment for `python -m ops` subprocesses: fake AWS credentials, moto endpoint, prefix staging/, no DSN vars."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKUP_", "RESTORE_"))}
    env.update(FAKE_AWS)
    env["BACKUP_S3_ENDPOINT_URL"] = s3_endpoint
    env["BACKUP_PREFIX"] = "staging/"  # `backup` refuses the bucket root
    return env
