"""``spendopt status --all``: every account's day in one table, on SQLite and on PostgreSQL (issue 15).

The simulated account's day is run for real (pull, fit, solve, apply); the overview
must agree with what that run did: its run id, the changes it confirmed, the rows
it left for review, the open alerts, and the pull's time in the account's zone.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from typer.testing import CliRunner

from connectors.clock import utc_now
from connectors.sim import SimulatedPlatform
from optimizer.cli import app
from optimizer.jobs.daily import run_daily
from optimizer.jobs.overview import OVERVIEW_COLUMNS, overview_rows
from optimizer.settings import load_settings
from optimizer.store.alerts import list_alerts


def test_the_overview_says_what_each_accounts_day_did(engine, store_url, tmp_path, isolated_home):
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    started = utc_now().replace(microsecond=0)
    result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    assert result.ok, [a.error for a in result.accounts]
    (done,) = result.accounts
    sent = done.applied.count("confirmed")
    assert sent > 0 and done.review > 0, "the scenario should both send changes and leave rows to review"
    with engine.begin() as conn:  # a second account that only ever failed: a run row, no stats, no changes
        conn.execute(
            sa.text(
                "INSERT INTO optimization_run (run_id, kind, account_id, effective_date, dry_run, status, config_hash,"
                " code_version, message, started_at) VALUES ('daily-x', 'daily', 'acct-broken', :day, :f, 'failed',"
                " 'h', 'v', 'AuthError', :at)"
            ),
            {"day": platform.today, "f": False, "at": started},
        )

    rows = {r["account_id"]: r for r in overview_rows(engine, "Asia/Shanghai")}
    assert set(rows) == {done.account_id, "acct-broken"}
    row = rows[done.account_id]
    assert row["last_run_id"] == result.run_id and row["last_run_status"] == "ok"
    assert row["last_run_day"] == platform.today
    assert (row["changes_sent"], row["changes_failed"], row["changes_pending"]) == (sent, 0, 0)
    assert row["pending_reviews"] == done.review  # nobody answered the review file yet
    opened = [a for a in list_alerts(engine) if a.account_id == done.account_id and a.state == "open"]
    assert row["open_alerts"] == len(opened)
    assert row["data_through"] == platform.today - dt.timedelta(days=1)
    for column in ("last_pull_at", "last_run_at"):  # shown in the account's time zone
        assert row[column].utcoffset() == dt.timedelta(hours=8), column
        assert started <= row[column] <= utc_now(), column
    broken = rows["acct-broken"]
    assert (broken["last_run_status"], broken["last_pull_at"], broken["changes_sent"]) == ("failed", None, 0)

    cli = CliRunner()
    table = cli.invoke(
        app,
        ["status", "--all", "--db", store_url],
        catch_exceptions=False,
        env={"COLUMNS": "250", "SPENDOPT_UI__LANGUAGE": "zh-CN"},
    )
    assert table.exit_code == 0, table.output
    assert "全部账户" in table.output and "待审核" in table.output and done.account_id in table.output
    assert f"{sent}/0/0" in table.output
    english = cli.invoke(
        app,
        ["status", "--all", "--db", store_url],
        catch_exceptions=False,
        env={"COLUMNS": "250", "SPENDOPT_UI__LANGUAGE": "en"},
    )
    assert "every account" in english.output and "to review" in english.output
    out = cli.invoke(app, ["status", "--all", "--format", "json", "--db", store_url], catch_exceptions=False)
    listed = {r["account_id"]: r for r in json.loads(out.output)}
    assert list(listed[done.account_id]) == list(OVERVIEW_COLUMNS)
    assert listed[done.account_id]["pending_reviews"] == done.review
    assert listed[done.account_id]["last_run_at"].endswith("+08:00")
