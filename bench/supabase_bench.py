"""Benchmark: applying a stack's Supabase resources through the providers vs. the bare HTTP calls.

Both run in this process against the same stateful fake (tests/providers/supabase/fake.py): the
provider run does check + create for the project and every settings object; the baseline replays
exactly the requests that run sent, with a plain httpx client. The ratio is the providers' own
cost: spec validation, normalisation, hashing and the shared client. Target: ratio under 1.5.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from providers.http import ApiClient, RetryPolicy  # noqa: E402
from providers.supabase.auth import AuthConfigProvider  # noqa: E402
from providers.supabase.network_restrictions import NetworkRestrictionsProvider  # noqa: E402
from providers.supabase.pooler import PoolerConfigProvider  # noqa: E402
from providers.supabase.postgrest import PostgrestConfigProvider  # noqa: E402
from providers.supabase.project import ProjectProvider  # noqa: E402
from providers.supabase.ssl_enforcement import SslEnforcementProvider  # noqa: E402
from tests.providers.supabase.fake import TOKEN, FakeSupabase  # noqa: E402

RUNS = 15
SETTINGS = [
    (AuthConfigProvider, {"site_url": "https://app.example", "uri_allow_list": "https://b.example,https://a.example",
                          "jwt_exp": 3600, "disable_signup": True, "password_min_length": 12}),
    (PostgrestConfigProvider, {"db_schema": "public,cmms", "max_rows": 1000}),
    (SslEnforcementProvider, {"database": True}),
    (NetworkRestrictionsProvider, {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}),
    (PoolerConfigProvider, {"pool_mode": "transaction", "default_pool_size": 30}),
]


def through_providers(fake: FakeSupabase, name: str) -> None:
    client = ApiClient(fake.url, TOKEN, retry=RetryPolicy(attempts=2), sleep=lambda s: None)
    project = ProjectProvider()
    project.use_client(client)
    news = project.check({}, {"organization_slug": "acme", "name": name, "region": "eu-central-1",
                              "db_pass": "fake-db-password"}).inputs
    ref = project.create(news).id
    for cls, settings in SETTINGS:
        provider = cls()
        provider.use_client(client)
        provider.create(provider.check({}, {"project_ref": ref, "settings": settings}).inputs)
    client.close()


def bare(fake: FakeSupabase, calls: list, name: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    old_ref = ref = ""
    with httpx.Client(base_url=fake.url, headers=headers) as http:
        for call in calls:
            path = call.path.replace(old_ref, ref) if old_ref else call.path
            body = {**call.body, "name": name} if call.operation == "v1-create-a-project" else call.body
            answer = http.request(call.method, path, params=call.query, json=body)
            if call.operation == "v1-create-a-project":
                ref = answer.json()["ref"]
                old_ref = next(c.path.split("/")[3] for c in calls if c.operation == "v1-get-project")


def main() -> None:
    with FakeSupabase(polls_until_healthy=0) as fake:
        through_providers(fake, "warm-up")
        calls = list(fake.calls)
        fake.calls.clear()
        timings: dict[str, list[float]] = {"providers": [], "bare": []}
        for i in range(RUNS):
            for label, run in (("providers", lambda n: through_providers(fake, n)), ("bare", lambda n: bare(fake, calls, n))):
                start = time.perf_counter()
                run(f"{label}-{i}")
                timings[label].append(time.perf_counter() - start)
        assert not fake.violations, fake.violations
    p, b = (statistics.median(timings[k]) for k in ("providers", "bare"))
    print(f"supabase stack apply ({len(calls)} requests): providers {p * 1000:.1f} ms, "
          f"bare HTTP {b * 1000:.1f} ms, ratio {p / b:.2f}")


if __name__ == "__main__":
    main()
