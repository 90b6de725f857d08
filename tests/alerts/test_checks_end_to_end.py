"""Injected anomalies on the simulated platform become alerts; open alerts hold campaigns for review;
the watch sees pacing and dead campaigns within two polls; the chat gets the summary and the alerts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors.sim import SimulatedPlatform
from connectors.sim.anomaly import AnomalySpec
from connectors.sim.scenario import load_scenario
from optimizer.jobs.daily import run_daily
from optimizer.jobs.watch import Watcher
from optimizer.settings import load_settings
from optimizer.store import list_alerts, open_store

SEED = 4


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'alerts.db'}")
    yield engine
    engine.dispose()


def ids():
    return [c.campaign_id for c in load_scenario("demo").campaigns]


def platform_with(*anomalies: AnomalySpec) -> SimulatedPlatform:
    scenario = load_scenario("demo")
    return SimulatedPlatform.from_scenario(scenario.model_copy(update={"anomaly": anomalies}), seed=SEED)


def run_days(platform, engine, tmp_path, days: int, report_last: bool = False, **kwargs):
    settings = load_settings()
    results = []
    for day in range(days):
        report = report_last and day == days - 1
        results.append(
            run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=report, **kwargs)
        )
        platform.advance_day()
    return results


def test_conversion_halving_and_a_stopped_campaign_alert_the_next_morning_and_go_to_review(
    sqlite_engine, tmp_path, isolated_home, monkeypatch
):
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "zh-CN")  # the report is in the run's [ui] language
    a, b = ids()[0], ids()[3]
    platform = platform_with(
        AnomalySpec(kind="conversion", campaign_id=a, start_day=3, factor=0.35),
        AnomalySpec(kind="stop", campaign_id=b, start_day=3, days=3),
    )
    *before, day4 = run_days(platform, sqlite_engine, tmp_path, 5, report_last=True)
    assert [x for r in before for x in r.accounts[0].alerts] == []  # nothing broke on days -1 to 2
    new = {(x.campaign_id, x.kind) for x in day4.accounts[0].alerts}
    assert (b, "zero_delivery") in new
    assert any(c == a and k in ("gmv_low", "orders_low", "roi_low", "cpa_high") for c, k in new), new
    assert len(new) == 2, new  # and nothing else on this account
    frame = day4.accounts[0].frame.set_index("campaign_id")
    for cid in (a, b):  # never auto while the alert is open
        assert frame.at[cid, "action"] == "hold" or frame.at[cid, "decision"] == "review"
    page = next(p for p in day4.accounts[0].paths if p.suffix == ".html").read_text("utf-8")
    section = page[page.index('<h2 id="alerts">') : page.index("</table>", page.index('<h2 id="alerts">'))]
    assert "预警" in section and "停止投放" in section and "未处理" in section  # the report lists the open alerts
    assert f"({a})" in section and f"({b})" in section


def test_an_open_alert_turns_an_auto_row_into_review_and_says_why():
    import pandas as pd

    from optimizer.alerts import hold_for_alerts

    frame = pd.DataFrame(
        {
            "campaign_id": ["1", "2", "3"],
            "action": ["increase", "decrease", "hold"],
            "decision": ["auto", "auto", "auto"],
            "reason": ["marginal ROI 2.9", "", "keep"],
        }
    )
    held = hold_for_alerts(frame, {"1": ["gmv_low"], "3": ["dead"]})
    assert held["decision"].tolist() == ["review", "auto", "auto"]
    assert held.at[0, "reason"] == "marginal ROI 2.9; 有未处理的预警 (GMV 低于模型区间), 转人工审核"
    assert frame["decision"].tolist() == ["auto"] * 3  # the input is not changed


def test_a_clean_month_raises_no_alert(sqlite_engine, tmp_path, isolated_home):
    results = run_days(platform_with(), sqlite_engine, tmp_path, 6)
    assert list_alerts(sqlite_engine) == [], [(a.kind, a.campaign_name) for a in list_alerts(sqlite_engine)]
    assert all(r.ok for r in results)


def test_the_watch_sees_pacing_tripled_and_a_dead_campaign_within_two_polls(sqlite_engine, tmp_path, isolated_home):
    fast, dead = ids()[1], ids()[5]
    platform = platform_with(
        AnomalySpec(kind="pacing", campaign_id=fast, start_day=1, at=0.4),
        AnomalySpec(kind="stop", campaign_id=dead, start_day=1, at=0.5),
    )
    run_days(platform, sqlite_engine, tmp_path, 1)
    settings = load_settings()
    run_daily(settings, platform, sqlite_engine, today=platform.today, out_dir=tmp_path, report=False)
    watcher = Watcher(settings, sqlite_engine, platform)
    midnight = dt.datetime.combine(platform.today, dt.time(0), tzinfo=ZoneInfo("Asia/Shanghai"))
    seen: dict[str, int] = {}
    before = {c.campaign_id: (c.budget, c.bid) for c in platform.list_campaigns(platform.scenario.account_id)}
    for k in range(1, 48):
        platform.elapse(k / 48)
        for alert in watcher.poll(midnight + dt.timedelta(days=k / 48), today=platform.today).alerts:
            seen.setdefault(f"{alert.campaign_id}:{alert.kind}", k)
    assert seen.get(f"{dead}:dead", 99) <= 25, seen  # onset 0.5 = poll 24
    assert min(seen.get(f"{fast}:{k}", 99) for k in ("pacing_fast", "runaway", "budget_exhausted")) <= 21, seen
    assert set(seen) <= {f"{dead}:dead", f"{fast}:pacing_fast", f"{fast}:runaway", f"{fast}:budget_exhausted"}, seen
    after = {c.campaign_id: (c.budget, c.bid) for c in platform.list_campaigns(platform.scenario.account_id)}
    assert after == before  # the watch changes nothing


def test_the_morning_summary_and_the_alerts_reach_the_chat_once(sqlite_engine, tmp_path, isolated_home):
    from optimizer.notify import Notifier, WebhookBot
    from tests.notify.receivers import FakeClock, Receivers

    clock = FakeClock(dt.datetime.now(dt.UTC).timestamp())
    rx = Receivers(clock, {"webhook": "s3"}).start()
    try:
        bot = WebhookBot(url=SecretStr(rx.url("webhook")), secret=SecretStr("s3"))
        platform = platform_with(AnomalySpec(kind="stop", campaign_id=ids()[3], start_day=1, days=3))
        with Notifier([bot], clock=clock.time, sleep=clock.sleep) as notifier:
            run_days(platform, sqlite_engine, tmp_path, 4, notifier=notifier)
    finally:
        rx.stop()
    assert rx.violations == []
    keys = [n["key"] for a in rx.of("webhook") for n in a.body["notices"]]
    alerts = [k for k in keys if k.startswith("alert-")]
    assert len([k for k in keys if k.startswith("run-")]) == 4  # one summary a morning
    assert alerts and len(alerts) == len(set(alerts))  # each alert told once
    assert all(a.notified_at is not None for a in list_alerts(sqlite_engine))
    summary = next(n for a in rx.of("webhook") for n in a.body["notices"] if n["key"].startswith("run-"))
    assert summary["title"].startswith("spendopt 每日运行")


def test_the_report_section_escapes_names_and_says_when_there_is_nothing():
    from optimizer.alerts.section import alerts_html
    from optimizer.store import Finding

    finding = Finding(
        account_id="a", campaign_id="7", campaign_name="<b>面霜</b>", kind="runaway", severity="critical", evidence={}
    )
    html = alerts_html([finding], "en")
    assert "<b>面霜</b>" not in html and "&lt;b&gt;面霜&lt;/b&gt;" in html and "runaway plan" in html
    assert "没有未处理的预警" in alerts_html([], "zh-CN")
