"""The rooms keep their shape: imports run with the flow, no cycles, docs stay inside the repository.

docs/architecture.md states the rules; this module reads every module of
``optimizer/`` and ``connectors/`` with ``ast`` (nothing is imported) and holds
the code to them:

- the stages import with the flow: model -> decide -> act -> jobs, and
  simulate -> decide (``FORBIDDEN``), the shared base imports no stage, nothing
  imports the CLI, and ``connectors`` never imports ``optimizer``; imports at the
  top of a module, inside functions and under ``TYPE_CHECKING`` all count;
- no import cycle between modules (imports run when the module loads);
- nothing tracked in git points outside the repository for its documentation.
"""

from __future__ import annotations

import ast
import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("optimizer", "connectors")
STAGES = ("model", "decide", "act", "jobs", "simulate")
FORBIDDEN: dict[str, frozenset[str]] = {
    "model": frozenset({"decide", "act", "jobs", "simulate"}),
    "decide": frozenset({"act", "jobs", "simulate"}),
    "act": frozenset({"jobs", "simulate"}),
    "simulate": frozenset({"act", "jobs"}),
    # the shared base every stage imports: it imports no stage
    "store": frozenset(STAGES),
    "settings": frozenset(STAGES),
    "errors": frozenset(STAGES),
    "version": frozenset(STAGES),
    "clock": frozenset(STAGES),
    "chart": frozenset(STAGES),
    "fonts": frozenset(STAGES),
    # the report draws the model's curves and the decision's allocation, for the jobs
    "report": frozenset({"act", "jobs", "simulate"}),
}
"""Room of ``optimizer`` -> the rooms it must not import (``optimizer.<room>...``)."""
DIRECTION = "model -> decide -> act -> jobs; simulate -> decide (docs/architecture.md)"


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it stands, and whether it runs at load time."""

    source: str
    target: str
    path: Path
    line: int
    at_load: bool


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, at_load: bool):
    """(import node, runs at load time) for every import below ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, at_load
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), False)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), at_load)
        else:
            yield from _walk(child, at_load)


def imports_of(path: Path, root: Path, known: set[str]) -> list[Import]:
    """Every import in ``path`` resolved to a module name (relative imports included).

    ``from a.b import c`` targets ``a.b.c`` when that is a module of ours, else ``a.b``.
    """
    source = module_name(path, root)
    package = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
    found = []
    for node, at_load in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path)), True):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names
            ]
        found += [Import(source, t, path, node.lineno, at_load) for t in dict.fromkeys(targets)]
    return found


def scan(root: Path) -> list[Import]:
    """The imports of every module under ``root``'s packages."""
    paths = sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py") if "__pycache__" not in p.parts)
    known = {module_name(p, root) for p in paths}
    return [imp for p in paths for imp in imports_of(p, root, known)]


def _room(module: str) -> tuple[str, str | None]:
    parts = module.split(".")
    return parts[0], parts[1] if len(parts) > 1 else None


def direction_violations(imports: list[Import], root: Path) -> list[str]:
    """One line per import against the direction, naming file, line and rule."""
    bad = []
    for imp in imports:
        src_pkg, src_room = _room(imp.source)
        dst_pkg, dst_room = _room(imp.target)
        where = f"{imp.path.relative_to(root)}:{imp.line} imports {imp.target}"
        if src_pkg == "connectors" and dst_pkg == "optimizer":
            bad.append(f"{where}: connectors never import optimizer")
        elif src_pkg == "optimizer" and dst_pkg == "optimizer" and src_room != dst_room:
            if (dst_room or "").startswith("cli") and not (src_room or "").startswith("cli"):
                bad.append(f"{where}: nothing imports the command line")
            elif dst_room in FORBIDDEN.get(src_room or "", ()):
                bad.append(f"{where}: {src_room} must not import {dst_room} ({DIRECTION})")
    return bad


def cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected components (more than one module, or a self-import) of the load-time graph."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set())
        if imp.at_load and imp.target.split(".")[0] in PACKAGES:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan, recursive: the graph is a few hundred modules
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# ---------------------------------------------------------------- the repository itself
@functools.cache
def repository_imports() -> list[Import]:
    return scan(ROOT)


