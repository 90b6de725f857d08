"""Issue 11, must-hold 3: 28 days of `spendopt run` with nobody reviewing never grow the budget total.

The embedded default (SQLite + the simulated account, no ``total_daily``): the
unattended rows are applied, the ``review`` rows wait forever. The account's
budget total (capped campaigns that are not paused) is read from the account
itself before every day, and after every call as the audit log orders them
(``change_log.id``): it never passes the total the account started with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from connectors.sim.account import open_sim_account
from optimizer.jobs.daily import run_job
from optimizer.settings import default_data_dir, load_settings
from optimizer.store import open_store

DAYS = 28


def account_budgets(settings, today: dt.date) -> dict[str, tuple[Decimal | None, bool]]:
    """(budget, paused) of every campaign, as the simulated account holds them now (read only)."""
    account = open_sim_account(
        default_data_dir(), scenario=settings.job.sim_scenario, seed=settings.job.sim_seed, today=today, persist=False
    )
    try:
        platform = account.platform
        return {
            c.campaign_id: (c.budget, c.status == "paused")
            for a in platform.list_accounts()
            for c in platform.list_campaigns(a.account_id)
        }
    finally:
        account.close()


def total(budgets: dict[str, tuple[Decimal | None, bool]]) -> Decimal:
    return sum((b for b, paused in budgets.values() if b is not None and not paused), Decimal(0))


def confirmed_changes(engine) -> dict[dt.date, list]:
    """The audit log's confirmed changes, per effective date, in the order of calls (``id``)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT effective_date, campaign_id, field, before, after FROM change_log "
                "WHERE state = 'confirmed' ORDER BY id"
            )
        ).all()
    by_day: dict[dt.date, list] = {}
    for r in rows:
        by_day.setdefault(dt.date.fromisoformat(str(r.effective_date)[:10]), []).append(r)
    return by_day


def test_28_unattended_days_never_raise_the_account_budget_total(tmp_path, isolated_home):
    settings = load_settings()
    assert settings.budget.total_daily is None  # the default: "today's total" is the limit
    engine = open_store(f"sqlite:///{tmp_path / 'job.db'}")
    day0 = dt.date(2026, 11, 24)
    budgets = account_budgets(settings, day0)
    limit = start_total = total(budgets)
    assert start_total > 0
    launched: list[str] = []
    for day in range(DAYS):
        today = day0 + dt.timedelta(days=day)
        shown = account_budgets(settings, today)
        # Nothing but the job's own confirmed changes moved a campaign the account had yesterday; a campaign the
        # scenario launched since (a person's doing, not the job's) raises the limit by its budget.
        assert {c: v for c, v in shown.items() if c in budgets} == budgets, f"day {day}: moved outside the log"
        new = {c: v for c, v in shown.items() if c not in budgets}
        launched += new
        limit += total(new)
        budgets = shown
        (result,) = run_job(settings, engine, out=tmp_path / "out", real_today=today, report=False)
        assert result.ok, [a.error for a in result.accounts]
        changes = confirmed_changes(engine).get(result.effective_date, [])
        for r in changes:  # after every call, in the order of calls
            budget, paused = budgets[r.campaign_id]
            if r.field == "budget":
                budgets[r.campaign_id] = (Decimal(r.after), paused)
            elif r.field == "status":
                budgets[r.campaign_id] = (budget, r.after == "paused")
            assert total(budgets) <= limit, f"day {day}, after {r.campaign_id} {r.field} {r.before} -> {r.after}"
        assert budgets == account_budgets(settings, today), f"day {day}: the account differs from the log"
    with engine.connect() as conn:
        moves = conn.execute(
            sa.text("SELECT before, after FROM change_log WHERE field = 'budget' AND state = 'confirmed'")
        ).all()
    raises = sum(1 for m in moves if m.before and Decimal(m.after) > Decimal(m.before))
    cuts = sum(1 for m in moves if m.before and Decimal(m.after) < Decimal(m.before))
    assert raises and cuts, "the scenario should move budgets both ways when nobody reviews"
    assert total(budgets) <= limit
    engine.dispose()
