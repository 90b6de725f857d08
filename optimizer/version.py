"""Provenance stamped on every run and output: the code version and run ids."""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import subprocess
from pathlib import Path

from connectors.clock import utc_now

__all__ = ["code_version", "new_run_id"]


@functools.cache
def code_version() -> str:
    """``VERSION+gSHA`` (``.dirty`` with uncommitted changes) when run from a git checkout, else the
    installed package's version: every commit stamps its own provenance."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("spendopt")
    except PackageNotFoundError:  # running from a source tree that is not installed
        base = "0"
    commit = _git_commit(Path(__file__).resolve().parent.parent)
    return f"{base}+g{commit}" if commit else base if base != "0" else "0+unknown"


def _git_commit(root: Path) -> str | None:
    """The short commit of the checkout at ``root`` (with ``.dirty``), or ``None`` (no checkout, no git)."""
    if not (root / ".git").exists():
        return None
    try:
        run = functools.partial(
            subprocess.run,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        sha = run(["git", "rev-parse", "--short=12", "HEAD"]).stdout.strip()
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}.dirty" if dirty else sha or None


def new_run_id(prefix: str = "run", now: dt.datetime | None = None) -> str:
    """A sortable, unique run id: ``daily-20261124T093000Z-3f9a1c``."""
    now = (now or utc_now()).astimezone(dt.UTC)
    return f"{prefix}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
