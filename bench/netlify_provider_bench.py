"""Benchmark: what idempotent create and local diff cost, against the stateful Netlify fake.

Baselines run in the same process against the same server: a bare httpx POST per variable (what a
non-idempotent create costs) and a GET per variable (what a diff that asked the API would cost).
Ratios: provider create / bare POST (the price of find-before-create, expected about 2) and
provider diff / GET (expected far below 1: diff makes no call).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers.http import ApiClient  # noqa: E402
from providers.netlify.env_var import EnvVarProvider  # noqa: E402
from tests.support.netlify_fake import FakeNetlify  # noqa: E402

N = 200


def props(i: int, account: str) -> dict:
    return {"account_id": account, "site_id": "site-1", "key": f"BENCH_{i}", "is_secret": True,
            "scopes": ["builds"], "values": [{"context": "production", "value": f"fake-value-{i}"}]}


def main() -> None:
    with FakeNetlify() as fake:
        provider = EnvVarProvider()
        provider.use_client(ApiClient(base_url=fake.url, token="fake-netlify-token", resource=provider.kind))
        bare = httpx.Client(base_url=fake.url, headers={"Authorization": "Bearer fake-netlify-token"})

        start = time.perf_counter()
        for i in range(N):
            bare.post("/accounts/bare/env", params={"site_id": "site-1"}, json=[props(i, "bare")]).raise_for_status()
        post_s = time.perf_counter() - start

        start = time.perf_counter()
        outs = [provider.create(props(i, "prov")) for i in range(N)]
        create_s = time.perf_counter() - start

        start = time.perf_counter()
        for i in range(N):
            bare.get(f"/accounts/prov/env/BENCH_{i}", params={"site_id": "site-1"}).raise_for_status()
        get_s = time.perf_counter() - start

        calls = len(fake.calls)
        start = time.perf_counter()
        for i, created in enumerate(outs):
            assert provider.diff(created.id, created.outs, props(i, "prov")).changes is False
        diff_s = time.perf_counter() - start
        assert len(fake.calls) == calls, "diff made a call"

    print(f"{N} secret env vars")
    print(f"{'create (find+POST)':<22}{create_s / N * 1e3:>8.2f} ms  bare POST {post_s / N * 1e3:>6.2f} ms"
          f"  ratio {create_s / post_s:>5.2f}")
    print(f"{'diff (local)':<22}{diff_s / N * 1e3:>8.3f} ms  bare GET  {get_s / N * 1e3:>6.2f} ms"
          f"  ratio {diff_s / get_s:>5.3f}")


if __name__ == "__main__":
    main()
