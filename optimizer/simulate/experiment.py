"""``spendopt simulate --experiment``: a budget-split test where the true lift is known.

One seed runs the simulated account twice from the same start, with the same
daily luck (``connectors.sim.market`` draws the noise from the seed and the day
only)::

    experiment      treatment arm: ``treatment_policy`` (spendopt) inside its
                    share of total_daily; control arm: held
    counterfactual  both arms held (this is also the A/A test of the same seed)

The report reads what the platform reports at the end (matured days only:
``mature_days`` days old or more; the first ``burn_in_days`` test days are
left out), exactly as ``spendopt experiment report`` reads the store. The true
lift is the treatment arm's final GMV per yuan in the experiment over the same
arm's in the counterfactual, on the same days. Every day each arm's live
budgets are checked against its share (``isolation_problems``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from connectors.sim.platform import SimulatedPlatform
from connectors.sim.scenario import Scenario, load_scenario
from optimizer.experiment.analysis import LiftEstimate
from optimizer.experiment.design import ArmSpec, Assignment, arm_budget_problems
from optimizer.experiment.planning import Plan
from optimizer.experiment.series import analyse, arm_days, balances, dates_between, split, test_drift, unit_totals
from optimizer.experiment.series import plan as make_plan
from optimizer.simulate.loop import _apply, _History, load_settings_defaults

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import Settings

__all__ = ["SUMMARY_COLUMNS", "SimulatedExperiment", "render_experiment", "run_experiment", "simulate_experiment"]

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SimulatedExperiment:
    """One seeded test: the design, the analysis as a user would see it, and the truth."""

    seed: int
    assignment: Assignment
    arms: tuple[ArmSpec, ArmSpec]
    plan: Plan
    estimate: LiftEstimate
    sequential: LiftEstimate
    aa: LiftEstimate
    true_lift: float
    true_gmv_lift: float
    days: pd.DataFrame  # date, arm, spend, gmv, budget (final, live budgets), counterfactual_*, analysed
    isolation_problems: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _platform(scenario: Scenario, seed: int, settings: Settings, market: str | None) -> SimulatedPlatform:
    return SimulatedPlatform(scenario, seed=seed, rules=settings.platform, market=market or "curves")


def _run(
    scenario: Scenario,
    seed: int,
    days: int,
    settings: Settings,
    market: str | None,
    assignment: Assignment,
    arms: tuple[ArmSpec, ArmSpec],
    treatment_policy: str,
) -> tuple[SimulatedPlatform, list[str]]:
    """Run ``days`` days; returns the platform and the isolation problems found."""
    from optimizer.simulate.policies import PolicyContext, make_policy

    platform = _platform(scenario, seed, settings, market)
    policy = make_policy(treatment_policy, PolicyContext(rules=settings.platform, seed=seed))
    arm_settings = settings.model_copy(
        update={"budget": settings.budget.model_copy(update={"total_daily": arms[0].total_daily})}
    )
    history = _History()
    history.pull(platform, platform.today - dt.timedelta(days=scenario.history_days), platform.today)
    lookback = dt.timedelta(days=max(len(scenario.maturity), 1))
    treated = set(assignment.campaigns("treatment"))
    account = scenario.account_id
    problems: list[str] = []
    for d in range(days):
        today = platform.today
        if d > 0:
            history.pull(platform, today - lookback, today - dt.timedelta(days=1))
        campaigns = [c for c in platform.list_campaigns(account) if c.campaign_id in treated]
        changes = policy.decide(today, campaigns, history.frame(), arm_settings) if treatment_policy != "hold" else []
        _apply(platform, [c for c in changes if c.campaign_id in treated])
        live = {
            c.campaign_id: float(c.budget or 0) if c.status != "paused" else 0.0
            for c in platform.list_campaigns(account)
        }
        problems += [f"{today}: {p}" for p in arm_budget_problems(assignment, live, arms)]
        platform.advance_day()
    return platform, problems


def _finals(platform: SimulatedPlatform, dates: list[dt.date]) -> pd.DataFrame:
    import pandas as pd

    ids = [c.campaign_id for c in platform.scenario.campaigns]
    rows = []
    for day in dates:
        out = platform.final_outcome(day)
        live = out["listed"] & (out["status"] != "paused")
        budget = np.where(live, out["budget"], 0.0)
        rows.append(
            pd.DataFrame({"campaign_id": ids, "date": day, "spend": out["spend"], "gmv": out["gmv"], "budget": budget})
        )
    return pd.concat(rows, ignore_index=True)


def _reported(platform: SimulatedPlatform, start: dt.date, end: dt.date) -> pd.DataFrame:
    import pandas as pd

    rows = [
        (s.campaign_id, s.date, float(s.spend), float(s.gmv))
        for s in platform.daily_stats(platform.scenario.account_id, start, end)
    ]
    return pd.DataFrame(rows, columns=["campaign_id", "date", "spend", "gmv"])


def run_experiment(
    scenario: Scenario | str,
    *,
    seed: int = 0,
    days: int = 28,
    burn_in_days: int = 3,
    mature_days: int | None = None,
    pre_days: int = 28,
    treatment_share: float = 0.5,
    treatment_policy: str = "spendopt",
    market: str | None = None,
    settings: Settings | None = None,
    alpha: float = 0.05,
    se_method: str = "delta",
) -> SimulatedExperiment:
    """One seeded budget-split test against its counterfactual (module docstring).

    ``mature_days`` defaults to the scenario's attribution lag (``len(maturity) - 1``).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    settings = settings or load_settings_defaults(scenario)
    mature = len(scenario.maturity) - 1 if mature_days is None else mature_days
    at_start = _platform(scenario, seed, settings, market)
    start = at_start.today
    pre_dates = dates_between(start - dt.timedelta(days=min(pre_days, scenario.history_days)), start - _DAY)
    seen = [d for d in pre_dates if (start - d).days - 1 >= mature]  # what the plan can read at the start
    live = {
        c.campaign_id: float(c.budget or 0)
        for c in at_start.list_campaigns(scenario.account_id)
        if c.status != "paused"
    }
    total = float(settings.budget.total_daily) if settings.budget.total_daily is not None else sum(live.values())
    early = _reported(at_start, seen[0], seen[-1])
    sp = split(
        unit_totals(early, live),
        total_daily=total,
        seed=seed,
        treatment_share=treatment_share,
        treatment_policy=treatment_policy,
    )
    test_dates = dates_between(start + dt.timedelta(days=burn_in_days), start + dt.timedelta(days=days - 1 - mature))
    bal = balances(sp, seed)
    plan = make_plan(sp, early, seen, days=len(test_dates), alpha=alpha)

    runs, problems = {}, []
    for name, policy in (("experiment", treatment_policy), ("counterfactual", "hold")):
        runs[name], found = _run(scenario, seed, days, settings, market, sp.assignment, sp.arms, policy)
        problems += found
    last = start + dt.timedelta(days=days - 1)
    pre_rows = _reported(runs["experiment"], pre_dates[0], pre_dates[-1])
    rows = _reported(runs["experiment"], test_dates[0], test_dates[-1])
    aa_rows = _reported(runs["counterfactual"], test_dates[0], test_dates[-1])
    fixed = analyse(sp, pre_rows, pre_dates, rows, test_dates, alpha=alpha, se_method=se_method)
    seq = analyse(
        sp, pre_rows, pre_dates, rows, test_dates, alpha=alpha, se_method=se_method, sequential=True, tau2=plan.se**2
    )
    aa = analyse(sp, pre_rows, pre_dates, aa_rows, test_dates, alpha=alpha, se_method=se_method)

    exp_final = _finals(runs["experiment"], test_dates)
    cf_final = _finals(runs["counterfactual"], test_dates)
    t_exp = arm_days(exp_final, sp.assignment, test_dates, metric="roi", shares=sp.shares)
    t_cf = arm_days(cf_final, sp.assignment, test_dates, metric="roi", shares=sp.shares)
    true_lift = (t_exp.gmv_t.sum() / t_exp.den_t.sum()) / (t_cf.gmv_t.sum() / t_cf.den_t.sum()) - 1.0
    frame = _day_frame(
        _finals(runs["experiment"], dates_between(start, last)),
        _finals(runs["counterfactual"], dates_between(start, last)),
        sp.assignment,
        set(test_dates),
    )
    return SimulatedExperiment(
        seed=seed,
        assignment=sp.assignment,
        arms=sp.arms,
        plan=plan,
        estimate=fixed["roi"],
        sequential=seq["roi"],
        aa=aa["roi"],
        true_lift=float(true_lift),
        true_gmv_lift=float(t_exp.gmv_t.sum() / t_cf.gmv_t.sum() - 1.0),
        days=frame,
        isolation_problems=tuple(problems),
        extra={
            "gmv": fixed["gmv"],
            "pre": arm_days(pre_rows, sp.assignment, pre_dates, metric="roi", shares=sp.shares),
            "balance": bal["roi"],
            "drift_aa": test_drift(sp, pre_rows, pre_dates, aa_rows, test_dates),
            "aa_test": arm_days(aa_rows, sp.assignment, test_dates, metric="roi", shares=sp.shares),
            "split": sp,
            "rows": {"pre": pre_rows, "test": rows, "aa": aa_rows},
            "pre_dates": pre_dates,
            "test_dates": test_dates,
        },
    )


