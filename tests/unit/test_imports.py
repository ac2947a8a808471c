"""The project's modules as Python loads them: each importable on its own, and no import cycle.

A cycle hidden in a function-level import works until someone moves the import to the top (or
imports the other module first) and then fails with a half-initialised module; so the graph below
counts every `import`, wherever it sits, and fails on any cycle among project modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.stacks import ROOT

PACKAGES = ("components", "providers", "policies", "ops")
# Entry points run code when imported (the policy pack starts its gRPC server, `ops` parses argv).
ENTRY_POINTS = {"policies.__main__", "ops.__main__"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "venv" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules `name` imports anywhere in its body (top level, functions, TYPE_CHECKING excluded)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = {
        id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body for node in ast.walk(stmt)
    }
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    resolved = set()
    for target in targets:
        while target and target not in known:  # `import a.b.c` of a non-module attribute: its module
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(out)


def test_the_graph_reader_finds_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The checker itself: a cycle closed by an import inside a function is still a cycle."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("")
    (tmp_path / "pkg/a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg/b.py").write_text("def late():\n    from .a import thing\n")
    (tmp_path / "pkg/c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    known = {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    edges = {name: imports_of(name, tmp_path / (name.replace(".", "/") + ("/__init__.py" if name == "pkg" else ".py")), known)
             for name in known}
    assert edges["pkg.a"] == {"pkg.b"} and edges["pkg.b"] == {"pkg.a"} and edges["pkg.c"] == set()
    assert cycles(edges) == [["pkg.a", "pkg.b"]]


def test_no_import_cycle_among_project_modules() -> None:
    found = cycles(graph())
    assert found == [], "import cycles (function-level imports included):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_policies_stand_alone() -> None:
    """The pack runs as its own program (`--policy-pack policies`): it imports nothing of the rest."""
    for name, targets in graph().items():
        if name.startswith("policies"):
            assert not {t for t in targets if not t.startswith("policies")}, name


def test_every_module_imports_on_its_own() -> None:
    """Each module in a fresh set of project modules (third-party ones stay loaded, for speed): none
    relies on another project module having been imported first."""
    names = sorted(set(modules()) - ENTRY_POINTS)
    script = (
        "import importlib, sys, traceback\n"
        f"names = {names!r}\n"
        f"roots = {PACKAGES!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] in roots]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ': ' + traceback.format_exc().strip().splitlines()[-1])\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def test_no_project_module_is_over_400_lines() -> None:
    """Small modules named after what they hold: a module past 400 lines holds more than one thing."""
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}, long
