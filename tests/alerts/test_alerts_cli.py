"""``spendopt alerts``: list (all or open), acknowledge, resolve; unknown ids are bad input."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.store import Finding, list_alerts, open_store, record_findings


def test_list_acknowledge_and_resolve(tmp_path, isolated_home, monkeypatch):
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "zh-CN")
    db = tmp_path / "s.db"
    engine = open_store(f"sqlite:///{db}")
    now = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    findings = [
        Finding(
            account_id="a",
            campaign_id=cid,
            campaign_name=name,
            kind=kind,
            evidence={"spend": 0.0, "forecast_spend": 2400.0},
        )
        for cid, name, kind in (("101", "直播间-羽绒服", "zero_delivery"), ("102", "短视频-面霜", "gmv_low"))
    ]
    first, second = record_findings(engine, findings, source="daily", now=now, cooldown=dt.timedelta(days=3))
    runner = CliRunner()
    listed = runner.invoke(app, ["alerts", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    assert "停止投放" in listed.output and "直播间-羽绒服" in listed.output and "未处理" in listed.output
    acked = runner.invoke(app, ["alerts", "--db", str(db), "--ack", str(first.id)])
    assert acked.exit_code == 0 and f"#{first.id}" in acked.output
    resolved = runner.invoke(app, ["alerts", "--db", str(db), "--resolve", str(second.id)])
    assert resolved.exit_code == 0
    states = {a.id: a.state for a in list_alerts(engine)}
    assert states == {first.id: "acknowledged", second.id: "resolved"}
    still_open = runner.invoke(app, ["alerts", "--db", str(db), "--open"])
    assert "已确认" in still_open.output and "短视频-面霜" not in still_open.output
    missing = runner.invoke(app, ["alerts", "--db", str(db), "--ack", "999"])
    assert missing.exit_code == 2 and "999" in missing.output
    engine.dispose()
