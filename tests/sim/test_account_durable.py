"""The embedded simulated account keeps every write it accepted, whenever the process dies."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

from connectors.base import BidChange, BudgetChange
from connectors.sim.account import open_sim_account

DAY0 = dt.date(2026, 12, 1)


def _first_capped(platform):
    account = platform.list_accounts()[0].account_id
    state = next(s for s in platform.list_campaigns(account) if s.budget is not None and s.bid_type == "cpa")
    return account, state


def test_a_process_killed_right_after_a_write_leaves_the_write_on_the_account(tmp_path):
    script = textwrap.dedent(
        f"""
        import datetime as dt, os, signal
        from decimal import Decimal
        from pathlib import Path
        from connectors.base import BudgetChange
        from connectors.sim.account import open_sim_account
        acc = open_sim_account(Path({str(tmp_path)!r}), today=dt.date(2026, 12, 1))
        p = acc.platform
        account = p.list_accounts()[0].account_id
        s = next(s for s in p.list_campaigns(account) if s.budget is not None and s.bid_type == "cpa")
        p.update_budgets([BudgetChange(account_id=account, campaign_id=s.campaign_id, budget=s.budget + 100)])
        print(s.campaign_id, s.budget + 100, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path.cwd())
    assert done.returncode == -9, done.stderr
    campaign_id, budget = done.stdout.split()
    account = open_sim_account(tmp_path, today=DAY0)
    try:
        shown = {
            s.campaign_id: s for s in account.platform.list_campaigns(account.platform.list_accounts()[0].account_id)
        }
        assert shown[campaign_id].budget == Decimal(budget)
        assert shown[campaign_id].budget_changes_today == 1
    finally:
        account.close()


def test_writes_and_days_replay_to_the_same_account_and_a_torn_last_line_is_dropped(tmp_path):
    account = open_sim_account(tmp_path, today=DAY0)
    p = account.platform
    acc, state = _first_capped(p)
    p.update_budgets([BudgetChange(account_id=acc, campaign_id=state.campaign_id, budget=state.budget + 200)])
    account.advance(1)
    p.update_bids([BidChange(account_id=acc, campaign_id=state.campaign_id, bid=state.bid + Decimal("1"))])
    expected = p.list_campaigns(acc)
    account.close()  # killed: no snapshot written since the start
    with open(account.journal_path, "a", encoding="utf-8") as handle:
        handle.write('{"op":"budget","t":1,"campa')  # a kill in the middle of an append
    again = open_sim_account(tmp_path, today=DAY0)
    try:
        assert again.platform.today == p.today
        assert again.platform.list_campaigns(acc) == expected
        cut = again.platform.list_campaigns(acc)[1]
        again.platform.update_budgets(
            [BudgetChange(account_id=acc, campaign_id=cut.campaign_id, budget=cut.budget - 50)]
        )
        expected = again.platform.list_campaigns(acc)
    finally:
        again.close()  # killed again: the write after the torn line must survive too
    again = open_sim_account(tmp_path, today=DAY0)
    try:
        assert again.platform.list_campaigns(acc) == expected
    finally:
        again.save()
        again.close()
    third = open_sim_account(tmp_path, today=DAY0)
    try:
        assert third.platform.list_campaigns(acc) == expected
        assert third.journal_path.read_text(encoding="utf-8") == ""
    finally:
        third.close()


def test_a_dry_run_account_writes_nothing(tmp_path):
    first = open_sim_account(tmp_path, today=DAY0)
    first.save()
    first.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".lock"}
    dry = open_sim_account(tmp_path, today=DAY0 + dt.timedelta(days=2), persist=False)
    acc, state = _first_capped(dry.platform)
    dry.platform.update_budgets(
        [BudgetChange(account_id=acc, campaign_id=state.campaign_id, budget=state.budget + 100)]
    )
    dry.save()
    dry.close()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".lock"}
    assert after == before
