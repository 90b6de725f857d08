"""The review round trip: the exported file, edited by a person, comes back validated or not at all."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
import sqlalchemy as sa

from connectors.errors import InputError
from optimizer.act.review import import_review, load_recommendations, save_recommendations
from optimizer.act.review_file import write_recommendations
from optimizer.settings import Settings

RUN = "20260302T013000Z-abc123"
ACCOUNT = "1760000000000009"
A, B, C, D = (f"179000000000000010{i}" for i in range(1, 5))


def rec(cid, name, bid_type, cur_budget, new_budget, cur_bid, new_bid, action, decision):
    return {
        "run_id": RUN,
        "effective_date": "2026-03-02",
        "account_id": ACCOUNT,
        "campaign_id": cid,
        "campaign_name": name,
        "channel": "qianchuan.live",
        "bid_type": bid_type,
        "current_budget": cur_budget,
        "recommended_budget": new_budget,
        "current_bid": cur_bid,
        "recommended_bid": new_bid,
        "action": action,
        "expected_spend": 900.0,
        "expected_gmv": 2700.0,
        "expected_roi": 3.0,
        "marginal_roi": 2.1,
        "decision": decision,
        "reason": f"{name}：边际 ROI 2.10 高于账户阈值",
        "approved": None,
    }


RECS = [
    rec(A, "直播间-羽绒服-控成本", "cpa", 1000.0, 1100.0, 50.0, 52.0, "increase", "auto"),
    rec(B, "短视频-保温杯-ROI", "roi", 2000.0, 2500.0, 3.0, 3.2, "increase", "review"),
    rec(C, "搜索-围巾-放量", "none", 800.0, 800.0, None, None, "hold", "auto"),
    rec(D, "=短视频-手套-已暂停", "none", 500.0, 500.0, None, None, "resume", "review"),
]
COLUMNS = list(RECS[0])


@pytest.fixture
def settings():
    return Settings(
        budget={"total_daily": 5000, "min_campaign_budget": 300, "max_change_pct": 30}, bid={"max_change_pct": 10}
    )


@pytest.fixture
def stored(engine):
    import pandas as pd

    save_recommendations(engine, pd.DataFrame(RECS))
    return engine


def export(tmp_path, edit=None, *, xlsx=False):
    """Write the review file with the real writer, then let ``edit`` change cells like a person would."""
    import pandas as pd

    csv_path, xlsx_path = tmp_path / "recs.csv", tmp_path / "recs.xlsx"
    write_recommendations(pd.DataFrame(RECS), csv_path, xlsx_path)
    if not xlsx:
        with open(csv_path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        if edit:
            edit(rows)
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
        return csv_path
    from openpyxl import load_workbook

    book = load_workbook(xlsx_path)
    if edit:
        edit(book.active)
    book.save(xlsx_path)
    return xlsx_path


def cell(rows, campaign, column, value):
    header = rows[0]
    for r in rows[1:]:
        if r[header.index("campaign_id")] == campaign:
            r[header.index(column)] = value
            return
    raise KeyError(campaign)


def snapshot(engine):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "select campaign_id, recommended_budget, recommended_bid, approved "
                "from recommendation order by campaign_id"
            )
        ).all()


def test_approvals_and_edits_are_stored_and_the_rows_to_apply_come_back(stored, settings, tmp_path):
    def edit(rows):
        cell(rows, B, "approved", "yes")
        cell(rows, B, "recommended_budget", "2400")
        cell(rows, D, "approved", "是")
        cell(rows, C, "approved", "否")

    decision = import_review(export(tmp_path, edit), stored, settings)

    assert (decision.approved, decision.rejected, decision.unanswered, decision.edited) == (2, 1, 1, 1)
    rows = decision.rows.set_index("campaign_id")
    assert sorted(rows.index) == [A, B, D]  # A: auto and unanswered; C answered no
    assert rows.loc[B, "recommended_budget"] == Decimal("2400.00") and rows.loc[B, "approved"] == "yes"
    assert rows.loc[D, "campaign_name"] == "=短视频-手套-已暂停"
    back = load_recommendations(stored, RUN).set_index("campaign_id")
    assert back.loc[B, "recommended_budget"] == Decimal("2400.00")
    assert back["approved"].to_dict() == {A: None, B: "yes", C: "no", D: "yes"}


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # store-independent: SQLite is enough
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("YES", "yes"),
        ("y", "yes"),
        ("是", "yes"),
        ("No", "no"),
        ("n", "no"),
        ("否", "no"),
        ("", None),
        (" yes ", "yes"),
    ],
)
def test_every_accepted_approval_word(stored, settings, tmp_path, word, expected):
    import_review(export(tmp_path, lambda rows: cell(rows, B, "approved", word)), stored, settings)
    assert load_recommendations(stored, RUN).set_index("campaign_id").loc[B, "approved"] == expected


BAD_EDITS = [
    ("approved maybe", lambda r: cell(r, B, "approved", "maybe"), B, "approved", "yes or no"),
    ("budget below minimum", lambda r: cell(r, A, "recommended_budget", "250"), A, "recommended_budget", "minimum"),
    (
        "budget step too large",
        lambda r: cell(r, A, "recommended_budget", "1400"),
        A,
        "recommended_budget",
        "budget.max_change_pct",
    ),
    ("budget step under 100", lambda r: cell(r, C, "recommended_budget", "850"), C, "recommended_budget", "min_step"),
    (
        "budget not a number",
        lambda r: cell(r, A, "recommended_budget", "一千"),
        A,
        "recommended_budget",
        "not a number",
    ),
    (
        "budget three decimals",
        lambda r: cell(r, A, "recommended_budget", "1100.555"),
        A,
        "recommended_budget",
        "2 decimals",
    ),
    ("budget emptied", lambda r: cell(r, A, "recommended_budget", ""), A, "recommended_budget", "empty"),
    ("bid step too large", lambda r: cell(r, B, "recommended_bid", "3.6"), B, "recommended_bid", "bid.max_change_pct"),
    ("bid on max delivery", lambda r: cell(r, C, "recommended_bid", "3"), C, "recommended_bid", "bid_type none"),
    ("fixed column edited", lambda r: cell(r, A, "current_budget", "900"), A, "current_budget", "may be edited"),
    ("fixed money off by a yuan", lambda r: cell(r, A, "current_budget", "1001"), A, "current_budget", "may be edited"),
    ("forecast edited", lambda r: cell(r, B, "expected_gmv", "9999"), B, "expected_gmv", "may be edited"),
    ("action edited", lambda r: cell(r, C, "action", "increase"), C, "action", "only to pause"),
    ("resume a live campaign", lambda r: cell(r, A, "action", "resume"), A, "action", "paused campaign"),
    ("name edited", lambda r: cell(r, C, "campaign_name", "别的名字"), C, "campaign_name", "may be edited"),
    ("date edited", lambda r: cell(r, C, "effective_date", "2026/3/3"), C, "effective_date", "may be edited"),
    (
        "unknown campaign",
        lambda r: cell(r, C, "campaign_id", "1790000000000000999"),
        "1790000000000000999",
        "campaign_id",
        "no recommendation",
    ),
    (
        "id mangled by Excel",
        lambda r: cell(r, C, "campaign_id", "1.79E+18"),
        "1.79E+18",
        "campaign_id",
        "export ids as text",
    ),
    (
        "id through a float",
        lambda r: cell(r, C, "campaign_id", "1790000000000000103.0"),
        "1790000000000000103.0",
        "campaign_id",
        "export ids as text",
    ),
    ("duplicate row", lambda r: r.append(list(r[1])), A, "campaign_id", "appears twice"),
]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the nothing-written check runs on both stores below
@pytest.mark.parametrize(("what", "edit", "campaign", "column", "words"), BAD_EDITS, ids=[b[0] for b in BAD_EDITS])
def test_a_bad_edit_is_refused_with_file_row_column_and_nothing_is_written(
    stored, settings, tmp_path, what, edit, campaign, column, words
):
    def edit_and_approve(rows):
        cell(rows, B, "approved", "yes")  # a valid answer elsewhere must not be stored either
        edit(rows)

    path = export(tmp_path, edit_and_approve)
    before = snapshot(stored)
    with pytest.raises(InputError) as caught:
        import_review(path, stored, settings)

    with open(path, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    row_no = max(i for i, r in enumerate(lines, start=1) if campaign in r)
    problems = [(p.row, p.column) for p in caught.value.problems]
    assert (row_no, column) in problems, caught.value
    assert words in str(caught.value)
    if what.startswith("id "):
        assert "edit the .xlsx file written next to it" in str(caught.value)
    assert str(path) in str(caught.value) and f":{row_no}:{column}:" in str(caught.value)
    assert snapshot(stored) == before
    from optimizer.i18n import problem_text

    for problem in caught.value.problems:  # a zh-CN reader gets each one in Chinese, the same in English
        chinese = problem_text(problem, lang="zh-CN")
        assert problem.key and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), problem
        assert problem_text(problem, lang="en") == str(problem)


def test_every_problem_is_reported_at_once(stored, settings, tmp_path):
    def edit(rows):
        cell(rows, A, "approved", "ok")
        cell(rows, B, "recommended_bid", "9")
        cell(rows, C, "recommended_budget", "100")

    with pytest.raises(InputError) as caught:
        import_review(export(tmp_path, edit), stored, settings)
    assert {(p.row, p.column) for p in caught.value.problems} >= {
        (2, "approved"),
        (3, "recommended_bid"),
        (4, "recommended_budget"),
    }


def test_approvals_that_break_the_daily_total_are_refused(stored, tmp_path):
    tight = Settings(budget={"total_daily": 4800})

    # applied: A 1100 (auto), B 2500 (yes), C 800, D 500 (yes) = 4900 > 4800
    def edit(rows):
        cell(rows, B, "approved", "yes")
        cell(rows, D, "approved", "yes")

    with pytest.raises(InputError, match=r"add up to 4900\.00, above budget.total_daily = 4800"):
        import_review(export(tmp_path, edit), stored, tight)
    assert snapshot(stored)[1][3] is None
    # rejecting the increase keeps B at 2000: 4400 fits
    decision = import_review(export(tmp_path, lambda rows: cell(rows, D, "approved", "yes")), stored, tight)
    assert decision.approved == 1


def test_a_csv_resaved_by_excel_as_gbk_is_read(stored, settings, tmp_path):
    def excel(rows):
        cell(rows, B, "approved", "是")
        for r in rows[1:]:
            r[rows[0].index("effective_date")] = "2026/3/2"  # Excel's re-save shows dates the local way
            r[rows[0].index("current_budget")] = r[rows[0].index("current_budget")].replace(".00", "")

    path = export(tmp_path, excel)
    text = path.read_text(encoding="utf-8-sig")
    path.write_bytes(text.encode("gbk"))

    decision = import_review(path, stored, settings)
    assert decision.approved == 1
    assert decision.rows.set_index("campaign_id").loc[B, "campaign_name"] == "短视频-保温杯-ROI"


def test_an_xlsx_resaved_with_chinese_names_round_trips(stored, settings, tmp_path):
    def edit(sheet):
        header = [c.value for c in sheet[2]]  # row 1: the labels a person reads
        for r in sheet.iter_rows(min_row=3):
            if r[header.index("campaign_id")].value == B:
                r[header.index("approved")].value = "是"
                r[header.index("recommended_budget")].value = 2300  # a number cell, as Excel keeps it
            if r[header.index("campaign_id")].value == D:
                r[header.index("approved")].value = "yes"

    decision = import_review(export(tmp_path, edit, xlsx=True), stored, settings)
    rows = decision.rows.set_index("campaign_id")
    assert rows.loc[B, "recommended_budget"] == Decimal("2300.00")
    assert rows.loc[B, "campaign_name"] == "短视频-保温杯-ROI"
    assert rows.loc[D, "campaign_name"] == "=短视频-手套-已暂停"  # the writer's formula guard is undone
    assert load_recommendations(stored, RUN).set_index("campaign_id").loc[A, "campaign_name"] == "直播间-羽绒服-控成本"


def test_an_xlsx_whose_ids_excel_turned_into_numbers_is_refused(stored, settings, tmp_path):
    def edit(sheet):
        header = [c.value for c in sheet[2]]  # row 1: the labels a person reads
        for r in sheet.iter_rows(min_row=3):
            r[header.index("campaign_id")].value = float(r[header.index("campaign_id")].value)

    path = export(tmp_path, edit, xlsx=True)
    with pytest.raises(InputError) as caught:
        import_review(path, stored, settings)
    assert {p.row for p in caught.value.problems if p.column == "campaign_id"} == {3, 4, 5, 6}
    assert "formatted as Text" in str(caught.value)
    assert "export ids as text" in str(caught.value)


def test_a_file_of_another_run_or_without_its_columns_is_refused(stored, settings, tmp_path):
    path = export(tmp_path, lambda rows: [r.__setitem__(0, "20260101T000000Z-000000") for r in rows[1:]])
    with pytest.raises(InputError, match="no stored recommendations for run"):
        import_review(path, stored, settings)
    path = export(tmp_path, lambda rows: [r.pop() for r in rows])  # the approved column is gone
    with pytest.raises(InputError, match=r":1: missing column\(s\) approved"):
        import_review(path, stored, settings)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_file_full_of_problems_lists_the_first_ones_and_counts_the_rest(stored, tmp_path):
    def edit(rows):
        for r in rows[1:]:
            r[rows[0].index("approved")] = "ok?"
            r[rows[0].index("channel")] = "changed"

    with pytest.raises(InputError) as caught:
        import_review(export(tmp_path, edit), stored, Settings(data={"max_problems": 3}))
    assert len(caught.value.problems) == 3 and caught.value.more == 5
    assert "... and 5 more problems" in str(caught.value)
