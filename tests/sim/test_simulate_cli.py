"""``spendopt simulate``: a preset or a twin, the files written, one clear error on bad input."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from typer.testing import CliRunner

from connectors.sim import SimulatedPlatform
from optimizer.cli import app
from optimizer.store import open_store
from optimizer.store.stats import save_stats

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


def test_simulate_a_preset_writes_the_csvs_and_the_chart(isolated_home, tmp_path):
    out = tmp_path / "sim"
    result = invoke("simulate", "--scenario", "demo", "--days", "3", "--seed", "4", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "oracle" in result.stdout and "占最优%" in result.stdout  # zh-CN by default
    for name in ("simulation_days.csv", "simulation_campaign_days.csv", "simulation_summary.csv", "simulation.png"):
        assert (out / name).stat().st_size > 0
        assert str(out / name) in result.stdout


def test_simulate_needs_exactly_one_world(isolated_home, tmp_path):
    for args in ((), ("--scenario", "demo", "--twin", "1")):
        result = invoke("simulate", "--days", "2", "--out", str(tmp_path), *args)
        assert result.exit_code == 2
        assert "exactly one of --scenario" in result.output
    result = invoke("simulate", "--scenario", "no_such_preset", "--out", str(tmp_path))
    assert result.exit_code == 2 and "no such scenario" in result.output
    assert not list(tmp_path.glob("simulation*"))


def test_simulate_a_twin_of_an_account_in_the_store(isolated_home, tmp_path):
    platform = SimulatedPlatform.from_scenario("demo", seed=9)
    acct = platform.scenario.account_id
    stats = pd.DataFrame([s.model_dump() for s in platform.daily_stats(acct, dt.date(2020, 1, 1), platform.today)])
    db = tmp_path / "store.db"
    engine = open_store(f"sqlite:///{db}")
    save_stats(engine, stats, source="test", seen_on=platform.today, platform="sim")
    engine.dispose()
    out = tmp_path / "twin"
    result = invoke("simulate", "--twin", acct, "--days", "2", "--db", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "simulation_summary.csv", encoding="utf-8-sig")
    assert list(summary["policy"]) == ["hold", "rules", "oracle", "spendopt"]  # spendopt is in its own comparison
    result = invoke("simulate", "--twin", "nobody", "--days", "2", "--db", str(db), "--out", str(out))
    assert result.exit_code == 2 and "no daily stats" in result.output


def test_an_unknown_policy_exits_2_listing_the_known_ones(isolated_home, tmp_path):
    result = invoke("simulate", "--scenario", "demo", "--policy", "nope", "--days", "2", "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "未知策略 'nope'" in result.output
    assert all(name in result.output for name in ("hold", "oracle", "rules", "spendopt"))
    assert not list(tmp_path.glob("simulation*"))


def test_the_summary_shows_spend_next_to_gmv_and_says_when_policies_spent_differently():
    from rich.console import Console

    from optimizer.i18n import use_language
    from optimizer.simulate.outputs import render_summary, spend_note

    row = dict(days=3, roi=2.0, pct_of_oracle_gmv=90.0, lift_vs_rules_pct=0.0, changes_applied=0)
    row.update(changes_rejected=0, expected_gmv=1.0, capture_pct=90.0, gain=0.5, contract_breaks=0)
    row.update(flip_flops=0, floor_days=0, market="curves")
    same = pd.DataFrame(
        [
            {**row, "policy": "hold", "spend": 24_000.0, "gmv": 60_000.0, "lift_vs_hold_pct": 0.0},
            {**row, "policy": "spendopt", "spend": 24_100.0, "gmv": 66_000.0, "lift_vs_hold_pct": 10.0},
        ]
    )
    assert spend_note(same) is None
    more = same.assign(spend=[24_000.0, 30_000.0])
    with use_language("en"):
        note = spend_note(more)
    assert note is not None and "spent differently" in note and "spendopt 30,000 (+25.0%)" in note
    shown = Console(width=250, record=True)
    shown.print(render_summary(more))
    text = shown.export_text()
    assert "消耗" in text and "成交金额" in text and "各策略的消耗不同" in text and "30,000" in text
