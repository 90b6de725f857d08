"""Reading a TOML file the way every spendopt input is read: a missing file,
bad encoding or broken syntax is an ``InputError`` naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from connectors.errors import InputError, Problem

__all__ = ["read_toml"]


def read_toml(path: Path, *, what: str = "file") -> dict[str, Any]:
    """The parsed TOML at ``path`` (UTF-8, a BOM allowed); ``what`` names the file in the error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(Problem(str(path), f"{what} not found")) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), f"not valid TOML: {exc}")) from None
