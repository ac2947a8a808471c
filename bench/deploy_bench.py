"""Benchmark: `ops deploy` of a 2,000-file build of which 1,990 files the API already holds.

Against the stateful Netlify fake, in one process: the deploy (`ops.netlify_deploy.deploy_directory`:
hash 2,000 files, create the async draft with the whole digest, poll until prepared, upload what the
API asks for with 5 threads, poll until ready) and, as the baseline, a bare sequential httpx loop of
the same uploads (PUT of the same bytes to the same deploy). It prints the requests by operation
(expected: 10 uploads plus the 4 fixed calls listSites, createSiteDeploy, getDeploy x2) and both
wall times with their ratio; both clients exist before the clock starts (an httpx client's SSL
context costs tens of milliseconds, once per command). Each round changes the same 10 files, so each round uploads 10.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ops.netlify_deploy import PATH_SAFE, deploy_directory  # noqa: E402
from ops.netlify_site import find_site  # noqa: E402
from ops.site_digest import digest_dir  # noqa: E402
from providers.http import ApiClient  # noqa: E402
from tests.support.netlify_fake import FakeNetlify  # noqa: E402

FILES = 2000
CHANGED = 10
ROUNDS = 3
TOKEN = "fake-netlify-token"


def write_build(root: Path, round_: int) -> list[str]:
    """FILES files of about 2 KiB in nested folders; the first CHANGED differ from one round to the next."""
    changed = []
    for i in range(FILES):
        path = root / f"assets/chunk{i % 40}/file{i}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = f"round {round_}" if i < CHANGED else "stable"
        path.write_text(f"/* {stamp} */ export const v{i} = {i};\n" + "x" * 2000)
        if i < CHANGED:
            changed.append(path.relative_to(root).as_posix())
    return changed


def main() -> None:
    best_deploy = best_bare = best_hash = best_api = float("inf")
    counts: Counter[str] = Counter()
    with FakeNetlify() as fake, tempfile.TemporaryDirectory() as tmp:
        _, site = fake.op_createSite(query={}, body={"name": "maintainpro-bench"})
        build = Path(tmp)
        write_build(build, 0)
        fake.know(site["id"], *digest_dir(build).manifest.values())  # the previous deploy's files
        for round_ in range(1, ROUNDS + 1):
            changed = write_build(build, round_)
            fake.reset_calls()
            client = ApiClient(fake.url, TOKEN, resource="netlify deploy")
            found = find_site(client, "maintainpro-bench")  # outside the clock, as the baseline's client is
            start = time.perf_counter()
            with redirect_stderr(StringIO()):  # progress lines
                digest = digest_dir(build)
                hashed = time.perf_counter()
                result = deploy_directory(client, found, digest, message=f"bench round {round_}")
            best_deploy = min(best_deploy, time.perf_counter() - start)
            best_hash = min(best_hash, hashed - start)
            best_api = min(best_api, time.perf_counter() - hashed)
            client.close()
            counts = Counter(c.operation for c in fake.calls)
            assert result.uploaded == CHANGED and counts["uploadDeployFile"] == CHANGED, counts

            bodies = [(path, (build / path).read_bytes()) for path in changed]
            with httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {TOKEN}"}) as bare:
                start = time.perf_counter()
                for path, body in bodies:
                    bare.put(f"/deploys/{result.deploy_id}/files/{quote(path, safe=PATH_SAFE)}", content=body,
                             headers={"Content-Type": "application/octet-stream"}).raise_for_status()
                best_bare = min(best_bare, time.perf_counter() - start)
        assert not fake.schema_errors, fake.schema_errors

    fixed = sum(n for op, n in counts.items() if op != "uploadDeployFile")
    print(f"{FILES} files, {FILES - CHANGED} unchanged; best of {ROUNDS} rounds")
    print(f"requests: {sum(counts.values())} = {counts['uploadDeployFile']} uploads + {fixed} fixed "
          f"({', '.join(f'{op} x{n}' for op, n in sorted(counts.items()) if op != 'uploadDeployFile')})")
    print(f"ops deploy (hash {FILES}, create, poll, upload {CHANGED}, poll) {best_deploy * 1e3:>8.1f} ms"
          f"  (hashing {best_hash * 1e3:.1f} ms)")
    print(f"bare httpx loop of the {CHANGED} uploads {' ' * 20}{best_bare * 1e3:>8.1f} ms"
          f"  ratio {best_deploy / best_bare:>6.1f}")
    print(f"the API part alone (create, poll, upload, poll) {best_api * 1e3:>8.1f} ms  ratio {best_api / best_bare:>6.1f}")


if __name__ == "__main__":
    main()
