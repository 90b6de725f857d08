"""The one-shot ``spendopt optimize``: input files -> recommendations (docs/data-contract.md section 3).

::

    read_stats -> build_history -> fit -> plan (decide) -> write

Self-contained: it optimizes the campaigns present in the input from the
input's history alone and never opens the user's store. The effective date
defaults to the day after the newest date in the input. Outputs, next to
``output_path``: the CSV (UTF-8 with BOM), the same table as ``.xlsx``, and the
report (``<stem>_report.html`` with ``<stem>_curves.png`` and
``<stem>_channels.png``). They are written atomically: bad input, an
infeasible configuration or a failed check leaves no output file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.clock import today_in
from optimizer.decide.plan import build_states, recommendations
from optimizer.jobs.aside import Aside
from optimizer.jobs.outputs import ReportParts, output_paths, provenance, write_run_files
from optimizer.version import new_run_id

if TYPE_CHECKING:
    from optimizer.model.backtest import SlopeCheck
    from optimizer.settings import Settings

__all__ = ["OptimizeResult", "output_paths", "run_optimize"]


class OptimizeResult(BaseModel):
    """What one optimize run produced."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    run_id: str
    effective_date: dt.date
    frame: Any = Field(description="the recommendations DataFrame (optimizer.decide.columns.ALL_COLUMNS)")
    paths: tuple[Path, ...] = Field(description="files written: CSV, XLSX, report HTML and PNGs")
    n_campaigns: int = Field(ge=0)
    total_budget_before: float = Field(ge=0, description="sum of today's capped budgets, CNY")
    total_budget_after: float = Field(ge=0, description="sum of recommended capped budgets, CNY")
    expected_spend: float = Field(ge=0)
    expected_gmv: float = Field(ge=0)
    n_review: int = Field(ge=0)
    solver_gap: float = Field(ge=0, description="relative gap to the solver's own bound")
    notes: tuple[str, ...] = Field((), description="guardrails out of reach today and what was done instead")
    conflicts: tuple[str, ...] = Field((), description="soft guardrails that could not all hold, and how it planned")
    warnings: tuple[str, ...] = Field((), description="guardrails obeyed that would surprise (decide.surprises)")
    slope_checks: tuple[Any, ...] = Field((), description="the slope backtest (optimizer.model.backtest.SlopeCheck)")
    timings: dict[str, float] = Field(description="seconds per stage")


def run_optimize(
    input_paths: Sequence[Path | str] | Path | str,
    output_path: Path | str,
    settings: Settings,
    effective_date: dt.date | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
    backtest: bool | None = None,
) -> OptimizeResult:
    """Run the whole one-shot pipeline (see the module docstring) and write its files.

    ``backtest`` (default: with the report) runs the slope backtest
    (``optimizer.model.backtest``) and keeps it in ``slope_checks``; the report shows it.
    Raises ``InputError`` for bad input (nothing written), ``InfeasibleError``
    when the guardrails conflict, ``VerificationError`` if the answer breaks a rule.
    """
    import time

    import numpy as np

    from connectors.files.stats import read_stats
    from optimizer.model.backtest import backtest_slopes
    from optimizer.model.features import build_history
    from optimizer.model.fit import fit

    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    output_path = Path(output_path)
    say("reading input")
    stats = read_stats(
        input_paths,
        gmv_basis=settings.data.gmv_basis,
        max_problems=settings.data.max_problems,
        today=today_in(settings.data.timezone),
    )
    lap("read")
    newest = stats["date"].max().date()
    as_of = newest + dt.timedelta(days=1)
    effective = effective_date or as_of
    say("fitting response curves")
    history = build_history(stats, settings.model, as_of=as_of)
    del stats  # the rows live on in history; held through the fit and the writing they cost 400 MB at 3 M rows
    model = fit(history, settings.model, effective_date=effective)
    if settings.model.level_shifts:
        from optimizer.model.shifts import with_level_shifts

        model, _ = with_level_shifts(history, model)
    lap("fit")
    failures: list[str] = []
    wanted = report if backtest is None else backtest
    # the backtest is for the report: it runs beside the solve (optimizer.jobs.aside)
    with Aside(backtest_slopes, history, settings.model) if wanted else contextlib.nullcontext() as aside:
        states = build_states(history, model)
        say("solving")
        run_id = new_run_id("opt")
        allocation, frame = recommendations(history, model, states, settings, run_id=run_id, effective_date=effective)
        lap("solve+recommend")
        checks = _slope_checks(aside, failures)
        lap("backtest")
    say("writing")
    notes = allocation.stats.warnings + allocation.stats.conflicts + allocation.stats.notes
    parts = ReportParts.of(settings, history, model, notices=notes, checks=checks)
    meta = provenance(settings, run_id, effective)
    targets = write_run_files(frame, output_path, meta=meta, report=parts if report else None)
    lap("write")
    if report and output_paths(output_path)["html"] not in targets:
        failures.append(_report_error(output_path))
    failed = _failure_notes(failures)
    before = np.where(np.isfinite(history.current_budget) & (history.status != "paused"), history.current_budget, 0)
    after = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    live_after = (after > 0) & ~((history.status == "paused") & (frame["action"].to_numpy() == "hold"))
    return OptimizeResult(
        run_id=run_id,
        effective_date=effective,
        frame=frame,
        paths=targets,
        n_campaigns=len(frame),
        total_budget_before=round(float(before.sum()), 2),
        total_budget_after=round(float(np.nansum(np.where(live_after, after, 0.0))), 2),
        expected_spend=round(float(frame["expected_spend"].sum()), 2),
        expected_gmv=round(float(frame["expected_gmv"].sum()), 2),
        n_review=int((frame["decision"] == "review").sum()),
        solver_gap=float(allocation.stats.gap),
        notes=tuple(allocation.stats.notes) + failed,
        conflicts=tuple(allocation.stats.conflicts),
        warnings=allocation.stats.warnings,
        slope_checks=tuple(checks),
        timings=timings,
    )


def _report_error(output_path: Path) -> str:
    """Why the report was not drawn, as the metadata beside the recommendations records it."""
    import json

    meta = json.loads(output_paths(output_path)["meta"].read_text("utf-8"))
    return str(meta.get("report_error", "?"))


def _slope_checks(aside: Aside[tuple[SlopeCheck, ...]] | None, failures: list[str]) -> tuple[SlopeCheck, ...]:
    """The slope backtest's answer for the report; one that failed is noted in ``failures`` and never stops the run."""
    if aside is None:
        return ()
    try:
        return tuple(aside.result())
    except Exception as exc:  # the backtest is for the report: never a reason to lose the recommendations
        failures.append(f"{type(exc).__name__}: {exc}")
        return ()


def _failure_notes(failures: list[str]) -> tuple[str, ...]:
    from optimizer.i18n import t

    return tuple(t("report.failed", error=error) for error in failures)
