"""Guardrails that surprise say so: obeyed, but announced on the first line and in the report.

On the eight-plan console account (today's live budgets 26,800): a total of 1,000
pauses campaigns it must, a floor of 8 (no plan forecasts ROI above about 5)
pauses them all; both exit 0 with the sentence first. A ``[[channel]]`` whose
name no campaign carries exits 2 naming the key in the config file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from tests.console.exports import Account, standard_csv


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return standard_csv(tmp_path_factory.mktemp("exp") / "std.csv", Account().history(dt.date(2026, 11, 30), 28))


def _optimize(tmp_path, export, config: str, *, lang: str = "zh-CN", report: bool = False):
    cfg = tmp_path / "spendopt.toml"
    cfg.write_text(config, encoding="utf-8")
    out = tmp_path / "recs.csv"
    args = ["optimize", "--input", str(export), "--output", str(out), "--config", str(cfg)]
    result = CliRunner().invoke(
        app, [*args, "--report" if report else "--no-report"], env={"COLUMNS": "300", "SPENDOPT_UI__LANGUAGE": lang}
    )
    return result, out


def test_a_total_far_below_today_is_obeyed_and_said_first(tmp_path, export):
    result, out = _optimize(tmp_path, export, "[budget]\ntotal_daily = 1000\n", report=True)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    recs = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    paused = int((recs["action"] == "pause").sum())
    assert paused >= 1 and recs["recommended_budget"].astype(float).sum() <= 1000
    assert "budget.total_daily = 1,000.00" in first and "26,800.00" in first and f"暂停 {paused} 个计划" in first
    page = out.with_name("recs_report.html").read_text(encoding="utf-8")
    assert 'class="notice"' in page and "budget.total_daily = 1,000.00" in page


def test_a_floor_no_campaign_meets_is_obeyed_and_said_first_in_english_too(tmp_path, export):
    result, out = _optimize(tmp_path, export, "[objective]\nroi_floor = 8\n", lang="en")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    recs = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert (recs["action"] == "pause").all()
    assert first.startswith("note: no campaign's forecast ROI") and "objective.roi_floor = 8" in first
    assert f"{len(recs)} campaigns paused" in first and "nan" not in result.output.lower()


def test_an_ordinary_total_and_floor_say_nothing(tmp_path, export):
    result, _ = _optimize(tmp_path, export, "[budget]\ntotal_daily = 24000\n[objective]\nroi_floor = 1.5\n")
    assert result.exit_code == 0, result.output
    assert "注意" not in result.output


def test_an_unknown_channel_exits_2_naming_it_and_writes_nothing(tmp_path, export):
    config = '[[channel]]\nname = "qianchuan.nosuch"\nmin_share = 0.1\n'
    result, _ = _optimize(tmp_path, export, config)
    assert result.exit_code == 2
    assert "spendopt.toml:channel[qianchuan.nosuch].name" in result.output
    assert "qianchuan.live, qianchuan.video" in result.output
    assert not list(tmp_path.glob("recs*"))


def test_the_daily_job_says_a_surprising_total_on_its_first_line(tmp_path, isolated_home):
    cfg = tmp_path / "spendopt.toml"
    cfg.write_text("[budget]\ntotal_daily = 1000\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["run", "--config", str(cfg)], env={"COLUMNS": "300", "SPENDOPT_UI__LANGUAGE": "zh-CN"}
    )
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if line.strip())
    assert ": 注意：日预算合计上限 budget.total_daily = 1,000.00" in first, result.output
    assert "已确认" in result.output or "待审核" in result.output
