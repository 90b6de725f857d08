"""``spendopt experiment plan|start|report|stop`` on the embedded simulated account, ``status`` while it runs,
the report's CSV + chart, and a review file that tries to move a held campaign."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.experiment.report import DAY_COLUMNS, LIFT_COLUMNS, PATH_COLUMNS

runner = CliRunner()


def invoke(*args: str, lang: str = "en"):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200", "SPENDOPT_UI__LANGUAGE": lang})


@pytest.fixture
def config(isolated_home):
    path = isolated_home / "spendopt.toml"
    path.write_text(
        '[experiment]\nburn_in_days = 1\nmature_days = 1\ndays = 14\n[job]\nsim_scenario = "demo"\nsim_seed = 4\n',
        encoding="utf-8",
    )
    return str(path)


def header(path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


def test_plan_start_run_report_stop(config, isolated_home):
    db = str(isolated_home / "store.db")
    assert invoke("run", "--db", db, "--config", config).exit_code == 0
    plan = invoke("experiment", "plan", "--seed", "3", "--db", db, "--config", config, lang="zh-CN")
    assert plan.exit_code == 0 and "可检测到的最小 ROI 提升" in plan.output and "实验组" in plan.output
    started = invoke("experiment", "start", "--seed", "3", "--db", db, "--config", config)
    assert started.exit_code == 0 and "experiment exp-" in started.output, started.output
    again = invoke("experiment", "start", "--seed", "4", "--db", db, "--config", config)
    assert again.exit_code == 2 and "already runs experiment" in again.output
    early = invoke("experiment", "report", "--db", db, "--config", config)
    assert early.exit_code == 2 and "the first report is possible on" in early.output
    assert invoke("run", "--days", "5", "--db", db, "--config", config).exit_code == 0
    status = invoke("status", "--db", db, "--config", config)
    assert "running experiment: exp-" in status.output and "treatment: " in status.output

    out = isolated_home / "report"
    report = invoke("experiment", "report", "--sequential", "--out", str(out), "--db", db, "--config", config)
    assert report.exit_code == 0, report.output
    assert "ROI (GMV per yuan spent) lift" in report.output and "always-valid" in report.output
    files = {p.name.rsplit("-", 1)[-1]: p for p in out.iterdir()}
    assert header(files["days.csv"]) == list(DAY_COLUMNS)
    assert header(files["lift.csv"]) == list(LIFT_COLUMNS)
    assert header(files["path.csv"]) == list(PATH_COLUMNS)
    png = next(p for p in out.iterdir() if p.suffix == ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    with open(files["lift.csv"], encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["metric"] for r in rows] == ["roi", "gmv"]
    assert all(float(r["low"]) <= float(r["lift"]) <= float(r["high"]) for r in rows)
    with open(files["days.csv"], encoding="utf-8-sig") as f:
        periods = {r["period"] for r in csv.DictReader(f)}
    assert {"pre", "burn_in", "test"} <= periods

    stopped = invoke("experiment", "stop", "--db", db, "--config", config, lang="zh-CN")
    assert stopped.exit_code == 0 and "已停止" in stopped.output
    assert "running experiment" not in invoke("status", "--db", db, "--config", config).output
    assert invoke("experiment", "stop", "--db", db, "--config", config).exit_code == 2


def test_a_review_file_may_not_move_a_held_campaign(config, isolated_home, tmp_path):
    from optimizer.settings import load_settings
    from optimizer.store import open_store
    from optimizer.store.experiments import running_experiment

    db = str(isolated_home / "store.db")
    assert invoke("run", "--db", db, "--config", config).exit_code == 0
    assert invoke("experiment", "start", "--seed", "3", "--db", db, "--config", config).exit_code == 0
    out = tmp_path / "runs"
    assert invoke("run", "--days", "2", "--out", str(out), "--db", db, "--config", config).exit_code == 0
    engine = open_store(f"sqlite:///{db}")
    exp = running_experiment(engine)
    engine.dispose()
    recs = next(out.rglob("recommendations-*.csv"))
    with open(recs, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), reader.fieldnames
    control = next(r for r in rows if exp.assignment.get(r["campaign_id"]) == "control")
    control["recommended_budget"] = f"{float(control['current_budget']) + 100:.2f}"
    control["approved"] = "yes"
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    result = invoke("review", "import", str(edited), "--db", db, "--config", config)
    assert result.exit_code == 2
    assert f"campaign {control['campaign_id']} is held by experiment {exp.experiment_id}" in result.output
    assert load_settings(config).experiment.mature_days == 1


def test_simulate_experiment_writes_the_run_and_its_truth(isolated_home, tmp_path):
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(
        'name = "tiny"\nhistory_days = 21\nmaturity = [0.8, 1.0]\n[generate]\ncount = 8\nlayout_seed = 3\n',
        encoding="utf-8",
    )
    out = tmp_path / "sim"
    args = ("simulate", "--scenario", str(scenario), "--experiment", "--seed", "2", "--out", str(out))
    short = invoke(*args, "--days", "4")
    assert short.exit_code == 2 and "at least 6 days" in short.output
    result = invoke(*args, "--days", "8", "--market", "cohort")
    assert result.exit_code == 0, result.output
    assert "budget isolation problems: 0" in result.output
    with open(out / "experiment_summary.csv", encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    assert row["market"] == "cohort" and int(row["days_test"]) == 4
    assert float(row["low"]) <= float(row["lift"]) <= float(row["high"])
    assert (out / "experiment.png").stat().st_size > 10_000