def _day_frame(exp: pd.DataFrame, cf: pd.DataFrame, assignment: Assignment, analysed: set) -> pd.DataFrame:
    """Per date and arm: final spend and GMV in the experiment and in the counterfactual."""

    def per_arm(rows: pd.DataFrame) -> pd.DataFrame:
        arm = rows["campaign_id"].map(assignment.arm)
        return rows[arm.notna()].assign(arm=arm).groupby(["date", "arm"], sort=True)[["spend", "gmv", "budget"]].sum()

    out = per_arm(exp).join(per_arm(cf).add_prefix("counterfactual_"), how="left").reset_index()
    out["analysed"] = out["date"].isin(analysed)
    return out


SUMMARY_COLUMNS = (
    "scenario",
    "market",
    "seed",
    "treatment_campaigns",
    "control_campaigns",
    "treatment_share",
    "days_test",
    "plan_mde",
    "lift",
    "low",
    "high",
    "seq_low",
    "seq_high",
    "true_lift",
    "covers",
    "gmv_lift",
    "gmv_low",
    "gmv_high",
    "true_gmv_lift",
    "aa_lift",
    "aa_low",
    "aa_high",
    "isolation_problems",
)
"""``experiment_summary.csv``: one row; ``lift``/``low``/``high`` the ROI (GMV per yuan) lift, fractions."""


