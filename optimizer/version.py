"""The code version stamped on every run and output."""

from __future__ import annotations

import functools

__all__ = ["code_version"]


@functools.cache
def code_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spendopt")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"
