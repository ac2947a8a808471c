"""docs/runbooks/adopting-live-objects.md against the Supabase fake: a live project is adopted by name.

`pulumi import` cannot bring a dynamic resource in (pulumi/pulumi#16175, tests/providers/
test_import_path.py); the stack naming the live project's organization, name and region can.
"""

from __future__ import annotations

from providers.supabase.project import ProjectProvider
from tests.providers.supabase.conftest import connect


def test_a_live_project_is_adopted_by_name_and_gets_the_stacks_password(fake, sleeps):
    provider = connect(ProjectProvider(), fake.url, sleeps=sleeps)
    live = fake.add_project("maintainpro-production", slug="acme", region="eu-central-1")
    wanted = {"organization_slug": "acme", "name": "maintainpro-production", "region": "eu-central-1",
              "instance_size": None, "db_pass": "fake-generated-password", "wait_timeout": 60, "poll_interval": 5}
    adopted = provider.create(provider.check({}, wanted).inputs)
    assert adopted.id == live.ref and fake.count("v1-create-a-project") == 0
    # Its password was never known to Pulumi: adoption sets the stack's generated one (the runbook says so).
    assert fake.count("v1-update-database-password") == 1
    assert provider.diff(adopted.id, adopted.outs, wanted).changes is False
