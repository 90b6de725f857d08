"""Review decisions are records: later imports change only what they change, pause/resume work,
read-only cells survive a spreadsheet's rounding, and ``verify`` refuses an edit that breaks a hard rule."""

from __future__ import annotations

import csv
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.base import CampaignState
from connectors.errors import InputError
from optimizer.act.apply import apply_changes
from optimizer.act.review import import_review, load_recommendations, save_recommendations
from optimizer.act.review_file import write_recommendations
from optimizer.settings import Settings
from tests.apply.conftest import ACCOUNT, EFFECTIVE, IDS, Recording, make_platform, money, row, state

C_CPA, C_ROI, C_NONE, C_TIGHT, C_PAUSED, C_HIGH_BID = IDS


def _write(tmp_path, recs, edits, name="recs.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    write_recommendations(pd.DataFrame(recs), path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for r in rows[1:]:
        for column, value in edits.get(r[header.index("campaign_id")], {}).items():
            r[header.index(column)] = value
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


RECS = [
    row(C_CPA, budget=1100, decision="auto"),
    row(C_ROI, budget=2500, decision="review", expected_roi=3.7069),
    row(C_NONE, budget=800, action="hold", decision="auto"),
    row(C_PAUSED, budget=500, action="hold", decision="review", reason="hold: paused and stays paused"),
]


@pytest.fixture
def stored(engine):
    save_recommendations(engine, pd.DataFrame(RECS))
    return engine


def test_a_second_import_of_the_untouched_file_loses_no_decision_and_a_real_change_overrides(stored, tmp_path):
    settings = Settings()
    first = import_review(
        _write(tmp_path, RECS, {C_ROI: {"approved": "yes", "recommended_budget": "2400"}}), stored, settings
    )
    assert first.approved == 1 and first.notes == ()
    # the untouched export, saved again by Excel as GBK with the ROI shown at 2 decimals
    again = _write(tmp_path, RECS, {C_ROI: {"expected_roi": "3.71"}}, name="again.csv", encoding="gbk")
    second = import_review(again, stored, settings)
    back = load_recommendations(stored, "run-1").set_index("campaign_id")
    assert back.loc[C_ROI, "approved"] == "yes" and back.loc[C_ROI, "recommended_budget"] == Decimal("2400.00")
    assert any("stays" in n and "recs.csv" in n for n in second.notes), second.notes
    rows = second.rows.set_index("campaign_id")
    assert rows.loc[C_ROI, "recommended_budget"] == Decimal("2400.00")
    third = import_review(_write(tmp_path, RECS, {C_ROI: {"approved": "no"}}, name="third.csv"), stored, settings)
    assert any("overrides the decision of" in n and "approved True -> False" in n for n in third.notes), third.notes
    back = load_recommendations(stored, "run-1").set_index("campaign_id")
    assert back.loc[C_ROI, "approved"] == "no" and back.loc[C_ROI, "recommended_budget"] == Decimal("2400.00")
    with stored.connect() as conn:
        records = conn.execute(sa.text("select file, row, approved from review_decision order by id")).all()
    assert [(r.file.rsplit("/", 1)[-1], r.row, r.approved) for r in records] == [
        ("recs.csv", 3, "yes"),
        ("third.csv", 3, "no"),
    ]


def test_a_reviewer_pauses_with_budget_0_and_resumes_with_the_action(stored, tmp_path):
    edits = {
        C_NONE: {"recommended_budget": "0", "approved": "yes"},
        C_PAUSED: {"action": "恢复", "approved": "是"},
    }
    decision = import_review(_write(tmp_path, RECS, edits), stored, Settings())
    connector = Recording(make_platform())
    report = apply_changes(stored, connector, decision.rows, run_id="run-1", effective_date=EFFECTIVE)
    assert report.ok, report.items
    assert state(connector, C_NONE).status == "paused" and state(connector, C_NONE).budget == money(800)
    assert state(connector, C_PAUSED).status == "active"
    exported = load_recommendations(stored, "run-1").set_index("campaign_id")
    assert exported.loc[C_PAUSED, "action"] == "resume" and exported.loc[C_NONE, "recommended_budget"] == 0


def _two(floor_edit: str, **settings):
    base = dict(expected_spend=1000.0, decision="review", reason="r")
    recs = [
        row(C_CPA, budget=1000, expected_gmv=3000.0, marginal_roi=0.5, channel="qianchuan.live", **base),
        row(C_NONE, budget=1000, expected_gmv=2000.0, marginal_roi=0.2, channel="qianchuan.search", **base),
    ]
    recs[0]["current_budget"] = recs[1]["current_budget"] = 1000.0
    return recs, {C_NONE: {"approved": "yes", "recommended_budget": floor_edit}}, Settings(**settings)


@pytest.mark.parametrize(
    ("what", "settings", "rule"),
    [
        ("roi floor", {"objective": {"roi_floor": 2.4}, "budget": {"total_daily": 5000}}, "objective.roi_floor"),
        (
            "channel share",
            {"budget": {"total_daily": 5000}, "channel": [{"name": "qianchuan.search", "max_share": 0.25}]},
            "channel max_share",
        ),
    ],
)
def test_an_approved_edit_that_breaks_a_hard_rule_is_refused_naming_it(engine, tmp_path, what, settings, rule):
    recs, edits, config = _two("1300", **settings)
    save_recommendations(engine, pd.DataFrame(recs))
    with pytest.raises(InputError) as caught:
        import_review(_write(tmp_path, recs, edits), engine, config)
    assert f"rule {rule}" in str(caught.value), caught.value
    assert load_recommendations(engine, "run-1")["approved"].isna().all()
    # without the edit the same approval is fine
    import_review(_write(tmp_path, recs, {C_NONE: {"approved": "yes"}}), engine, config)


def test_an_approved_edit_of_a_locked_campaign_is_refused(engine, tmp_path):
    recs, edits, config = _two("1100", budget={"total_daily": 5000})
    save_recommendations(engine, pd.DataFrame(recs))

    def live(account_id):
        return [
            CampaignState(account_id=ACCOUNT, campaign_id=C_CPA, bid_type="cpa", budget=Decimal(1000), bid=Decimal(50)),
            CampaignState(
                account_id=ACCOUNT, campaign_id=C_NONE, budget=Decimal(1000), excluded_reason="auto-managed (托管) plan"
            ),
        ]

    with pytest.raises(InputError, match=r"rule lock"):
        import_review(_write(tmp_path, recs, edits), engine, config, live=live)
