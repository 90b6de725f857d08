"""The dry-run simulation: policies run the daily loop against the simulated platform.

For each policy a fresh ``SimulatedPlatform`` is built from the same scenario,
seed and market family (``market``: ``curves``, ``pacing`` or ``cohort``, see
``connectors.sim.families``), so every policy meets the same market and the
same daily luck, and for each of ``days`` days::

    pull     daily_stats for the last len(maturity) days (a look-back overlap:
             re-sent rows replace older ones, as a real pull does)
    decide   policy.decide(today, list_campaigns(), history, settings)
    apply    update_status(resume) -> update_budgets -> update_bids ->
             update_status(pause); rejected writes are counted, not fatal
    advance  the platform realises the day

Results are judged on each day's *final* (fully attributed) spend and GMV,
which the platform knows even for the last days of the run.

Outputs (``write_outputs``), CSV as UTF-8 with BOM, all byte-identical for the
same inputs:

- ``simulation_days.csv``: ``DAY_COLUMNS``, one row per policy and day;
- ``simulation_campaign_days.csv``: ``CAMPAIGN_DAY_COLUMNS``, per campaign;
- ``simulation_summary.csv``: ``SUMMARY_COLUMNS``, one row per policy (with the market family);
- ``simulation.png``: cumulative GMV and daily ROI per policy.

The yardsticks ``hold``, ``rules`` and ``oracle`` are always run, so the summary
can state each policy's share of the oracle's GMV and its lift over holding
still and over the rule of thumb.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import BidChange, BudgetChange, Change, StatusChange
from connectors.sim.platform import SimulatedPlatform
from connectors.sim.scenario import Scenario, load_scenario
from optimizer.simulate.outputs import OUTPUT_FILES, render_summary, write_outputs

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import Settings

__all__ = [
    "CAMPAIGN_DAY_COLUMNS",
    "DAY_COLUMNS",
    "OUTPUT_FILES",
    "REFERENCE_POLICIES",
    "SUMMARY_COLUMNS",
    "SimulationResult",
    "render_summary",
    "run_simulation",
    "simulation_settings",
    "write_outputs",
]

REFERENCE_POLICIES = ("hold", "rules", "oracle")

DAY_COLUMNS = (
    "policy",
    "day",
    "date",
    "live_campaigns",
    "total_budget",
    "spend",
    "gmv",
    "orders",
    "roi",
    "cumulative_spend",
    "cumulative_gmv",
    "changes_applied",
    "changes_rejected",
    "expected_spend",
    "expected_gmv",
)
"""Per policy and day: budgets in force, final spend/GMV/orders, ROI = gmv/spend, writes, and the
true expected (noise-free) spend and GMV of the settings in force."""

CAMPAIGN_DAY_COLUMNS = (
    "policy",
    "date",
    "campaign_id",
    "campaign_name",
    "channel",
    "bid_type",
    "status",
    "budget",
    "bid",
    "spend",
    "gmv",
    "orders",
    "expected_gmv",
)
"""Per policy, day and campaign: settings in force, the final outcome and its true expectation."""

SUMMARY_COLUMNS = (
    "policy",
    "days",
    "spend",
    "gmv",
    "roi",
    "pct_of_oracle_gmv",
    "lift_vs_hold_pct",
    "lift_vs_rules_pct",
    "changes_applied",
    "changes_rejected",
    "expected_gmv",
    "capture_pct",
    "gain",
    "contract_breaks",
    "flip_flops",
    "floor_days",
    "market",
)
"""Per policy over the run; lifts are GMV differences in percent of the reference's GMV. ``capture_pct``
and ``gain`` compare true expected GMV (``optimizer.simulate.scoring``: gain = share of the oracle's
improvement over hold), ``contract_breaks``, ``flip_flops`` and ``floor_days`` count rule breaks,
pauses undone within 3 days and days with the true expected ROI over 2 % under the floor; ``market`` the family the run was
simulated on."""


@dataclass(frozen=True)
class SimulationResult:
    """Frames with the column contracts above, and the files written (if any)."""

    scenario: str
    seed: int
    days: pd.DataFrame
    campaign_days: pd.DataFrame
    summary: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    market: str = "curves"


def simulation_settings(scenario: Scenario, config: Path | str | None = None) -> Settings:
    """Guardrails for a run: the config file (or defaults), with the preset's ``[settings]`` on top.

    A preset describes an account, its budget cap included, so its keys win.
    """
    from optimizer.settings import load_settings

    return load_settings(config, **scenario.settings) if config else load_settings_defaults(scenario)


def load_settings_defaults(scenario: Scenario) -> Settings:
    """The defaults with the preset's ``[settings]`` on top; ``InputError`` names a bad key."""
    from pydantic import ValidationError

    from connectors.errors import InputError, Problem
    from optimizer.settings import Settings

    try:
        return Settings(**scenario.settings)
    except ValidationError as exc:
        problems = [
            Problem(f"scenario {scenario.name}", f"[settings] {'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in exc.errors()
        ]
        raise InputError(problems) from None


def day_settings(settings: Settings, scenario: Scenario, days: int) -> list[Settings]:
    """The guardrails in force on each simulated day: ``settings`` with every
    ``[[settings_change]]`` of the scenario whose day has come merged on top
    (``Scenario.settings_on``); the same object on days without a change."""
    from connectors.sim.scenario import merge_settings

    out: list[Settings] = []
    current, applied = settings, 0
    changes = sorted(scenario.settings_changes, key=lambda c: c.day)
    for d in range(days):
        due = [c for c in changes if c.day <= d]
        if len(due) != applied:
            merged = settings.model_dump()
            for change in due:
                merged = merge_settings(merged, change.settings)
            current, applied = type(settings).model_validate(merged), len(due)
        out.append(current)
    return out


def _policy_order(policies: Sequence[str]) -> list[str]:
    out = list(REFERENCE_POLICIES)
    out += [p for p in policies if p not in out]
    return out


def _apply(platform: SimulatedPlatform, changes: Sequence[Change]) -> tuple[int, int]:
    """Send the changes in a safe order; returns (applied, rejected)."""
    resumes = [c for c in changes if isinstance(c, StatusChange) and c.status == "active"]
    pauses = [c for c in changes if isinstance(c, StatusChange) and c.status == "paused"]
    budgets = [c for c in changes if isinstance(c, BudgetChange)]
    bids = [c for c in changes if isinstance(c, BidChange)]
    results = (
        platform.update_status(resumes)
        + platform.update_budgets(budgets)
        + platform.update_bids(bids)
        + platform.update_status(pauses)
    )
    ok = sum(1 for r in results if r.ok)
    return ok, len(results) - ok


class _History:
    """The stats pulled so far, keyed by (campaign, date); a later pull wins."""

    COLUMNS = (
        "account_id",
        "campaign_id",
        "date",
        "spend",
        "gmv",
        "orders",
        "campaign_name",
        "channel",
        "impressions",
        "clicks",
        "budget",
        "bid_type",
        "bid",
        "status",
        "currency",
    )

    def __init__(self) -> None:
        self.rows: dict[tuple[str, dt.date], tuple[Any, ...]] = {}

    def pull(self, platform: SimulatedPlatform, start: dt.date, end: dt.date) -> None:
        for s in platform.daily_stats(platform.scenario.account_id, start, end):
            self.rows[(s.campaign_id, s.date)] = (
                s.account_id,
                s.campaign_id,
                s.date,
                float(s.spend),
                float(s.gmv),
                s.orders,
                s.campaign_name,
                s.channel,
                s.impressions,
                s.clicks,
                None if s.budget is None else float(s.budget),
                s.bid_type,
                None if s.bid is None else float(s.bid),
                s.status,
                s.currency,
            )

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame([self.rows[k] for k in sorted(self.rows)], columns=list(self.COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"])
        for col in ("account_id", "campaign_id", "campaign_name", "channel", "bid_type", "status", "currency"):
            frame[col] = frame[col].astype(object)
        return frame


def _run_policy(
    name: str, scenario: Scenario, seed: int, settings_by_day: Sequence[Settings], advance: Any, market: str
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    from optimizer.simulate.policies import PolicyContext, make_policy
    from optimizer.simulate.policies.oracle import truth_model

    days = len(settings_by_day)
    settings = settings_by_day[0]
    platform = SimulatedPlatform(scenario, seed=seed, rules=settings.platform, market=market)
    context = PolicyContext(rules=settings.platform, truth=lambda day: truth_model(platform, day), seed=seed)
    policy = make_policy(name, context)
    account = scenario.account_id
    history = _History()
    history.pull(platform, platform.today - dt.timedelta(days=scenario.history_days), platform.today)
    lookback = dt.timedelta(days=max(len(scenario.maturity), 1))
    specs = scenario.campaigns
    day_rows: list[dict[str, Any]] = []
    camp_rows: list[tuple[Any, ...]] = []
    cum_spend = cum_gmv = 0.0
    for d in range(days):
        today = platform.today
        if d > 0:
            history.pull(platform, today - lookback, today - dt.timedelta(days=1))
        campaigns = platform.list_campaigns(account)
        changes = policy.decide(today, campaigns, history.frame(), settings_by_day[d])
        applied, rejected = _apply(platform, changes)
        exp_spend, exp_gmv = _expected_in_force(platform, account)
        platform.advance_day()
        out = platform.final_outcome(today)
        listed = out["listed"]
        live = listed & (out["status"] != "paused")
        spend, gmv = round(float(out["spend"][listed].sum()), 2), round(float(out["gmv"][listed].sum()), 2)
        cum_spend, cum_gmv = round(cum_spend + spend, 2), round(cum_gmv + gmv, 2)
        day_rows.append(
            {
                "policy": name,
                "day": d + 1,
                "date": today.isoformat(),
                "live_campaigns": int(live.sum()),
                "total_budget": round(float(out["budget"][live].sum()), 2),
                "spend": spend,
                "gmv": gmv,
                "orders": int(out["orders"][listed].sum()),
                "roi": round(gmv / spend, 4) if spend > 0 else 0.0,
                "cumulative_spend": cum_spend,
                "cumulative_gmv": cum_gmv,
                "changes_applied": applied,
                "changes_rejected": rejected,
                "expected_spend": round(float(sum(exp_spend.values())), 2),
                "expected_gmv": round(float(sum(exp_gmv.values())), 2),
            }
        )
        for i in range(len(specs)):
            if listed[i]:
                c = specs[i]
                camp_rows.append(
                    (
                        name,
                        today.isoformat(),
                        c.campaign_id,
                        c.name,
                        c.channel,
                        c.bid_type,
                        out["status"][i],
                        float(out["budget"][i]),
                        float(out["bid"][i]),
                        float(out["spend"][i]),
                        float(out["gmv"][i]),
                        int(out["orders"][i]),
                        round(exp_gmv.get(c.campaign_id, 0.0), 2),
                    )
                )
        advance()
    return day_rows, camp_rows


def _expected_in_force(platform: SimulatedPlatform, account: str) -> tuple[dict[str, float], dict[str, float]]:
    """True expected spend and GMV per campaign of today's settings (after the policy's writes)."""
    import numpy as np

    campaigns = platform.list_campaigns(account)
    budget = np.array([0.0 if c.status == "paused" else float(c.budget or 0) for c in campaigns])
    bid = np.array([np.nan if c.bid is None else float(c.bid) for c in campaigns])
    spend, gmv = platform.expected(budget[:, None], bid[:, None])
    ids = [c.campaign_id for c in campaigns]
    return dict(zip(ids, spend[:, 0].tolist(), strict=True)), dict(zip(ids, gmv[:, 0].tolist(), strict=True))


def run_simulation(
    scenario: Scenario | str | Path,
    *,
    days: int = 30,
    seed: int = 0,
    policies: Sequence[str] = (),
    settings: Settings | None = None,
    out_dir: Path | str | None = None,
    progress: bool = True,
    market: str = "curves",
) -> SimulationResult:
    """Run every policy (plus the yardsticks) for ``days`` days on the market family ``market``;
    write the outputs if ``out_dir``.

    Deterministic: the same scenario, seed, days, policies, settings and market
    give the same frames and byte-identical files.
    """
    import pandas as pd

    if days < 1:
        raise ValueError("days must be at least 1")
    from connectors.sim.families import market_names

    if market not in market_names():
        raise KeyError(f"unknown market family {market!r} (known: {', '.join(market_names())})")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    settings = settings or load_settings_defaults(scenario)
    names = _policy_order(policies)
    from optimizer.simulate.policies import policy_names

    unknown = [p for p in names if p not in policy_names()]
    if unknown:
        raise KeyError(f"unknown policy {unknown[0]!r} (known: {', '.join(policy_names())})")
    by_day = day_settings(settings, scenario, days)
    day_rows: list[dict[str, Any]] = []
    camp_rows: list[tuple[Any, ...]] = []
    from optimizer.progress import ProgressBar

    with ProgressBar("simulating", total=len(names) * days, show=progress) as bar:
        for name in names:
            d, c = _run_policy(name, scenario, seed, by_day, bar.advance, market)
            day_rows += d
            camp_rows += c
    days_frame = pd.DataFrame(day_rows, columns=list(DAY_COLUMNS))
    camp_frame = pd.DataFrame(camp_rows, columns=list(CAMPAIGN_DAY_COLUMNS))
    summary = _summary(days_frame, camp_frame, names, by_day, market)
    result = SimulationResult(scenario.name, seed, days_frame, camp_frame, summary, market=market)
    if out_dir is not None:
        files = write_outputs(result, Path(out_dir), meta=_provenance(settings, scenario, seed, days, market, names))
        result = SimulationResult(result.scenario, seed, days_frame, camp_frame, result.summary, files, market)
    return result


def _provenance(
    settings: Settings, scenario: Scenario, seed: int, days: int, market: str, policies: Sequence[str]
) -> dict[str, Any]:
    from connectors.clock import utc_now
    from optimizer.settings import config_hash
    from optimizer.version import code_version

    return {
        "scenario": scenario.name,
        "seed": seed,
        "days": days,
        "market": market,
        "policies": list(policies),
        "code_version": code_version(),
        "config_hash": config_hash(settings),
        "written_at": utc_now().isoformat(timespec="seconds"),
    }


def _summary(
    days: pd.DataFrame, campaign_days: pd.DataFrame, names: Sequence[str], settings: Sequence[Settings], market: str
) -> pd.DataFrame:
    import pandas as pd

    from optimizer.simulate import scoring

    totals = days.groupby("policy", sort=False).agg(
        days=("day", "count"),
        spend=("spend", "sum"),
        gmv=("gmv", "sum"),
        changes_applied=("changes_applied", "sum"),
        changes_rejected=("changes_rejected", "sum"),
        expected_gmv=("expected_gmv", "sum"),
    )
    gmv = {p: float(totals["gmv"][p]) for p in names}
    expected = {p: float(totals["expected_gmv"][p]) for p in names}

    def pct(a: float, b: float) -> float:
        return round(100.0 * a / b, 2) if b > 0 else float("nan")

    rows = []
    for p in names:
        spend, g = round(float(totals["spend"][p]), 2), round(gmv[p], 2)
        rows.append(
            {
                "policy": p,
                "days": int(totals["days"][p]),
                "spend": spend,
                "gmv": g,
                "roi": round(g / spend, 4) if spend > 0 else 0.0,
                "pct_of_oracle_gmv": pct(g, gmv["oracle"]),
                "lift_vs_hold_pct": round(pct(g, gmv["hold"]) - 100, 2),
                "lift_vs_rules_pct": round(pct(g, gmv["rules"]) - 100, 2),
                "changes_applied": int(totals["changes_applied"][p]),
                "changes_rejected": int(totals["changes_rejected"][p]),
                "expected_gmv": round(expected[p], 2),
                "capture_pct": pct(expected[p], expected["oracle"]),
                "gain": round(scoring.gain(expected[p], expected["hold"], expected["oracle"]), 4),
                "contract_breaks": scoring.contract_breaks(campaign_days[campaign_days["policy"] == p], settings),
                "flip_flops": scoring.flip_flops(campaign_days[campaign_days["policy"] == p]),
                "floor_days": scoring.floor_days(days[days["policy"] == p], settings),
                "market": market,
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
