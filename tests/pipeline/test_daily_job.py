"""The daily job on the simulated account: end to end, exactly once, dry run reads only."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from connectors.sim import SimulatedPlatform
from optimizer.jobs.daily import run_daily, run_job
from optimizer.settings import load_settings


@pytest.fixture
def sqlite_engine(tmp_path):
    """The job's behaviour does not depend on the store (the storage suite and the
    audit tests run on both); one PostgreSQL run below keeps the wiring honest."""
    from optimizer.store import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'job.db'}")
    yield engine
    engine.dispose()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("daily_stat", "daily_stat_revision", "recommendation", "change_log", "optimization_run")
        }


def platform_settings(platform: SimulatedPlatform) -> list[tuple]:
    account = platform.list_accounts()[0].account_id
    return [(c.campaign_id, c.budget, c.bid, c.status) for c in platform.list_campaigns(account)]


def test_a_day_pulls_recommends_applies_and_records_every_change(sqlite_engine, tmp_path, isolated_home):
    engine = sqlite_engine
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path)
    assert result.ok, [a.error for a in result.accounts]
    (account,) = result.accounts
    assert account.campaigns > 0 and account.auto + account.review == account.campaigns
    assert all(p.exists() and p.stat().st_size > 0 for p in account.paths)
    sent = [i for i in account.applied.items if i.outcome == "confirmed"]
    c = counts(engine)
    assert c["daily_stat"] > 0 and c["recommendation"] == account.campaigns and c["optimization_run"] == 1
    assert c["change_log"] == len(sent)
    # every confirmed change is on the platform now
    live = {s.campaign_id: s for s in platform.list_campaigns(account.account_id)}
    for item in sent:
        value = live[item.campaign_id].budget if item.field == "budget" else live[item.campaign_id].bid
        assert f"{value:.2f}" == item.after


def test_running_the_same_day_twice_never_sends_a_change_twice(engine, tmp_path, isolated_home):
    """A second run on the same day may decide on a field the first left alone, but
    every (campaign, field, day) goes to the platform at most once."""
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    first = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    sent_first = {
        (i.campaign_id, i.field): i.after for a in first.accounts for i in a.applied.items if i.outcome == "confirmed"
    }
    assert sent_first, "the first run should change something on this scenario"
    second = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    assert second.ok and first.run_id != second.run_id
    for item in (i for a in second.accounts for i in a.applied.items):
        if (item.campaign_id, item.field) in sent_first:
            assert item.outcome in ("already_applied", "skipped"), item
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT change_key FROM change_log")).scalars().all()
    assert len(keys) == len(set(keys))
    live = {s.campaign_id: s for s in platform.list_campaigns(first.accounts[0].account_id)}
    for (cid, field), after in sent_first.items():
        value = live[cid].budget if field == "budget" else live[cid].bid if field == "bid" else live[cid].status
        assert (f"{value:.2f}" if field != "status" else value) == after


def test_dry_run_writes_nothing_and_changes_nothing(sqlite_engine, tmp_path, isolated_home):
    engine = sqlite_engine
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path / "real", report=False)
    platform.advance_day()
    before_store, before_platform = counts(engine), platform_settings(platform)
    dry = run_daily(
        settings, platform, engine, today=platform.today, out_dir=tmp_path / "dry", dry_run=True, report=False
    )
    assert dry.ok and dry.pulled is None
    assert counts(engine) == before_store
    assert platform_settings(platform) == before_platform
    assert {i.outcome for a in dry.accounts for i in a.applied.items} <= {"planned", "skipped", "already_applied"}
    assert any(p.exists() for a in dry.accounts for p in a.paths)


def test_the_job_keeps_the_simulated_account_across_runs(sqlite_engine, tmp_path, isolated_home):
    engine = sqlite_engine
    settings = load_settings()
    day0 = dt.date(2026, 11, 24)
    first = run_job(settings, engine, out=tmp_path, real_today=day0, report=False)
    same_day = run_job(settings, engine, out=tmp_path, real_today=day0, report=False)
    next_day = run_job(settings, engine, out=tmp_path, real_today=day0 + dt.timedelta(days=1), report=False)
    assert first[0].effective_date == same_day[0].effective_date
    assert next_day[0].effective_date == first[0].effective_date + dt.timedelta(days=1)
    several = run_job(settings, engine, out=tmp_path, days=3, real_today=day0 + dt.timedelta(days=1), report=False)
    assert [r.effective_date for r in several] == [next_day[0].effective_date + dt.timedelta(days=d) for d in range(3)]


def test_approved_review_rows_are_applied_once_and_a_past_days_file_is_refused(sqlite_engine, tmp_path, isolated_home):
    import pandas as pd
    import pytest

    from connectors.errors import InputError
    from optimizer.jobs.review import run_review

    engine = sqlite_engine
    settings = load_settings()
    day0 = dt.date(2026, 11, 24)
    (result,) = run_job(settings, engine, out=tmp_path, real_today=day0, report=False)
    csv = result.accounts[0].paths[0]
    rows = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    flagged = rows["decision"] == "review"
    assert flagged.any()
    rows.loc[flagged, "approved"] = "是"
    reviewed = tmp_path / "reviewed.csv"
    rows.to_csv(reviewed, index=False, encoding="utf-8-sig")

    decision, report = run_review(settings, engine, reviewed, real_today=day0)
    assert decision.approved == int(flagged.sum())
    confirmed = [i for i in report.items if i.outcome == "confirmed"]
    assert confirmed
    _, again = run_review(settings, engine, reviewed, real_today=day0)
    assert not [i for i in again.items if i.outcome == "confirmed"]

    with pytest.raises(InputError, match="a past day"):
        run_review(settings, engine, reviewed, real_today=day0 + dt.timedelta(days=1))


def test_the_report_is_in_the_runs_language_outside_any_language_block(sqlite_engine, tmp_path, isolated_home):
    """A worker's thread has no language of its own: the day's report follows [ui] language, as its reasons do."""
    settings = load_settings()
    settings = settings.model_copy(update={"ui": settings.ui.model_copy(update={"language": "en"})})
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    result = run_daily(settings, platform, sqlite_engine, today=platform.today, out_dir=tmp_path)
    (account,) = result.accounts
    page = next(p for p in account.paths if p.name.endswith("_report.html")).read_text("utf-8")
    assert '<html lang="en">' in page and "计划" not in page.split("<table")[0]
