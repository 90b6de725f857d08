"""Provenance stamped on every run and output: the code version and run ids."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from connectors.clock import utc_now

__all__ = ["code_version", "new_run_id"]


@functools.cache
def code_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spendopt")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def new_run_id(prefix: str = "run", now: dt.datetime | None = None) -> str:
    """A sortable, unique run id: ``daily-20261124T093000Z-3f9a1c``."""
    now = (now or utc_now()).astimezone(dt.UTC)
    return f"{prefix}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
