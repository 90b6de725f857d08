"""From the reviewed file to the platform: approved rows are applied, the rest are left alone."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from optimizer.act.apply import apply_changes
from optimizer.act.review import import_review, load_recommendations, save_recommendations
from optimizer.act.review_file import write_recommendations
from optimizer.settings import Settings
from tests.apply.conftest import EFFECTIVE, IDS, Recording, make_platform, money, row, state

C_CPA, C_ROI, C_NONE, C_TIGHT, C_PAUSED, C_HIGH_BID = IDS


@pytest.fixture
def reviewed(engine, tmp_path):
    import pandas as pd

    recs = pd.DataFrame(
        [
            row(C_CPA, budget=1100, decision="auto"),
            row(C_ROI, budget=2500, decision="review"),
            row(C_NONE, action="pause", budget=0, decision="review"),
            row(C_PAUSED, action="resume", budget=500, decision="review"),
        ]
    )
    save_recommendations(engine, recs)
    path = tmp_path / "recs.csv"
    write_recommendations(recs, path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for r in rows[1:]:
        answer = {C_ROI: "是", C_NONE: "否", C_PAUSED: "yes"}.get(r[header.index("campaign_id")], "")
        r[header.index("approved")] = answer
        if r[header.index("campaign_id")] == C_ROI:
            r[header.index("recommended_budget")] = "2400"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def apply_review(path, engine, connector, settings, *, dry_run=False):
    """What ``spendopt review import`` does with the file: validate and store, then apply the approved rows."""
    decision = import_review(path, engine, settings, write=not dry_run)
    report = apply_changes(
        engine, connector, decision.rows, run_id=decision.run_id, effective_date=EFFECTIVE, dry_run=dry_run
    )
    return decision, report


def test_approved_rows_reach_the_platform_and_rejected_ones_do_not(engine, reviewed):
    connector = Recording(make_platform())
    decision, report = apply_review(reviewed, engine, connector, Settings())

    assert (decision.approved, decision.rejected, decision.unanswered) == (2, 1, 1)
    assert state(connector, C_ROI).budget == money(2400)  # the reviewer's edit
    assert state(connector, C_CPA).budget == money(1100)  # auto, nobody said no
    assert state(connector, C_PAUSED).status == "active"  # resumed: a person said yes
    assert state(connector, C_NONE).status == "active"  # the pause was rejected
    assert report.ok and report.count("confirmed") == 3
    with engine.connect() as conn:
        runs = conn.execute(sa.text("select distinct run_id from change_log")).scalars().all()
    assert runs == ["run-1"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_dry_run_review_validates_but_stores_and_sends_nothing(engine, reviewed):
    connector = Recording(make_platform())
    decision, report = apply_review(reviewed, engine, connector, Settings(), dry_run=True)

    assert decision.approved == 2 and report.dry_run and report.count("planned") == 3
    assert connector.calls == []
    assert load_recommendations(engine, "run-1")["approved"].isna().all()
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from change_log")).scalar() == 0
