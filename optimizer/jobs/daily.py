"""The daily job: wiring only. Each step is a module of its own.

::

    pull (connector -> store) -> per account: load history -> features -> fit
      -> solve + verify -> recommend -> save + write files -> apply the `auto` rows
      (audited, exactly once) -> run recorded

Rows marked ``review`` are left for a person: the recommendations CSV/XLSX is
the review file (``spendopt review import FILE`` applies what they approve).

The effective date is ``today`` on the account's calendar; the history ends
yesterday. The campaigns' current budgets, bids and statuses come live from the
connector (the platform knows today's settings better than yesterday's row).
A campaign in the history that the platform no longer lists, or lists as
excluded (auto-managed 托管 plans), is held as it is.

``dry_run=True`` reads only: it does not pull into the store, records no run,
no recommendation and no audit row, and sends nothing; it writes the files to
look at. Running the job twice on one day sends nothing twice: every change is
keyed by campaign, field and effective date in the audit log.

One owner per account-day: a real run takes each account's run key
(``optimizer.store.lease``) before it pulls, renews it while it works and lets
it go at the end (done, or open again when the account failed or left a change
pending). A second process on the same account-day finds the key taken and
leaves that account alone (``DailyResult.held`` names the run). A run that
takes over a crashed run's expired key reconciles first, as every run does:
the pending changes of earlier runs are settled against the platform
(confirmed / not applied / failed) before anything is decided, and the
decision starts from the state the platform shows. The unattended (``auto``)
rows keep the account's budget total: a raise goes only when cuts already
applied fund it (``optimizer.act.apply``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import CampaignState, Connector
from optimizer.i18n import t
from optimizer.settings import Settings, config_hash
from optimizer.version import code_version, new_run_id

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from optimizer.act.apply import ApplyReport
    from optimizer.jobs.pull import PullSummary
    from optimizer.notify import Notifier
    from optimizer.store.lease import Lease, RunHeld

__all__ = ["AccountRun", "DailyResult", "live_states", "run_daily", "run_job"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class AccountRun:
    """What the job did for one account."""

    account_id: str
    campaigns: int = 0
    auto: int = 0
    review: int = 0
    expected_spend: float = 0.0
    expected_gmv: float = 0.0
    paths: tuple[Path, ...] = ()
    applied: ApplyReport | None = None
    error: str | None = None
    frame: Any = None
    notes: tuple[str, ...] = ()  # surprising guardrails, conflicts, guardrails out of reach today (the solver's)
    warnings: tuple[str, ...] = ()  # the surprising guardrails alone (optimizer.decide.surprises)
    alerts: tuple[Any, ...] = ()  # new alerts of this run (optimizer.store.Alert)
    findings: int = 0  # what the checks saw, new or not


@dataclass(frozen=True)
class DailyResult:
    run_id: str
    effective_date: dt.date
    dry_run: bool
    out_dir: Path
    pulled: PullSummary | None
    accounts: tuple[AccountRun, ...] = field(default_factory=tuple)
    held: tuple[RunHeld, ...] = field(default_factory=tuple)
    """Accounts another run holds (live) or already did today: left to it."""

    @property
    def ok(self) -> bool:
        return all(a.error is None for a in self.accounts)


def live_states(states: pd.DataFrame, live: list[CampaignState]) -> pd.DataFrame:
    """Overlay the platform's current settings on the history-based states.

    Campaigns the platform does not list, or lists as excluded, are locked.
    """
    import numpy as np

    by_id = {s.campaign_id: s for s in live}
    out = states.copy()
    budget, bid = out["budget"].to_numpy(dtype=float).copy(), out["bid"].to_numpy(dtype=float).copy()
    status, spend = out["status"].to_numpy(dtype=object).copy(), out["spend_today"].to_numpy(dtype=float).copy()
    locked = out["locked"].to_numpy(dtype=bool).copy()
    for i, cid in enumerate(out["campaign_id"]):
        state = by_id.get(cid)
        if state is None or state.excluded_reason:
            locked[i] = True
            continue
        budget[i] = float(state.budget) if state.budget is not None else np.nan
        bid[i] = float(state.bid) if state.bid is not None else np.nan
        status[i] = state.status
        spend[i] = float(state.spend_today)
    return out.assign(budget=budget, bid=bid, status=status, spend_today=spend, locked=locked)


def run_daily(
    settings: Settings,
    connector: Connector,
    engine: Engine,
    *,
    today: dt.date,
    out_dir: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    report: bool = True,
    accounts: Sequence[str] | None = None,
    notifier: Notifier | None = None,
    stop: Callable[[], bool] | None = None,
) -> DailyResult:
    """Run the daily job once for every account the connector lists (or the ``accounts`` given).

    ``report=False`` skips the PNG/HTML pictures (the CSV/XLSX are always written).
    ``accounts=[one]`` is a fleet worker's job (``optimizer.jobs.queue``): the
    same steps for that account only.
    A real run first takes each account's run key (``optimizer.store.lease``):
    an account-day another live run holds, or one a run already finished, is
    left to it and named in ``DailyResult.held``. Then it reconciles (settles
    every pending change earlier runs left, by reading the platform) before it
    pulls and decides.

    ``notifier``: the morning summary and the alerts not yet sent go to the chat bots.
    ``stop`` (SIGTERM): asked before every platform write; once true the run sends no more.
    """
    from optimizer.store import finish_run, start_run

    say = progress or (lambda done, total, what: None)
    run_id = new_run_id("dry" if dry_run else "daily")
    wanted = list(accounts) if accounts is not None else None
    if dry_run:
        accounts = wanted if wanted is not None else [a.account_id for a in connector.list_accounts()]
        looked = _run_accounts(settings, connector, engine, accounts, {}, run_id, today, out_dir, True, report, say)
        return DailyResult(run_id, today, dry_run, out_dir / run_id, None, tuple(looked))
    start_run(
        engine,
        kind="daily",
        config_hash=config_hash(settings),
        code_version=code_version(),
        effective_date=today,
        run_id=run_id,
        account_id=wanted[0] if wanted is not None and len(wanted) == 1 else None,
    )
    leases: dict[str, Lease] = {}
    results: list[AccountRun] = []
    pulled = None
    try:  # from here on the run row is finished however this ends
        if getattr(connector, "applies_by_hand", False):  # imported accounts: the new export settles yesterday's
            from optimizer.act.audit import reconcile

            reconcile(engine, connector)
        accounts = wanted if wanted is not None else [a.account_id for a in connector.list_accounts()]
        leases, held = _claim(engine, accounts, today, run_id, settings.job.lease_s)
        with ExitStack() as stack:
            for lease in leases.values():
                stack.enter_context(lease.keep_alive())
            results, ready = _reconcile_first(engine, connector, list(leases), run_id)
            if ready:
                say(0, 1, "pulling")
                pulled = _pull(settings, connector, engine, ready, today)
                results += _run_accounts(
                    settings, connector, engine, ready, leases, run_id, today, out_dir, False, report, say, stop
                )
    except BaseException as exc:
        finish_run(engine, run_id, status="failed", message=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        by_account = {a.account_id: a for a in results}
        for account_id, lease in leases.items():
            run = by_account.get(account_id)
            pending = run is not None and run.applied is not None and run.applied.count("pending") > 0
            lease.release(done=run is not None and run.error is None and not pending)
    result = DailyResult(run_id, today, dry_run, out_dir / run_id, pulled, tuple(results), tuple(held))
    failed = [f"{a.account_id}: {a.error}" for a in result.accounts if a.error]
    message = "; ".join(failed + [str(h) for h in held])
    finish_run(engine, run_id, status="ok" if not failed else "failed", message=message)
    if notifier is not None:
        from optimizer.jobs.watch import notify_run

        notify_run(engine, notifier, result)
    return result


def _claim(
    engine: Engine, accounts: list[str], today: dt.date, run_id: str, ttl_s: float
) -> tuple[dict[str, Lease], list[RunHeld]]:
    """Take the run key of each account for ``today``; the ones another run has are named, not run."""
    from optimizer.store.lease import RunHeld, claim_run

    leases: dict[str, Lease] = {}
    held: list[RunHeld] = []
    for account_id in accounts:
        try:
            leases[account_id] = claim_run(engine, account_id, today, "daily", run_id=run_id, ttl_s=ttl_s)
        except RunHeld as exc:
            held.append(exc)
    return leases, held


def _reconcile_first(
    engine: Engine, connector: Connector, accounts: list[str], run_id: str
) -> tuple[list[AccountRun], list[str]]:
    """Settle every pending change of earlier runs by reading the platform; an account left with one waits."""
    from optimizer.act import audit

    failed: list[AccountRun] = []
    ready: list[str] = []
    for account_id in accounts:
        audit.reconcile(engine, connector, account_id=account_id, own_runs={run_id})
        left = audit.read_log(engine, account_id=account_id, state="pending")
        if left:
            failed.append(
                AccountRun(
                    account_id,
                    error=t("cli.unsettled_left", n=len(left), run_id=left[0].run_id),
                )
            )
        else:
            ready.append(account_id)
    return failed, ready


def _pull(settings: Settings, connector: Connector, engine: Engine, accounts: list[str], today: dt.date):
    from optimizer.jobs.pull import pull_from

    return pull_from(settings, connector, engine, accounts=accounts, today=today)


def _run_accounts(
    settings: Settings,
    connector: Connector,
    engine: Engine,
    accounts: list[str],
    leases: dict[str, Lease],
    run_id: str,
    today: dt.date,
    out_dir: Path,
    dry_run: bool,
    report: bool,
    say: Progress,
    stop: Callable[[], bool] | None = None,
) -> list[AccountRun]:
    from connectors.errors import SpendoptError

    results = []
    for n, account_id in enumerate(accounts):
        say(n, len(accounts), f"optimizing {account_id}")
        lease = leases.get(account_id)
        try:
            results.append(
                _run_account(
                    settings,
                    connector,
                    engine,
                    account_id,
                    run_id=run_id,
                    today=today,
                    out_dir=out_dir / run_id,
                    dry_run=dry_run,
                    report=report,
                    guard=lease.check if lease is not None else None,
                    stop=stop,
                )
            )
        except SpendoptError as exc:  # one account's failure must not stop the others (a bug still does)
            results.append(AccountRun(account_id, error=str(exc)))
    say(len(accounts), len(accounts), "done")
    return results


def _run_account(
    settings: Settings,
    connector: Connector,
    engine: Engine,
    account_id: str,
    *,
    run_id: str,
    today: dt.date,
    out_dir: Path,
    dry_run: bool,
    report: bool,
    guard: Callable[[], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> AccountRun:
    from optimizer.act.apply import apply_changes
    from optimizer.act.review import save_recommendations
    from optimizer.alerts import check_account, hold_for_alerts, report_alerts
    from optimizer.decide.plan import build_states, recommendations
    from optimizer.experiment.arms import arm_guard, arm_scope
    from optimizer.jobs.outputs import ReportParts, provenance, write_run_files
    from optimizer.model.features import build_history, roster_frame
    from optimizer.model.fit import fit
    from optimizer.store import load_revisions, load_stats

    stats = load_stats(engine, account_id=account_id, end=today - dt.timedelta(days=1))
    if stats.empty:
        return AccountRun(account_id, error=t("cli.no_history"))
    campaigns = connector.list_campaigns(account_id)
    history = build_history(
        stats,
        settings.model,
        as_of=today,
        revisions=load_revisions(engine, account_id=account_id),
        window_days=settings.job.history_days,
        roster=roster_frame(campaigns),
    )
    model = fit(history, settings.model, effective_date=today)
    if settings.model.level_shifts:
        from optimizer.model.shifts import with_level_shifts

        model, _ = with_level_shifts(history, model)
    states = live_states(build_states(history, model), campaigns)
    states, settings = arm_scope(engine, account_id, states, settings, today=today, run_id=run_id, dry_run=dry_run)
    allocation, frame = recommendations(history, model, states, settings, run_id=run_id, effective_date=today)
    findings, alerts, held = check_account(
        settings, engine, history, model, states, run_id=run_id, today=today, dry_run=dry_run
    )
    frame = arm_guard(engine, account_id, hold_for_alerts(frame, held), states)

    notes = allocation.stats.warnings + allocation.stats.conflicts + allocation.stats.notes
    targets = write_run_files(
        frame,
        out_dir / f"recommendations-{account_id}.csv",
        meta={**provenance(settings, run_id, today), "account_id": account_id},
        report=ReportParts.of(
            settings, history, model, notices=notes, alerts=report_alerts(engine, account_id, findings, dry_run)
        )
        if report
        else None,
    )
    if not dry_run:
        save_recommendations(engine, frame)
    auto = frame[frame["decision"] == "auto"]
    applied = apply_changes(
        engine,
        connector,
        auto,
        run_id=run_id,
        effective_date=today,
        dry_run=dry_run,
        total_limit=settings.budget.total_daily or "today",  # nobody reviewed these: raises only when cuts fund them
        step_pct={"budget": settings.budget.max_change_pct, "bid": settings.bid.max_change_pct},
        guard=guard,
        stop=stop,
    )
    return AccountRun(
        account_id,
        campaigns=len(frame),
        auto=int((frame["decision"] == "auto").sum()),
        review=int((frame["decision"] == "review").sum()),
        expected_spend=float(frame["expected_spend"].sum()),
        expected_gmv=float(frame["expected_gmv"].sum()),
        paths=targets,
        applied=applied,
        frame=frame,
        notes=notes,
        warnings=allocation.stats.warnings,
        alerts=tuple(alerts),
        findings=len(findings),
    )


def run_job(
    settings: Settings,
    engine: Engine,
    *,
    days: int = 1,
    dry_run: bool = False,
    out: Path | None = None,
    progress: Progress | None = None,
    real_today: dt.date | None = None,
    report: bool = True,
    stop: Callable[[], bool] | None = None,
) -> list[DailyResult]:
    """``spendopt run``: the daily job on the configured connector.

    ``[job] connector = "sim"`` (the default) runs on the embedded simulated
    account kept in the data directory; ``days > 1`` runs that many simulated
    days in a row (each day's changes are realised before the next). With
    ``"qianchuan"`` it runs once for today's date in ``[data] timezone``; with
    ``"files"`` on the store's imported accounts (their changes are made by hand
    in the console and confirmed by the next imported export).
    """
    from connectors.errors import InputError, Problem
    from optimizer.jobs.connect import open_connector
    from optimizer.settings import default_data_dir

    out = out or Path(settings.job.output_dir or default_data_dir() / "runs").expanduser()
    if days != 1 and settings.job.connector != "sim":
        raise InputError(Problem("command line", "--days is for the simulated account; a real account runs once a day"))
    from optimizer.notify import notifier_from_settings

    results = []
    notifier = None if dry_run else notifier_from_settings(settings)
    with open_connector(settings, real_today=real_today, save=not dry_run, engine=engine) as (connector, today, sim):
        for day in range(days):
            if day:
                sim.advance(1)
                today = sim.platform.today
            results.append(
                run_daily(
                    settings,
                    connector,
                    engine,
                    today=today,
                    out_dir=out,
                    dry_run=dry_run,
                    progress=progress,
                    report=report or day == days - 1,
                    notifier=notifier if day == days - 1 else None,
                    stop=stop,
                )
            )
    if notifier is not None:
        notifier.close()
    return results
