"""The files of a run, written once for the daily job and the one-shot ``spendopt optimize``.

For ``recommendations-X.csv`` a run writes, all or nothing (``atomic_files``):
the CSV and XLSX (``optimizer.act.review_file``) and ``recommendations-X.meta.json``:
the provenance of every file beside it (run id, effective date, code version:
the git commit when run from a checkout, config hash) and each file's SHA-256.
With ``report``, the HTML page and its two PNG charts (``optimizer.report``) come
after them, all or nothing on their own, and the metadata is rewritten to list
them: a report that fails is logged and named in the metadata (``report_error``),
leaves no report file (an earlier run's of the same name is removed) and never
touches the recommendations.
"""

from __future__ import annotations

import hashlib
import json
import logging
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

log = logging.getLogger(__name__)


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
    timezone: str | None = None  # the accounts' [data] timezone: the page's time is in it (None: Asia/Shanghai)
    curves_top_n: int = 12  # [report] curves_top_n: response curves for this many campaigns, largest budgets first
    alerts: tuple | None = None  # the account's open alerts (a dry run: the day's findings); None: no section
    language: str | None = None  # [ui] language of the run (None: the current one); a worker's thread has no other

    @classmethod
    def of(cls, settings: Settings, history: History, model: FittedModel, **parts: Any) -> ReportParts:
        """The parts with what ``settings`` says of the page: time zone, curves shown, language."""
        return cls(
            history,
            model,
            timezone=settings.data.timezone,
            curves_top_n=settings.report.curves_top_n,
            language=settings.ui.language,
            **parts,
        )


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
    written = [paths["csv"], paths["xlsx"]]
    with atomic_files(*written, paths["meta"]) as temps:
        write_csv_xlsx(frame, temps[0], temps[1])
        files = {target.name: _sha256(temp) for target, temp in zip(written, temps, strict=False)}
        _write_meta(temps[2], meta, files)
    if report is not None:
        drawn, error = _write_report(frame, paths, report)
        files |= {path.name: _sha256(path) for path in drawn}
        with atomic_files(paths["meta"]) as temps:
            _write_meta(temps[0], {**meta, "report_error": error} if error else meta, files)
        written += drawn
    return (*written, paths["meta"])


def _write_meta(path: Path, meta: dict[str, Any], files: dict[str, str]) -> None:
    path.write_text(json.dumps({**meta, "files": files}, ensure_ascii=False, indent=2) + "\n", "utf-8")


def _write_report(frame: pd.DataFrame, paths: dict[str, Path], report: ReportParts) -> tuple[list[Path], str | None]:
    """The report page and its charts, all or nothing: the files written, or none and why not."""
    from optimizer.act.review_file import atomic_files

    targets = [paths["html"], paths["curves"], paths["channels"]]
    try:
        with atomic_files(*targets) as temps:
            from optimizer.report import write_report

            write_report(
                report.history,
                report.model,
                frame,
                html=temps[0],
                curves=temps[1],
                channels=temps[2],
                png_names=(paths["curves"].name, paths["channels"].name),
                top_n=report.curves_top_n,
                notices=report.notices,
                checks=report.checks,
                alerts=report.alerts,
                timezone=report.timezone,
                lang=report.language,
            )
    except Exception as exc:  # the report pictures the run: never a reason to lose its recommendations
        log.warning("the report could not be drawn; the recommendations are written", exc_info=True)
        for target in targets:  # no page of an earlier run may sit beside these recommendations
            target.unlink(missing_ok=True)
        return [], f"{type(exc).__name__}: {exc}"
    return targets, None
