"""Must-hold 1: the console-export workflow end to end, as an operator without API access works.

import this morning's export -> run the daily job -> edit the review XLSX with
openpyxl (是/否, one budget changed by hand) -> import it -> change the console
(tomorrow's export shows the new budgets) -> import that -> run again: the
audit shows the changes confirmed, a change made differently is flagged, and
no campaign exists twice. Once for a 标准推广 GBK CSV and once for a 全域推广
XLSX (each account keeps its own GMV basis).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from optimizer.act.audit import read_log
from optimizer.jobs.daily import run_job
from optimizer.jobs.importing import import_files
from optimizer.jobs.review import run_review
from optimizer.settings import load_settings
from optimizer.store import open_store
from tests.console.exports import ACCOUNT_ID, Account, standard_csv, uni_xlsx

D0 = dt.date(2026, 11, 28)


def _edit_review(xlsx: Path) -> dict[str, dict]:
    """Answer every review row 是 except one 否, and lower one approved budget by 100 (as a person would in Excel)."""
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    sheet = book.active
    header_row = next(r for r in range(1, 6) if "approved" in [c.value for c in sheet[r]])
    names = [c.value for c in sheet[header_row]]
    col = {n: i + 1 for i, n in enumerate(names) if n}
    answers: dict[str, dict] = {}
    review_rows = [
        r for r in range(header_row + 1, sheet.max_row + 1) if sheet.cell(r, col["decision"]).value == "review"
    ]
    assert len(review_rows) >= 3, "the account should give a person something to review"
    changed = [
        r
        for r in review_rows
        if sheet.cell(r, col["action"]).value in ("increase", "decrease")
        and sheet.cell(r, col["recommended_budget"]).value
    ]
    edited, rejected = changed[0], review_rows[-1] if review_rows[-1] != changed[0] else review_rows[-2]
    for r in review_rows:
        cid = str(sheet.cell(r, col["campaign_id"]).value)
        answer = "否" if r == rejected else "是"
        sheet.cell(r, col["approved"]).value = answer
        budget = sheet.cell(r, col["recommended_budget"]).value
        if r == edited:
            current = float(sheet.cell(r, col["current_budget"]).value)
            budget = (
                float(budget) - 100 if float(budget) - 100 > current or float(budget) < current else float(budget) + 100
            )
            sheet.cell(r, col["recommended_budget"]).value = budget
        answers[cid] = {
            "approved": answer,
            "budget": budget,
            "bid": sheet.cell(r, col["recommended_bid"]).value,
            "action": sheet.cell(r, col["action"]).value,
            "edited": r == edited,
        }
    book.save(xlsx)
    return answers


@pytest.mark.parametrize("variant", ["standard_gbk_csv", "uni_xlsx"])
def test_console_exports_round_trip_to_confirmed_changes(tmp_path, variant, monkeypatch):
    monkeypatch.setenv("SPENDOPT_OPERATOR", "运营小王")
    uni = variant == "uni_xlsx"
    settings = load_settings(
        None,
        job={"connector": "files", "output_dir": str(tmp_path / "runs")},
        data={"gmv_basis": "uni_total" if uni else "direct_pay"},
    )
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    account = Account(uni=uni)
    write = uni_xlsx if uni else standard_csv
    first = write(
        tmp_path / ("export-1.xlsx" if uni else "export-1.csv"), account.history(D0 - dt.timedelta(days=1), 28)
    )

    summary = import_files(engine, [first], settings, today=D0)
    assert (summary.campaigns, summary.accounts, summary.rows) == (8, 1, 8 * 28)  # the 合计 row is not a campaign
    # a second import of the same export without an account column keys the same campaigns
    import_files(engine, [first], settings, today=D0, account_id=ACCOUNT_ID)

    day1 = run_job(settings, engine, real_today=D0, report=False)[0]
    assert day1.ok, [a.error for a in day1.accounts]
    (acc,) = day1.accounts
    assert acc.account_id == ACCOUNT_ID and acc.campaigns == 8
    frame = acc.frame
    names = set(frame["campaign_name"])
    assert any(n.startswith("+1元秒杀") for n in names) and any(
        n.startswith("=") for n in names
    )  # read as text, never refused

    answers = _edit_review(acc.paths[1])
    decision, _ = run_review(settings, engine, acc.paths[1], real_today=D0)
    assert decision.edited == 1 and decision.rejected == 1
    pending = read_log(engine, state="pending")
    assert pending, "approved rows of an imported account are recorded as changes made by hand"
    assert all(
        "运营小王" in (r.error or "") and acc.paths[1].name in (r.error or "")
        for r in pending
        if r.run_id == decision.run_id
    )

    # the operator changes the console: every pending change but one, which they set 100 higher than approved
    wanted = {(r.campaign_id, r.field): r.after for r in pending}
    budget_rows = sorted(k for k in wanted if k[1] == "budget")
    off_by_hand = budget_rows[-1]
    for plan in account.plans:
        if (plan.campaign_id, "budget") in wanted:
            plan.budget = float(wanted[(plan.campaign_id, "budget")])
            if (plan.campaign_id, "budget") == off_by_hand:
                plan.budget += 100
        if (plan.campaign_id, "bid") in wanted:
            plan.bid = float(wanted[(plan.campaign_id, "bid")])
        if (plan.campaign_id, "status") in wanted:
            plan.status = "已暂停" if wanted[(plan.campaign_id, "status")] == "paused" else "投放中"
    import numpy as np

    second = write(tmp_path / ("export-2.xlsx" if uni else "export-2.csv"), account.day(D0, np.random.default_rng(1)))
    import_files(engine, [second], settings, today=D0 + dt.timedelta(days=1))

    day2 = run_job(settings, engine, real_today=D0 + dt.timedelta(days=1), report=False)[0]
    assert day2.ok
    records = {(r.campaign_id, r.field): r for r in read_log(engine) if r.effective_date == D0}
    for key, after in wanted.items():
        rec = records[key]
        if key == off_by_hand:
            assert rec.state == "failed" and str(Decimal(after) + 100) in (rec.error or ""), rec
        else:
            assert rec.state == "confirmed", rec
    edited = next(cid for cid, a in answers.items() if a["edited"])
    assert Decimal(records[(edited, "budget")].after) == Decimal(str(answers[edited]["budget"])).quantize(
        Decimal("0.01")
    )
    rejected = next(cid for cid, a in answers.items() if a["approved"] == "否")
    assert (rejected, "budget") not in wanted and (rejected, "bid") not in wanted

    with engine.connect() as conn:
        campaigns = conn.execute(sa.text("SELECT account_id, campaign_id FROM campaign")).all()
        accounts = conn.execute(sa.text("SELECT account_id, platform FROM account")).all()
    assert len(campaigns) == 8 and len(set(campaigns)) == 8
    assert accounts == [(ACCOUNT_ID, "file")]
    assert len(day2.accounts[0].frame) == 8
    engine.dispose()
