"""Validating a stack needs neither the engine SDK, the provider SDKs nor the HTTP client.

`validate_config` runs before any resource is registered (and in `ops` commands that never run
the program), so it must not pay for, or depend on, pulumi, pulumi_github, pulumi_aws, httpx or
`providers.http`; the Supabase spec checks it shares with the providers live in a pulumi-free module.
"""

from __future__ import annotations

import subprocess
import sys

from tests.stacks import ROOT

FORBIDDEN = ("pulumi", "pulumi_github", "pulumi_aws", "providers.http", "httpx")


def test_validate_config_imports_no_sdk_and_no_http_client() -> None:
    script = (
        "import sys\n"
        "from ops.stackfile import read_stack_file\n"
        "for stack in ('staging', 'production'):\n"
        "    assert read_stack_file(stack).validate().environment == stack\n"
        f"loaded = sorted(m for m in {FORBIDDEN!r} if m in sys.modules)\n"
        "assert not loaded, f'validate_config imported {loaded}'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_wired_names_module_imports_nothing_of_the_project() -> None:
    script = (
        "import sys\n"
        "import components.names\n"
        "mine = sorted(m for m in sys.modules if m.split('.')[0] in ('components', 'providers', 'ops', 'policies'))\n"
        "assert mine == ['components', 'components.names'], mine\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
