"""``spendopt init``: create the store and, if none exists, a config file."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from optimizer.settings import default_config_path
from optimizer.store import open_store

__all__ = ["InitResult", "init_workspace"]


@dataclass(frozen=True)
class InitResult:
    database_url: str
    config_path: Path | None
    config_written: bool


def init_workspace(database_url: str, *, config_path: Path | None = None) -> InitResult:
    """Migrate the store to the newest schema; copy the example config to the
    user's config path when there is none (an explicit ``--config`` is left alone)."""
    engine = open_store(database_url)
    engine.dispose()
    if config_path is not None:
        return InitResult(database_url, config_path, False)
    target = default_config_path()
    if target.exists():
        return InitResult(database_url, target, False)
    target.parent.mkdir(parents=True, exist_ok=True)
    example = resources.files("optimizer").joinpath("data/spendopt.example.toml").read_text(encoding="utf-8")
    target.write_text(example, encoding="utf-8")
    return InitResult(database_url, target, True)
