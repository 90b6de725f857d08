"""The one-shot pipeline: input files -> recommendations, report; nothing else touched."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from connectors.errors import InputError
from optimizer.decide import columns as C
from optimizer.jobs.optimize import output_paths, run_optimize
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats

BAD = Path(__file__).parents[1] / "data" / "bad"


def _input(tmp_path: Path, **kw) -> Path:
    frame, _ = make_stats(**{"n": 24, "days": 21, "seed": 21, "cpa_share": 0.3, **kw})
    path = tmp_path / "stats.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return path


def test_one_shot_writes_contract_csv_xlsx_and_report_for_the_day_after_the_newest_date(tmp_path, isolated_home):
    source = _input(tmp_path)
    out = tmp_path / "out" / "recs.csv"
    result = run_optimize([source], out, Settings())
    paths = output_paths(out)
    assert all(p.exists() for p in paths.values())
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert tuple(frame.columns[: len(C.CONTRACT_COLUMNS)]) == C.CONTRACT_COLUMNS
    assert len(frame) == 24
    assert (frame[C.EFFECTIVE_DATE] == "2026-11-21").all()
    assert frame[C.CAMPAIGN_NAME].str.startswith("计划").all()
    assert frame[C.CAMPAIGN_ID].str.fullmatch(r"\d{17}").all()
    assert set(frame[C.ACTION]) <= set(C.ACTIONS) and set(frame[C.DECISION]) <= set(C.DECISIONS)
    assert (frame[C.REASON].str.len() > 20).all()
    # Today's total is kept when total_daily is absent.
    assert result.total_budget_after <= result.total_budget_before + 0.01
    sheet = openpyxl.load_workbook(paths["xlsx"]).active
    assert sheet.max_row == 26  # label row, name row, 24 campaigns
    html = paths["html"].read_text(encoding="utf-8")
    assert paths["curves"].name in html and "计划" in html
    assert paths["curves"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The one-shot command never creates or opens the user's store.
    assert not any(isolated_home.rglob("*.db"))


def test_date_option_and_config_keys_are_honoured(tmp_path, isolated_home):
    source = _input(tmp_path)
    settings = Settings(budget={"total_daily": 30000, "max_change_pct": 20}, review={"auto_apply_max_change_pct": 5})
    result = run_optimize([source], tmp_path / "r.csv", settings, dt.date(2026, 11, 23))
    frame = result.frame
    assert (frame[C.EFFECTIVE_DATE] == "2026-11-23").all()
    live = (frame[C.ACTION] != "pause") & frame[C.RECOMMENDED_BUDGET].notna()
    assert frame.loc[live, C.RECOMMENDED_BUDGET].sum() <= 30000 + 0.01
    capped = frame[C.CURRENT_BUDGET].notna() & live
    change = (frame[C.RECOMMENDED_BUDGET] - frame[C.CURRENT_BUDGET]).abs() / frame[C.CURRENT_BUDGET]
    assert (change[capped] <= 0.20 + 1e-6).all()
    small = capped & (change <= 0.05) & frame[C.ACTION].isin(["increase", "decrease"])
    big = capped & (change > 0.05 + 1e-9)
    assert (frame.loc[big, C.DECISION] == "review").all()
    assert big.any()
    if small.any():
        thick = frame[C.DAYS_OF_HISTORY] >= settings.model.min_history_days
        assert (frame.loc[small & thick, C.DECISION] == "auto").any() or not (small & thick).any()


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.iterdir()) if BAD.exists() else [])
def test_bad_input_raises_input_error_and_leaves_no_output(tmp_path, isolated_home, name):
    source = tmp_path / name
    shutil.copy(BAD / name, source)
    out = tmp_path / "out" / "recs.csv"
    with pytest.raises(InputError) as info:
        run_optimize([source], out, Settings())
    assert name in str(info.value)
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_exploration_steps_stay_within_the_allowance(tmp_path, isolated_home):
    source = _input(tmp_path, flat=True, n=40)
    share = 0.05
    explored = run_optimize([source], tmp_path / "a.csv", Settings(model={"exploration_share": share}), report=False)
    reasons = explored.frame[C.REASON]
    steps = reasons.str.contains("exploration step")
    assert steps.any()
    plain = run_optimize([source], tmp_path / "b.csv", Settings(model={"exploration_share": 0}), report=False)
    assert not plain.frame[C.REASON].str.contains("exploration step").any()
    assert explored.total_budget_after <= explored.total_budget_before + 0.01
    f = explored.frame[steps]
    change = (f[C.RECOMMENDED_BUDGET] - f[C.CURRENT_BUDGET]) / f[C.CURRENT_BUDGET]
    assert (change > 0).all() and (change <= 0.30 + 1e-6).all()


def test_new_campaigns_keep_their_bids_unless_configured_otherwise(tmp_path, isolated_home):
    frame, _ = make_stats(n=20, days=21, seed=23, cpa_share=1.0)
    # Half the campaigns started three days ago: new, so their bids stay.
    new_ids = sorted(frame["campaign_id"].unique())[:10]
    dates = sorted(frame["date"].unique())
    frame = frame[~frame["campaign_id"].isin(new_ids) | frame["date"].isin(dates[-3:])]
    source = tmp_path / "stats.csv"
    frame.to_csv(source, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    rows = run_optimize([source], tmp_path / "r.csv", Settings(), report=False).frame
    new = rows[C.CAMPAIGN_ID].isin(new_ids)
    assert (rows.loc[new, C.RECOMMENDED_BID] == rows.loc[new, C.CURRENT_BID]).all()
    free = run_optimize(
        [source], tmp_path / "f.csv", Settings(model={"hold_bids_in_learning": False}), report=False
    ).frame
    assert (free[C.RECOMMENDED_BID] != free[C.CURRENT_BID]).any()
