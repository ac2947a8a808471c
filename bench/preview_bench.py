"""Benchmark: `ops preview` per stack against a bare Pulumi program of the same size.

Both run as fresh processes (what an operator waits for) under the same mock engine. The bare
program registers as many plain resources as the stack does; it is timed twice: importing only
pulumi, and also importing the SDK modules the stack's resources come from (read from its own
preview: pulumi-github, -random, -aws's service modules, -checkly, -pagerduty, ...), which any
program using those resources pays. The second ratio is the cost of the
project's own code: config validation, components, dynamic providers, wiring and rendering.
Targets: under 2 s per stack, ratio under 1.5.

A third bare program, the last column, also looks up the SDK resource classes the stack registers
(`aws.s3.Bucket`, ...): pulumi-aws loads a service package lazily and whole (`pulumi_aws.s3` is
some 70 modules) on its first class lookup, which `import pulumi_aws.s3` alone never pays. It is an
extra reference, not the target: the ratio above stays the one measured against bare+SDK.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3

BARE = """
import importlib, sys, pulumi
sys.path.insert(0, {root!r})
PACKAGES = {{"configcat": "pulumiverse_configcat"}}  # SDKs not named pulumi_<package>

def where(token):
    # `aws:s3/bucket:Bucket` -> (pulumi_aws.s3, Bucket); `pulumi:providers:aws` -> (pulumi_aws, Provider)
    package, module, name = token.split(":")
    if package == "pulumi":
        package, module, name = name, "index", "Provider"
    base, module = PACKAGES.get(package, f"pulumi_{{package}}"), module.split("/")[0]
    return (base if module == "index" else f"{{base}}.{{module}}"), name

if sys.argv[2] in ("sdk", "classes"):  # the SDK modules the stack's resources come from
    for token in sys.argv[3:]:
        importlib.import_module(where(token)[0])
if sys.argv[2] == "classes":  # ... and their resource classes, built on first access
    for token in sys.argv[3:]:
        module, name = where(token)
        getattr(importlib.import_module(module), name)
from ops.engine import RecordingMocks, RecordingMonitor
n = int(sys.argv[1])
mocks = RecordingMocks(); monitor = RecordingMonitor(mocks)
pulumi.runtime.set_mocks(mocks, project="bare", stack="bench", preview=True, monitor=monitor)

@pulumi.runtime.test
def program():
    for i in range(n):
        pulumi.CustomResource("bench:index:Thing", f"thing-{{i}}", {{"index": i, "label": "x" * 32}})

program()
assert len(monitor.registered) == n, len(monitor.registered)
"""


def timed(cmd: list[str]) -> float:
    best = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def main() -> None:
    print(f"{'stack':<12}{'resources':>10}{'preview s':>11}{'bare s':>9}{'ratio':>8}{'bare+SDK s':>12}{'ratio':>8}"
          f"{'bare+classes s':>16}{'ratio':>8}")
    for stack in ("staging", "production"):
        out = subprocess.run(
            [sys.executable, "-m", "ops", "preview", "--stack", stack, "--json"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
        resources = json.loads(out)["resources"]
        count = len(resources)
        sdk_types = sorted({r["type"] for r in resources if r["custom"] and r["type"].split(":")[0] != "pulumi-python"})
        preview = timed([sys.executable, "-m", "ops", "preview", "--stack", stack])
        bare = timed([sys.executable, "-c", BARE.format(root=str(ROOT)), str(count), "plain"])
        sdk = timed([sys.executable, "-c", BARE.format(root=str(ROOT)), str(count), "sdk", *sdk_types])
        classes = timed([sys.executable, "-c", BARE.format(root=str(ROOT)), str(count), "classes", *sdk_types])
        print(f"{stack:<12}{count:>10}{preview:>11.2f}{bare:>9.2f}{preview / bare:>8.2f}{sdk:>12.2f}{preview / sdk:>8.2f}"
              f"{classes:>16.2f}{preview / classes:>8.2f}")


if __name__ == "__main__":
    main()
