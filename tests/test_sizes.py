"""Size rules of the code base: no module over 500 lines, no function over 100 lines (migrations aside);
`pip install .` brings no test or lint tool."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("optimizer", "connectors", "scripts", "tests")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 100
TOOLS = ("pytest", "hypothesis", "ruff", "mypy", "pandas-stubs")


def _modules() -> list[Path]:
    return sorted(
        p
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts and "__pycache__" not in p.parts
    )


def oversized(paths: list[Path]) -> list[str]:
    """One line per module or function over its limit, naming file, line and length."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            found.append(f"{where}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{where}:{node.lineno} {node.name}: {length} lines (at most {MAX_FUNCTION_LINES})")
    return found


def test_no_module_over_500_lines_and_no_function_over_100():
    assert _modules(), "no modules found: the scan is looking in the wrong place"
    assert oversized(_modules()) == []


def test_the_size_check_sees_a_long_module_and_a_long_function(tmp_path):
    long_function = "def f():\n" + "    x = 1\n" * 101
    (tmp_path / "a.py").write_text(long_function + "\n" * 400, encoding="utf-8")
    found = oversized([tmp_path / "a.py"])
    assert len(found) == 2 and "502 lines" in found[0] and "f: 102 lines" in found[1]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r.strip(), maxsplit=1)[0].lower() for r in requirements if r.strip()}


def test_pip_install_brings_no_test_or_lint_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not _names(project["dependencies"]) & set(TOOLS)
    lock = [
        line for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines() if line[:1].isalpha()
    ]
    assert len(lock) > 10 and not _names(lock) & set(TOOLS)
    assert {"pytest", "hypothesis"} <= _names(project["optional-dependencies"]["test"])
