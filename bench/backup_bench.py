"""Benchmark of the backup job and the restore drill on a generated database.

Prints, for one run on this machine:
- backup time as a ratio to plain `pg_dump -Fc` to /dev/null on the same database in the same
  run (target <= 1.15): the job's own streaming time and the whole command (Python start included);
- peak RSS of the backup command (its own process, sampled from /proc; pg_dump excluded);
- restore-drill time with its step breakdown, and the RTO extrapolated linearly to 10 GB.

S3 is a moto server in its own process on 127.0.0.1, so neither its memory nor its CPU is
charged to the job. Usage: bench/backup_bench.py [--size-mb 250] [--small] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import psycopg  # noqa: E402

from ops.backup.dsn import Dsn  # noqa: E402
from ops.backup.postgres import find_binary  # noqa: E402
from tests.support.postgres import cluster  # noqa: E402

GENERATE = """
INSERT INTO work_orders (asset_tag, status, title, details, readings, opened_at)
SELECT 'PUMP-' || (g %% 5000), (ARRAY['open','in_progress','on_hold','done'])[1 + g %% 4],
       'Inspect bearing ' || g,
       CASE WHEN g %% 3 = 0 THEN (SELECT string_agg(md5((g * 31 + i)::text), ' ') FROM generate_series(1, 12) i)
            ELSE 'routine check ' || md5(g::text) END,
       jsonb_build_object('temp_c', g %% 90, 'vibration', jsonb_build_array(g %% 7, g %% 11, g %% 13),
                          'operator', 'tech-' || g %% 40, 'ok', g %% 5 <> 0),
       TIMESTAMPTZ '2024-01-01 00:00+00' + g * INTERVAL '1 minute'
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def generate(url: str, size_mb: int) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE work_orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, asset_tag text,"
            " status text, title text, details text, readings jsonb, opened_at timestamptz)"
        )
        batch, start = 25_000 * max(1, size_mb // 50), 1
        while conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] < size_mb * 1024 * 1024:  # type: ignore[index]
            conn.execute(GENERATE, {"start": start, "stop": start + batch - 1})
            start += batch
        conn.execute("VACUUM ANALYZE work_orders")
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


def plain_dump_seconds(url: str) -> float:
    dsn = Dsn.parse(url)
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(
            [find_binary("pg_dump"), "--format=custom", "--schema=public", f"--dbname={dsn.conninfo()}"],
            stdout=sink, env=dsn.child_env(), check=True,
        )
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_sampled(argv: list[str], env: dict[str, str]) -> tuple[float, int, float, str]:
    """Wall time, peak RSS (kB, VmHWM), CPU seconds of the process itself (children excluded) and stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, cpu = 0, 0.0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            peak = max(peak, int(match.group(1))) if match else peak
            cpu = cpu_seconds(proc.pid)
        except (OSError, IndexError):
            pass  # exited between poll() and the read
        time.sleep(0.02)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:4])} failed ({proc.returncode}): {err.strip()}")
    return elapsed, peak, cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=250, help="generated database size (pg_database_size)")
    parser.add_argument("--small", action="store_true", help="a 30 MB database, for a quick check")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/backup rounds (median is used)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args()
    size_mb = 30 if args.small else args.size_mb

    port = free_port()
    os.environ.update(AWS_ACCESS_KEY_ID="fake-access-key-id", AWS_SECRET_ACCESS_KEY="fake-secret-access-key",
                      AWS_DEFAULT_REGION="us-east-1")
    env = dict(os.environ, BACKUP_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}")
    # Lowest CPU priority: real S3 is remote, here it shares the machine's cores with pg_dump.
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=lambda: os.nice(19))
    try:
        with cluster() as pg:
            with psycopg.connect(pg.url(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = pg.url("bench")
            t0 = time.perf_counter()
            db_bytes = generate(url, size_mb)
            print(f"database: {db_bytes / 1e6:.0f} MB generated in {time.perf_counter() - t0:.0f}s")
            for _ in range(50):
                try:
                    boto3.client("s3", endpoint_url=env["BACKUP_S3_ENDPOINT_URL"]).list_buckets()
                    break
                except Exception:  # noqa: BLE001 - waiting for the server to listen
                    time.sleep(0.1)
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            boto3.client("s3", endpoint_url=env["BACKUP_S3_ENDPOINT_URL"]).create_bucket(Bucket=bucket)
            env.update(BACKUP_BUCKET=bucket, BACKUP_PREFIX="bench", BACKUP_DATABASE_URL=url,
                       RESTORE_DATABASE_URL=pg.url())

            plain_dump_seconds(url)  # warm-up: first reads after generation set hint bits and fill caches
            baseline, command, job, peaks, s3_cpu, job_cpu = [], [], [], [], [], []
            for _ in range(args.rounds):
                baseline.append(plain_dump_seconds(url))
                s3_cpu_before = cpu_seconds(moto.pid)
                elapsed, peak, cpu, out = run_sampled([sys.executable, "-m", "ops", "backup", "--no-prune"], env)
                job_cpu.append(cpu)
                s3_cpu.append(cpu_seconds(moto.pid) - s3_cpu_before)
                command.append(elapsed)
                peaks.append(peak)
                job.append(float(re.search(r"rows, PostgreSQL .*, ([\d.]+)s", out).group(1)))  # type: ignore[union-attr]
                size = int(re.search(r"(\d+) bytes in", out).group(1))  # type: ignore[union-attr]
                time.sleep(1.1)  # one backup per second at most (timestamped keys)
            base = statistics.median(baseline)
            print(f"dump: {size / 1e6:.0f} MB (custom format)")
            print(f"pg_dump -Fc > /dev/null      median {base:6.2f}s  runs {', '.join(f'{s:.2f}' for s in baseline)}")
            print(f"ops backup (job)             median {statistics.median(job):6.2f}s  ratio {statistics.median(job) / base:.3f}  (target <= 1.15)")
            print(f"ops backup (whole command)   median {statistics.median(command):6.2f}s  ratio {statistics.median(command) / base:.3f}")
            print(f"backup command's own CPU (Python start-up, hashing, upload; pg_dump excluded): "
                  f"median {statistics.median(job_cpu):.2f}s")
            print(f"S3 server (moto) CPU per backup: median {statistics.median(s3_cpu):.2f}s, on this machine's "
                  f"{os.cpu_count()} cores (remote in production)")
            print(f"peak RSS of the backup command: {max(peaks) / 1024:.0f} MiB (part size 16 MiB, 2 uploads in flight)")

            elapsed, _, _, out = run_sampled([sys.executable, "-m", "ops", "restore-drill", "--jobs", str(args.jobs)], env)
            rto = float(re.search(r"RTO ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
            print(f"restore drill: {elapsed:.2f}s wall, RTO {rto:.2f}s, jobs {args.jobs}")
            for line in out.splitlines():
                if re.match(r"\s{2}\S.*\d+\.\d+s$", line):
                    print("  " + line.strip())
            per_gb = rto / (db_bytes / 1e9)
            print(f"RTO extrapolated to 10 GB (linear in database size): {per_gb * 10 / 60:.1f} min (objective 15 min)")
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