def test_imports_run_with_the_flow_and_connectors_never_import_the_optimizer():
    imports = repository_imports()
    assert len({imp.source for imp in imports}) > 50, "the scan found too few modules: is ROOT the repository?"
    assert direction_violations(imports, ROOT) == []


def test_no_import_cycles_between_modules():
    assert cycles(repository_imports()) == []


def test_nothing_tracked_points_outside_the_repository_for_documentation():
    pattern = r"\.\./" + "shared|/work/" + "shared"  # split, so this file does not match itself
    try:
        done = subprocess.run(
            ["git", "grep", "-n", "-I", "-E", pattern], cwd=ROOT, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if done.returncode == 128:
        pytest.skip(f"not a git checkout: {done.stderr.strip()}")
    assert done.returncode == 1, "copy the facts into docs/ instead of linking outside:\n" + done.stdout


# ---------------------------------------------------------------- the checks can fail
def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for pkg in PACKAGES:
        (root / pkg).mkdir(exist_ok=True)
    return root


def test_the_scan_catches_imports_inside_functions_relative_and_type_only(tmp_path):
    root = _tree(
        tmp_path,
        {
            "optimizer/__init__.py": "",
            "optimizer/model/__init__.py": "",
            "optimizer/model/fit.py": "def f():\n    from optimizer.decide import solve\n",
            "optimizer/model/features.py": "from ..act import apply\n",
            "optimizer/decide/__init__.py": "",
            "optimizer/decide/solve.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from optimizer.simulate.loop import x\n"
            ),
            "optimizer/decide/verify.py": "import optimizer.model.fit\nfrom optimizer import cli\n",
            "optimizer/act/__init__.py": "",
            "optimizer/act/apply.py": "from optimizer.jobs.daily import run\n",
            "optimizer/simulate/__init__.py": "",
            "optimizer/simulate/loop.py": "from optimizer.decide.solve import s\nfrom optimizer.act import apply\n",
            "optimizer/store/__init__.py": "from optimizer.model.fit import f\n",
            "optimizer/cli.py": "",
            "connectors/__init__.py": "",
            "connectors/base.py": "import optimizer.settings\n",
        },
    )
    lines = direction_violations(scan(root), root)
    text = "\n".join(lines)
    assert "optimizer/model/fit.py:2 imports optimizer.decide.solve: model must not import decide" in text
    assert "optimizer/model/features.py:1 imports optimizer.act.apply: model must not import act" in text
    assert "optimizer/decide/solve.py:3 imports optimizer.simulate.loop: decide must not import simulate" in text
    assert "optimizer/decide/verify.py:2 imports optimizer.cli: nothing imports the command line" in text
    assert "optimizer/act/apply.py:1 imports optimizer.jobs.daily: act must not import jobs" in text
    assert "optimizer/simulate/loop.py:2 imports optimizer.act.apply: simulate must not import act" in text
    assert "optimizer/store/__init__.py:1 imports optimizer.model.fit: store must not import model" in text
    assert "connectors/base.py:1 imports optimizer.settings: connectors never import optimizer" in text
    assert len(lines) == 8, text  # verify -> model and simulate -> decide are with the flow


def test_a_cycle_is_found_but_a_type_only_or_deferred_import_is_not_one(tmp_path):
    root = _tree(
        tmp_path,
        {
            "optimizer/__init__.py": "",
            "optimizer/a.py": "from optimizer import b\n",
            "optimizer/b.py": "from optimizer.c import thing\n",
            "optimizer/c.py": "import optimizer.a\n",
            "optimizer/d.py": "import typing\nif typing.TYPE_CHECKING:\n    from optimizer import e\n",
            "optimizer/e.py": "def f():\n    from optimizer import d\nfrom optimizer import d\n",
        },
    )
    assert cycles(scan(root)) == [["optimizer.a", "optimizer.b", "optimizer.c"]]
