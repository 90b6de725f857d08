"""Guardrails that cannot all hold: a plan that keeps the hard rules, the closest it can get, stated."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.decide.conflicts import solve_closest
from optimizer.decide.solve import solve
from optimizer.decide.verify import verify
from optimizer.errors import InfeasibleError
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats
from tests.solve.cases import account

WEAK_VIDEO = [
    {"id": "v1", "channel": "video", "a": 1.0, "budget": 500.0},
    {"id": "v2", "channel": "video", "a": 1.0, "budget": 500.0},
    {"id": "l1", "channel": "live", "a": 4.0, "budget": 500.0},
    {"id": "l2", "channel": "live", "a": 4.0, "budget": 500.0},
]
CONFLICT = {
    "budget": {"total_daily": 2000},
    "objective": {"roi_floor": 3.0, "uncertainty_penalty": 0.0},
    "channel": [{"name": "video", "min_share": 0.5}],
}


def _solver(model, states):
    return lambda s: solve(model, states, s, grid=(9, 3))


def test_the_lowest_priority_guardrail_gives_way_by_the_least_that_makes_a_plan():
    model, states = account(WEAK_VIDEO)
    settings = Settings(**CONFLICT)
    with pytest.raises(InfeasibleError):
        solve(model, states, settings, grid=(9, 3))
    allocation, conflicts, planned = solve_closest(_solver(model, states), settings)
    assert [c.guardrail for c in conflicts] == ["channel[video].min_share"]
    kept = conflicts[0].planned
    assert 0 < kept < 0.5 and planned.objective.roi_floor == 3.0
    assert verify(allocation, states, planned) == []  # steps, minimum, total and the floor all hold
    table = allocation.table
    assert table["budget"].sum() <= 2000 + 1e-6
    assert table["expected_gmv"].sum() >= 3.0 * table["expected_spend"].sum() - 1e-6
    # as close as it can: a visibly larger minimum has no plan
    closer = settings.model_copy(update={"channel": [planned.channel[0].model_copy(update={"min_share": kept + 0.03})]})
    with pytest.raises(InfeasibleError):
        solve(model, states, closer, grid=(9, 3))
    assert "护栏冲突" in conflicts[0].message and "channel[video].min_share" in conflicts[0].message


def test_the_priority_setting_decides_which_one_gives_way():
    model, states = account(WEAK_VIDEO)
    order = ("channel.min_share", "channel.max_share", "objective.roi_floor")
    settings = Settings(**{**CONFLICT, "objective": {**CONFLICT["objective"], "guardrail_priority": order}})
    allocation, conflicts, planned = solve_closest(_solver(model, states), settings)
    assert [c.guardrail for c in conflicts] == ["objective.roi_floor"]
    assert 0 < planned.objective.roi_floor < 3.0 and planned.channel[0].min_share == 0.5
    assert verify(allocation, states, planned) == []


def test_hard_rules_alone_in_conflict_still_raise():
    model, states = account([{"id": "x", "locked": True, "budget": 5000.0}, {"id": "y"}])
    with pytest.raises(InfeasibleError):
        solve_closest(_solver(model, states), Settings(budget={"total_daily": 3000}))


def test_the_one_shot_command_plans_exits_0_and_says_so_first(tmp_path, isolated_home):
    frame, _ = make_stats(n=12, days=21, seed=7, channels=("qianchuan.live", "qianchuan.search"))
    # search earns far less: a 60 % minimum there cannot meet a floor near the live channel's ROI
    search = frame["channel"] == "qianchuan.search"
    frame.loc[search, "gmv"] = (frame.loc[search, "gmv"] * 0.25).round(2)
    source = tmp_path / "stats.csv"
    frame.to_csv(source, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    total = float(frame[frame["date"] == frame["date"].max()]["budget"].sum())
    config = tmp_path / "spendopt.toml"
    config.write_text(
        f"[budget]\ntotal_daily = {total:.0f}\n[objective]\nroi_floor = 2.6\n"
        '[[channel]]\nname = "qianchuan.search"\nmin_share = 0.6\n',
        encoding="utf-8",
    )
    out = tmp_path / "recs.csv"
    result = CliRunner().invoke(
        app,
        ["optimize", "--input", str(source), "--output", str(out), "--config", str(config)],
        catch_exceptions=False,
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    first = result.output.strip().splitlines()[0]
    said = "护栏冲突|guardrail conflict"  # in the command's language
    assert re.search(said, first) and "channel[qianchuan.search].min_share" in first
    rows = pd.read_csv(out, dtype={"campaign_id": str}, encoding="utf-8-sig")
    affected = rows["channel"] == "qianchuan.search"
    assert rows.loc[affected, "reason"].str.contains(said).all()
    assert not rows.loc[~affected, "reason"].str.contains(said).any()
    assert np.nansum(rows["recommended_budget"].where(rows["action"] != "pause", 0.0)) <= total + 0.01
    report = out.with_name("recs_report.html").read_text(encoding="utf-8")
    assert re.search(said, report)