def summary_row(run: SimulatedExperiment, scenario: str, market: str) -> dict[str, Any]:
    e, s, g, aa = run.estimate, run.sequential, run.extra["gmv"], run.aa
    return {
        "scenario": scenario,
        "market": market,
        "seed": run.seed,
        "treatment_campaigns": len(run.assignment.campaigns("treatment")),
        "control_campaigns": len(run.assignment.campaigns("control")),
        "treatment_share": round(run.arms[0].share, 4),
        "days_test": e.days_test,
        "plan_mde": run.plan.mde,
        "lift": e.lift,
        "low": e.low,
        "high": e.high,
        "seq_low": s.low,
        "seq_high": s.high,
        "true_lift": run.true_lift,
        "covers": e.low <= run.true_lift <= e.high,
        "gmv_lift": g.lift,
        "gmv_low": g.low,
        "gmv_high": g.high,
        "true_gmv_lift": run.true_gmv_lift,
        "aa_lift": aa.lift,
        "aa_low": aa.low,
        "aa_high": aa.high,
        "isolation_problems": len(run.isolation_problems),
    }


def simulate_experiment(
    scenario: Scenario, *, days: int, seed: int, settings: Settings, market: str, out_dir: Path
) -> tuple[SimulatedExperiment, dict[str, Path]]:
    """``spendopt simulate --experiment``: one run with the ``[experiment]`` design; CSVs and a chart."""
    import pandas as pd

    cfg = settings.experiment
    mature = len(scenario.maturity) - 1
    if days < cfg.burn_in_days + mature + 2:
        from connectors.errors import InputError, Problem

        need = cfg.burn_in_days + mature + 2
        raise InputError(Problem("--days", f"an experiment needs at least {need} days (burn-in, attribution, 2 days)"))
    run = run_experiment(
        scenario,
        seed=seed,
        days=days,
        burn_in_days=cfg.burn_in_days,
        pre_days=cfg.pre_days,
        treatment_share=cfg.treatment_share,
        market=market,
        settings=settings,
        alpha=cfg.alpha,
        se_method=cfg.se_method,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "days": out_dir / "experiment_days.csv",
        "summary": out_dir / "experiment_summary.csv",
        "chart": out_dir / "experiment.png",
    }
    frames = {"days": run.days, "summary": pd.DataFrame([summary_row(run, scenario.name, market)])}
    for key, frame in frames.items():
        tmp = files[key].with_suffix(".csv.tmp")
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n", float_format="%.6g")
        tmp.replace(files[key])
    from optimizer.experiment.report import chart_style

    with chart_style():
        _chart(run, files["chart"])
    return run, files


