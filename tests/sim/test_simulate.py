"""The dry-run simulation: the oracle is the yardstick on every preset, outputs are deterministic."""

from __future__ import annotations

import struct

import pandas as pd
import pytest

from connectors.sim import list_scenarios, load_scenario
from optimizer.simulate.loop import (
    CAMPAIGN_DAY_COLUMNS,
    DAY_COLUMNS,
    OUTPUT_FILES,
    SUMMARY_COLUMNS,
    day_settings,
    run_simulation,
    simulation_settings,
)


def test_there_are_at_least_four_presets_and_a_demo():
    names = list_scenarios()
    assert "demo" in names and len(names) >= 5


def test_the_demo_is_small_mixed_and_chinese():
    demo = load_scenario("demo")
    assert 10 <= len(demo.campaigns) <= 14
    assert {c.bid_type for c in demo.campaigns} == {"cpa", "roi", "none"}
    assert {c.channel for c in demo.campaigns} == {"qianchuan.live", "qianchuan.video", "qianchuan.search"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c.name) for c in demo.campaigns)
    assert any(c.start_day > 0 for c in demo.campaigns), "a campaign launches during the run"


@pytest.mark.parametrize("name", list_scenarios())
def test_on_every_preset_the_oracle_earns_the_most_and_nobody_breaks_a_rule(name):
    scenario = load_scenario(name)
    settings = simulation_settings(scenario)
    result = run_simulation(scenario, days=30, seed=5, settings=settings, progress=False)
    summary = result.summary.set_index("policy")
    assert summary.loc["oracle", "gmv"] >= summary["gmv"].max()
    assert summary.loc["oracle", "pct_of_oracle_gmv"] == 100.0
    if not scenario.settings_changes:  # hold moves only when a cut total forces it
        assert summary.loc["hold", "changes_applied"] == 0
    assert summary.loc["oracle", "changes_applied"] > 0
    assert (summary["changes_rejected"] == 0).all(), "policies send only changes the platform accepts"
    oracle_days = result.days[result.days.policy == "oracle"]
    for total, on_day in zip(oracle_days["total_budget"], day_settings(settings, scenario, 30)):
        if on_day.budget.total_daily is not None:
            assert total <= float(on_day.budget.total_daily) + 0.01


def test_the_preset_guardrails_win_over_the_config_file(tmp_path):
    config = tmp_path / "spendopt.toml"
    config.write_text("[budget]\ntotal_daily = 1000\nmax_change_pct = 20\n", encoding="utf-8")
    settings = simulation_settings(load_scenario("demo"), config)
    assert settings.budget.total_daily == 30000
    assert settings.budget.max_change_pct == 30


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_outputs_are_written_and_byte_identical_for_the_same_seed(tmp_path):
    first = run_simulation("demo", days=8, seed=2, out_dir=tmp_path / "a", progress=False)
    second = run_simulation("demo", days=8, seed=2, out_dir=tmp_path / "b", progress=False)
    for key, name in OUTPUT_FILES.items():
        a, b = first.files[key], second.files[key]
        assert a.name == name and a.read_bytes() == b.read_bytes(), f"{name} differs between identical runs"
    other = run_simulation("demo", days=8, seed=3, out_dir=tmp_path / "c", progress=False)
    assert other.files["days"].read_bytes() != first.files["days"].read_bytes()


def test_the_chart_is_a_real_png_of_sensible_size(tmp_path):
    result = run_simulation("demo", days=6, seed=1, out_dir=tmp_path, progress=False)
    chart = result.files["chart"]
    width, height = _png_size(chart)
    assert 600 <= width <= 2000 and 400 <= height <= 2000
    assert chart.stat().st_size > 20_000


def test_the_csvs_have_their_columns_a_bom_and_chinese_names(tmp_path):
    result = run_simulation("demo", days=5, seed=1, out_dir=tmp_path, progress=False)
    for key, columns in (("days", DAY_COLUMNS), ("campaign_days", CAMPAIGN_DAY_COLUMNS), ("summary", SUMMARY_COLUMNS)):
        raw = result.files[key].read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(result.files[key], encoding="utf-8-sig", dtype={"campaign_id": str})
        assert tuple(frame.columns) == columns
    camp = pd.read_csv(result.files["campaign_days"], encoding="utf-8-sig", dtype={"campaign_id": str})
    assert "直播间-羽绒服-控成本" in set(camp["campaign_name"])
    assert "1790000000000000101" in set(camp["campaign_id"]), "ids survive without passing through a float"
    days = result.days
    assert list(days["policy"].unique()) == ["hold", "rules", "oracle"]
    assert (days.groupby("policy")["day"].count() == 5).all()
    per_policy = result.campaign_days.groupby(["policy", "date"])["gmv"].sum().round(2)
    assert per_policy.to_dict() == pytest.approx(days.set_index(["policy", "date"])["gmv"].to_dict(), abs=0.05)


def test_an_unknown_policy_is_refused_before_anything_runs():
    with pytest.raises(KeyError, match="unknown policy 'nope'"):
        run_simulation("demo", days=2, policies=["nope"], progress=False)


def test_a_preset_with_a_bad_guardrail_is_refused_with_its_key(tmp_path):
    from connectors.errors import InputError

    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "bad"\n[settings.budget]\nmax_change_pct = 300\n[[campaign]]\ncampaign_id = "1"\n'
        "budget = 500\ndemand = 800\nroi = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"\[settings\] budget.max_change_pct"):
        run_simulation(bad, days=1, progress=False)
    broken = tmp_path / "broken.toml"
    broken.write_text('[[campaign]]\ncampaign_id = "1"\nbudget = 100\ndemand = 800\nroi = 2\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[\[campaign\]\] #1 \(1\) budget: Input should be greater"):
        load_scenario(broken)
