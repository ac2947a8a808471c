"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp dir, loopback port.

initdb refuses to run as root, so as root the server runs as the `postgres` (or `nobody`) user;
clients (pg_dump, pg_restore, psycopg) connect over TCP with a password like production does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ops.backup.errors import BackupError
from ops.backup.postgres import find_binary
from tests.support.prism import free_port

USER = "maintainpro_admin"
PASSWORD = "fake-pg-password-not-secret"


class PostgresMissing(RuntimeError):
    """The server binaries are not installed: tests must fail, saying what to install."""


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    datadir: Path

    def url(self, dbname: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@{self.host}:{self.port}/{dbname}"


def _binary(name: str) -> str:
    try:
        return find_binary(name)
    except BackupError as exc:
        raise PostgresMissing(
            f"{exc}. The integration tests need a PostgreSQL server (initdb, pg_ctl, postgres) and "
            "client tools (pg_dump, pg_restore): apt-get install postgresql"
        ) from None


def _server_user() -> tuple[str | None, int | None, int | None]:
    if os.geteuid() != 0:
        return None, None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, entry.pw_uid, entry.pw_gid
    raise PostgresMissing("running as root and no unprivileged user (postgres/nobody) to run initdb as")


@contextmanager
def cluster(log_name: str = "postgres.log") -> Iterator[Cluster]:
    """Start a cluster; stop it and remove its files afterwards, whatever happened."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    _binary("postgres")
    for client in ("pg_dump", "pg_restore"):
        _binary(client)
    user, uid, gid = _server_user()
    root = Path(tempfile.mkdtemp(prefix="maintainpro-pg-"))
    datadir = root / "data"
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if uid is not None:
        os.chown(root, uid, gid or -1)
        os.chown(pwfile, uid, gid or -1)
    as_server = {"user": user} if user else {}
    port = free_port()
    started = False
    try:
        subprocess.run(
            [initdb, "-D", str(datadir), f"--username={USER}", f"--pwfile={pwfile}",
             "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True, **as_server,
        )
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        subprocess.run(
            [pg_ctl, "-D", str(datadir), "-l", str(root / log_name), "-w", "-t", "60", "-o", options, "start"],
            check=True, capture_output=True, **as_server,
        )
        started = True
        yield Cluster(host="127.0.0.1", port=port, datadir=datadir)
    except subprocess.CalledProcessError as exc:
        log = (root / log_name).read_text(errors="replace")[-2000:] if (root / log_name).exists() else ""
        raise PostgresMissing(
            f"starting PostgreSQL failed: {' '.join(map(str, exc.cmd[:2]))}: "
            f"{exc.stderr.decode(errors='replace')[-1000:]} {log}"
        ) from None
    finally:
        if started:
            subprocess.run([pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"], capture_output=True, **as_server)
        shutil.rmtree(root, ignore_errors=True)


def databases(pg: Cluster) -> set[str]:
    """The names of the cluster's databases (what a restore left behind)."""
    with psycopg.connect(pg.url()) as conn:
        return {str(r[0]) for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
