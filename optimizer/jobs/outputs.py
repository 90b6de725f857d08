"""The files of a run, written once for the daily job and the one-shot ``spendopt optimize``.

For ``recommendations-X.csv`` a run writes, all or nothing (``atomic_files``):
the CSV and XLSX (``optimizer.act.review_file``), with ``report`` the HTML page
and its two PNG charts (``optimizer.report``), and ``recommendations-X.meta.json``:
the provenance of every file beside it (run id, effective date, code version:
the git commit when run from a checkout, config hash) and each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.clock import utc_now

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings

__all__ = ["ReportParts", "output_paths", "provenance", "write_run_files"]


def output_paths(output_path: Path) -> dict[str, Path]:
    """The files a run writes for ``output_path`` (the CSV)."""
    stem = output_path.with_suffix("")
    return {
        "csv": output_path,
        "xlsx": output_path.with_suffix(".xlsx"),
        "html": stem.with_name(stem.name + "_report.html"),
        "curves": stem.with_name(stem.name + "_curves.png"),
        "channels": stem.with_name(stem.name + "_channels.png"),
        "meta": stem.with_name(stem.name + ".meta.json"),
    }


@dataclass(frozen=True)
class ReportParts:
    """What the report page draws besides the recommendations."""

    history: History
    model: FittedModel
    notices: tuple[str, ...] = ()
    checks: tuple = ()
    alerts: tuple | None = None  # the account's open alerts (a dry run: the day's findings); None: no section
    timezone: str | None = None  # the accounts' [data] timezone: the page's time is in it (None: Asia/Shanghai)


def provenance(settings: Settings, run_id: str, effective_date: dt.date) -> dict[str, Any]:
    """Who made these files: run, day, code (git commit or package version) and settings hash."""
    from optimizer.settings import config_hash
    from optimizer.version import code_version

    return {
        "run_id": run_id,
        "effective_date": effective_date.isoformat(),
        "code_version": code_version(),
        "config_hash": config_hash(settings),
        "written_at": utc_now().isoformat(timespec="seconds"),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_run_files(
    frame: pd.DataFrame, csv_path: Path, *, meta: dict[str, Any], report: ReportParts | None
) -> tuple[Path, ...]:
    """Write the run's files for ``csv_path`` (see the module docstring); returns them, the metadata last."""
    from optimizer.act.review_file import atomic_files, write_csv_xlsx

    paths = output_paths(csv_path)
    targets = [paths["csv"], paths["xlsx"]]
    if report is not None:
        targets += [paths["html"], paths["curves"], paths["channels"]]
    with atomic_files(*targets, paths["meta"]) as temps:
        write_csv_xlsx(frame, temps[0], temps[1])
        if report is not None:
            from optimizer.report import write_report

            write_report(
                report.history,
                report.model,
                frame,
                html=temps[2],
                curves=temps[3],
                channels=temps[4],
                png_names=(paths["curves"].name, paths["channels"].name),
                notices=report.notices,
                checks=report.checks,
                alerts=report.alerts,
                timezone=report.timezone,
            )
        files = {target.name: _sha256(temp) for target, temp in zip(targets, temps, strict=False)}
        temps[-1].write_text(json.dumps({**meta, "files": files}, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return (*targets, paths["meta"])
