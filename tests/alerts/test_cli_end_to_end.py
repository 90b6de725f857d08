"""The commands end to end on the embedded simulated account: ``schedule --once`` runs the day,
``watch --once`` polls it, ``alerts`` lists what they recorded; ``schedule --print-systemd`` prints the unit."""

from __future__ import annotations

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.store import Finding, list_alerts, open_store, record_findings


def test_schedule_once_then_watch_once_then_alerts(tmp_path, isolated_home, monkeypatch):
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "zh-CN")
    monkeypatch.setenv("SPENDOPT_JOB__OUTPUT_DIR", str(tmp_path / "runs"))
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    ran = runner.invoke(app, ["schedule", "--once", "--db", db])
    assert ran.exit_code == 0, ran.output
    assert list((tmp_path / "runs").rglob("recommendations-*.csv")), "the daily job wrote no recommendations"
    polled = runner.invoke(app, ["watch", "--once", "--db", db])
    assert polled.exit_code == 0, polled.output
    assert "findings" in polled.output and "new" in polled.output  # one poll line
    engine = open_store(f"sqlite:///{db}")
    try:
        import datetime as dt

        assert all(a.kind not in ("run_failed", "run_late") for a in list_alerts(engine))  # the day ran on time

        record_findings(
            engine,
            [Finding(account_id="a", campaign_id="9", campaign_name="直播间-测试", kind="pacing_fast")],
            source="watch",
            now=dt.datetime.now(dt.UTC),
            cooldown=dt.timedelta(hours=6),
        )
    finally:
        engine.dispose()
    listed = runner.invoke(app, ["alerts", "--open", "--db", db])
    assert listed.exit_code == 0, listed.output
    assert "盘中消耗过快" in listed.output and "直播间-测试" in listed.output


def test_print_systemd_prints_the_unit_and_the_cron_line(isolated_home):
    out = CliRunner().invoke(app, ["schedule", "--print-systemd"])
    assert out.exit_code == 0, out.output
    assert "[Service]" in out.output and "schedule --config" in out.output and "schedule --once" in out.output