def _chart(run: SimulatedExperiment, path: Path) -> None:
    """Daily ROI of both arms and of the treatment arm's counterfactual; the interval against the truth."""
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from optimizer.i18n import t

    fig = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax, ax_ci = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    d = run.days.assign(date=pd.to_datetime(run.days["date"]))
    for arm, style in (("treatment", "-"), ("control", "--")):
        part = d[d["arm"] == arm]
        ax.plot(part["date"], part["gmv"] / part["spend"], style, label=t(f"experiment.arm_{arm}"))
    part = d[d["arm"] == "treatment"]
    ax.plot(part["date"], part["counterfactual_gmv"] / part["counterfactual_spend"], ":", label="counterfactual")
    ax.set_ylabel("ROI")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    e = run.estimate
    ax_ci.errorbar([0], [e.lift * 100], yerr=[[(e.lift - e.low) * 100], [(e.high - e.lift) * 100]], fmt="o", capsize=6)
    ax_ci.axhline(run.true_lift * 100, color="tab:red", linestyle="--", label=f"true {run.true_lift:+.1%}")
    ax_ci.axhline(0, color="0.3", linewidth=0.8)
    ax_ci.set_xticks([])
    ax_ci.set_ylabel("ROI lift %")
    ax_ci.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_suffix(".png.tmp")
    fig.savefig(tmp, format="png", metadata={"Software": None})
    tmp.replace(path)


def render_experiment(run: SimulatedExperiment) -> str:
    """One paragraph for the terminal: the estimate, its interval and the truth."""
    e, g = run.estimate, run.extra["gmv"]
    return (
        f"ROI lift {e.lift:+.1%} [{e.low:+.1%}, {e.high:+.1%}] (true {run.true_lift:+.1%}); "
        f"GMV lift {g.lift:+.1%} [{g.low:+.1%}, {g.high:+.1%}] (true {run.true_gmv_lift:+.1%}); "
        f"plan MDE {run.plan.mde:.1%} over {e.days_test} matured days; "
        f"A/A {run.aa.lift:+.1%} [{run.aa.low:+.1%}, {run.aa.high:+.1%}]; "
        f"budget isolation problems: {len(run.isolation_problems)}"
    )
