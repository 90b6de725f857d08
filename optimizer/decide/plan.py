"""The one-shot ``spendopt optimize``: input files -> recommendations (data contract section 3).

::

    read_stats -> build_history -> fit -> [exploration reserve] -> solve -> verify -> recommend -> write

Self-contained: it optimizes the campaigns present in the input from the
input's history alone and never opens the user's store. The effective date
defaults to the day after the newest date in the input. Outputs, next to
``output_path``: the CSV (UTF-8 with BOM), the same table as ``.xlsx``, and the
report (``<stem>_report.html`` with ``<stem>_curves.png`` and
``<stem>_channels.png``). They are written atomically: bad input, an
infeasible configuration or a failed check leaves no output file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from optimizer.errors import InfeasibleError, OptimizerError
from optimizer.version import new_run_id

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings

__all__ = [
    "BidsHeld",
    "OptimizeResult",
    "VerificationError",
    "build_states",
    "output_paths",
    "plan",
    "recommendations",
    "run_optimize",
]


class VerificationError(OptimizerError):
    """The independent check found a broken rule in the solver's answer; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the allocation failed verification:\n" + "\n".join(f"- {p}" for p in self.problems))


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
    timings: dict[str, float] = Field(description="seconds per stage")


def output_paths(output_path: Path) -> dict[str, Path]:
    """The files an optimize run writes for ``output_path`` (the CSV)."""
    stem = output_path.with_suffix("")
    return {
        "csv": output_path,
        "xlsx": output_path.with_suffix(".xlsx"),
        "html": stem.with_name(stem.name + "_report.html"),
        "curves": stem.with_name(stem.name + "_curves.png"),
        "channels": stem.with_name(stem.name + "_channels.png"),
    }


def build_states(history: History, model: FittedModel) -> pd.DataFrame:
    """Today's state per campaign, in the model's order, as ``optimizer.decide.solve`` reads it."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame(
        {
            "account_id": history.account_id,
            "campaign_id": history.campaign_id,
            "channel": history.channel,
            "bid_type": history.bid_type,
            "budget": np.where(np.isfinite(history.current_budget), history.current_budget, np.nan),
            "bid": history.current_bid,
            "status": history.status,
            "spend_today": 0.0,  # the one-shot run plans tomorrow: nothing spent yet
            "locked": False,
            "bid_locked": model.bid_locked,
        }
    )


class BidsHeld:
    """The solver's view of ``model`` when some campaigns must keep their bids (``[model] hold_bids_in_learning``).

    For a campaign in ``locked`` ``(n,)``, a candidate whose bid differs from
    today's ``bid0`` forecasts nothing (spend, GMV and sd 0), so it can never beat
    the same budget at today's bid (nor pausing, which frees the budget); every
    other forecast is the model's own. The solver needs no bid-lock rule of its own.
    """

    def __init__(self, model: FittedModel, locked, bid0) -> None:
        import numpy as np

        self.model = model
        self.locked = np.asarray(locked, dtype=bool)
        self.bid0 = np.asarray(bid0, dtype=float)

    @property
    def campaign_ids(self) -> list[str]:
        return self.model.campaign_ids

    def predict(self, budget, bid):
        import numpy as np

        from optimizer.model.response import Forecast

        forecast = self.model.predict(budget, bid)
        bid = np.asarray(bid, dtype=float)
        moved = self.locked[:, None] & np.isfinite(bid) & ~np.isclose(bid, self.bid0[:, None], rtol=0, atol=0.005)
        if not moved.any():
            return forecast
        return Forecast(
            spend=np.where(moved, 0.0, forecast.spend),
            gmv=np.where(moved, 0.0, forecast.gmv),
            gmv_sd=np.where(moved, 0.0, forecast.gmv_sd),
        )


def plan(history: History, model: FittedModel, states: pd.DataFrame, settings: Settings):
    """Solve, then verify; returns the ``Allocation``. Spends the exploration allowance when it can.

    Raises ``InfeasibleError`` (from the solver) or ``VerificationError``.
    """
    from optimizer.decide.explore import eligible, explore, reserve
    from optimizer.decide.solve import solve as solve_all
    from optimizer.decide.verify import verify

    held = states["bid_locked"].to_numpy(dtype=bool) if "bid_locked" in states.columns else model.bid_locked
    if settings.model.hold_bids_in_learning and held.any():
        solver_model = BidsHeld(model, held, states["bid"].to_numpy(dtype=float, na_value=float("nan")))
    else:
        solver_model = model

    def solve(_model, states_, settings_):
        return solve_all(solver_model, states_, settings_)

    if settings.model.exploration_share > 0 and eligible(states, model).any():
        reduced, amount = reserve(states, model, settings)
        try:
            allocation = solve(model, states, reduced)
        except InfeasibleError:
            allocation = None  # the reserve made the guardrails too tight: plain solve below
        if allocation is not None:
            explored = explore(allocation, model, states, settings, amount)
            if not verify(explored, states, settings):
                return explored
    allocation = solve(model, states, settings)
    problems = verify(allocation, states, settings)
    if problems:
        raise VerificationError(problems)
    return allocation


def recommendations(
    history: History,
    model: FittedModel,
    states: pd.DataFrame,
    settings: Settings,
    *,
    run_id: str,
    effective_date: dt.date,
):
    """Plan (solve + verify) and turn the allocation into recommendation rows.

    The one step the one-shot command, the daily job and the simulation's
    ``spendopt`` policy share. Returns ``(allocation, frame)``.
    """
    import numpy as np

    from optimizer.decide.recommend import recommend

    allocation = plan(history, model, states, settings)
    table = allocation.table
    budget = table["budget"].to_numpy(dtype=float, na_value=np.nan)
    budget = np.where(np.isnan(budget), np.inf, budget)
    frame = recommend(
        history,
        model,
        budget,
        table["bid"].to_numpy(dtype=float, na_value=np.nan),
        settings,
        run_id=run_id,
        effective_date=effective_date,
        marginal_roi=table["marginal_roi"].to_numpy(dtype=float, na_value=np.nan),
        threshold=allocation.stats.threshold,
        action=table["action"].astype(str).to_numpy(),
        explored=table["explored"].to_numpy(dtype=bool) if "explored" in table.columns else None,
    )
    return allocation, frame


def run_optimize(
    input_paths: Sequence[Path | str] | Path | str,
    output_path: Path | str,
    settings: Settings,
    effective_date: dt.date | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
) -> OptimizeResult:
    """Run the whole one-shot pipeline (see the module docstring) and write its files.

    Raises ``InputError`` for bad input (nothing written), ``InfeasibleError``
    when the guardrails conflict, ``VerificationError`` if the answer breaks a rule.
    """
    import time

    import numpy as np

    from connectors.files.stats import read_stats
    from optimizer.model.features import build_history
    from optimizer.model.fit import fit
    from optimizer.act.review_file import atomic_files, write_csv_xlsx

    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    output_path = Path(output_path)
    paths = output_paths(output_path)
    say("reading input")
    stats = read_stats(input_paths, gmv_basis=settings.data.gmv_basis, max_problems=settings.data.max_problems)
    lap("read")
    newest = stats["date"].max().date()
    as_of = newest + dt.timedelta(days=1)
    effective = effective_date or as_of
    say("fitting response curves")
    history = build_history(stats, settings.model, as_of=as_of)
    model = fit(history, settings.model, effective_date=effective)
    lap("fit")
    states = build_states(history, model)
    say("solving")
    run_id = new_run_id("opt")
    allocation, frame = recommendations(history, model, states, settings, run_id=run_id, effective_date=effective)
    lap("solve+recommend")
    say("writing")
    targets = [paths["csv"], paths["xlsx"]] + ([paths["html"], paths["curves"], paths["channels"]] if report else [])
    with atomic_files(*targets) as temps:
        write_csv_xlsx(frame, temps[0], temps[1])
        if report:
            from optimizer.report import write_report

            write_report(history, model, frame, html=temps[2], curves=temps[3], channels=temps[4],
                         png_names=(paths["curves"].name, paths["channels"].name))
    lap("write")
    before = np.where(np.isfinite(history.current_budget) & (history.status != "paused"), history.current_budget, 0)
    after = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    live_after = (after > 0) & ~((history.status == "paused") & (frame["action"].to_numpy() == "hold"))
    return OptimizeResult(
        run_id=run_id,
        effective_date=effective,
        frame=frame,
        paths=tuple(targets),
        n_campaigns=len(frame),
        total_budget_before=round(float(before.sum()), 2),
        total_budget_after=round(float(np.nansum(np.where(live_after, after, 0.0))), 2),
        expected_spend=round(float(frame["expected_spend"].sum()), 2),
        expected_gmv=round(float(frame["expected_gmv"].sum()), 2),
        n_review=int((frame["decision"] == "review").sum()),
        solver_gap=float(allocation.stats.gap),
        notes=tuple(allocation.stats.notes),
        timings=timings,
    )
