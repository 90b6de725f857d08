"""The store behaves the same on SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.errors import InputError
from optimizer.store import finish_run, load_revisions, load_stats, save_stats, start_run, summarize
from optimizer.store.tables import Campaign, DailyStat

SEEN = dt.date(2026, 11, 24)


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {
        "account_id": "1700000000000000001",
        "campaign_name": "秋冬新品直播间-控成本",
        "channel": "qianchuan.live",
        "impressions": None,
        "clicks": None,
        "budget": 3000.0,
        "bid_type": "cpa",
        "bid": 45.5,
        "status": "active",
        "currency": "CNY",
    }
    out = pd.DataFrame([{**base, **r} for r in rows])
    out["date"] = pd.to_datetime(out["date"])
    out["impressions"] = out["impressions"].astype("Int64")
    out["clicks"] = out["clicks"].astype("Int64")
    return out


def three_days() -> pd.DataFrame:
    return frame(
        [
            {"campaign_id": "1789012345678901234", "date": "2026-11-01", "spend": 1234.5, "gmv": 4321.99, "orders": 12},
            {"campaign_id": "1789012345678901234", "date": "2026-11-02", "spend": 2000.0, "gmv": 5000.0, "orders": 20},
            {"campaign_id": "1789012345678901235", "date": "2026-11-02", "spend": 9999999.99, "gmv": 0.01, "orders": 0},
        ]
    )


def raw_rows(engine) -> list[tuple]:
    table = DailyStat.__table__
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.campaign_id, table.c.date))]


def test_migrated_schema_matches_the_table_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import optimizer.store.experiments  # noqa: F401  (its tables join the metadata when imported)

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diffs == []


def test_saved_stats_load_back_exactly_with_ids_and_chinese_names_intact(engine):
    summary = save_stats(engine, three_days(), source="export.csv", seen_on=SEEN)
    assert (summary.inserted, summary.updated, summary.unchanged) == (3, 0, 0)
    loaded = load_stats(engine)
    assert loaded["campaign_id"].tolist() == ["1789012345678901234", "1789012345678901234", "1789012345678901235"]
    assert loaded["account_id"].unique().tolist() == ["1700000000000000001"]
    assert loaded["spend"].tolist() == [1234.5, 2000.0, 9999999.99]
    assert loaded["gmv"].tolist() == [4321.99, 5000.0, 0.01]
    assert loaded["campaign_name"].unique().tolist() == ["秋冬新品直播间-控成本"]
    with engine.connect() as conn:
        spend = (
            conn.execute(sa.select(DailyStat.__table__.c.spend).order_by(DailyStat.__table__.c.spend)).scalars().all()
        )
    assert spend == [Decimal("1234.50"), Decimal("2000.00"), Decimal("9999999.99")]


def test_importing_the_same_rows_twice_leaves_the_store_unchanged(engine):
    save_stats(engine, three_days(), source="export.csv", seen_on=SEEN)
    before = raw_rows(engine)
    revisions_before = load_revisions(engine)
    summary = save_stats(engine, three_days(), source="export.csv", seen_on=SEEN + dt.timedelta(days=1))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, 3)
    assert raw_rows(engine) == before
    pd.testing.assert_frame_equal(load_revisions(engine), revisions_before)


def test_a_resent_day_with_larger_gmv_updates_that_row_and_nothing_else(engine):
    save_stats(engine, three_days(), source="export.csv", seen_on=SEEN)
    before = raw_rows(engine)
    resent = three_days()
    resent.loc[0, ["gmv", "orders"]] = [5000.0, 14]
    summary = save_stats(engine, resent, source="later.csv", seen_on=SEEN + dt.timedelta(days=2))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 2)
    after = raw_rows(engine)
    assert after[1:] == before[1:]
    changed = dict(zip(DailyStat.__table__.c.keys(), after[0], strict=True))
    assert changed["gmv"] == Decimal("5000.00") and changed["orders"] == 14 and changed["source"] == "later.csv"
    revisions = load_revisions(engine)
    first_day = revisions[revisions["date"] == pd.Timestamp("2026-11-01")]
    assert first_day["gmv"].tolist() == [4321.99, 5000.0]
    assert [d.date() for d in first_day["seen_on"]] == [SEEN, SEEN + dt.timedelta(days=2)]


def test_within_one_frame_the_later_row_for_a_key_wins(engine):
    rows = three_days()
    again = rows.iloc[[0]].assign(gmv=9000.0)
    save_stats(engine, pd.concat([rows, again], ignore_index=True), source="x.csv", seen_on=SEEN)
    assert load_stats(engine)["gmv"].tolist()[0] == 9000.0


def test_an_account_never_mixes_gmv_bases_and_a_refused_import_writes_nothing(engine):
    save_stats(engine, three_days(), source="a.csv", seen_on=SEEN, gmv_basis="direct_pay")
    before = raw_rows(engine)
    more = three_days().assign(date=pd.Timestamp("2026-11-05"))
    with pytest.raises(InputError, match="never mixed within one account"):
        save_stats(engine, more, source="b.csv", seen_on=SEEN, gmv_basis="total_7d")
    assert raw_rows(engine) == before


def test_an_older_file_does_not_overwrite_a_campaigns_newer_state(engine):
    save_stats(engine, three_days(), source="new.csv", seen_on=SEEN)
    old = frame([{"campaign_id": "1789012345678901234", "date": "2026-10-01", "spend": 1.0, "gmv": 2.0, "orders": 0}])
    old["budget"] = 500.0
    save_stats(engine, old, source="old.csv", seen_on=SEEN)
    with engine.connect() as conn:
        budget = conn.execute(
            sa.select(Campaign.__table__.c.budget).where(Campaign.__table__.c.campaign_id == "1789012345678901234")
        ).scalar_one()
    assert budget == Decimal("3000.00")


def test_empty_budget_means_no_cap_and_survives_the_round_trip(engine):
    rows = three_days()
    rows["budget"] = [None, 3000.0, None]
    save_stats(engine, rows, source="x.csv", seen_on=SEEN)
    loaded = load_stats(engine)
    assert loaded["budget"].isna().tolist() == [True, False, True]


def test_status_summary_reports_accounts_range_and_last_run(engine):
    save_stats(engine, three_days(), source="x.csv", seen_on=SEEN)
    run_id = start_run(engine, kind="daily", config_hash="abc", code_version="0.1.0", effective_date=SEEN)
    finish_run(engine, run_id, status="ok")
    summary = summarize(engine)
    (account,) = summary.accounts
    assert (account.campaigns, account.rows) == (2, 3)
    assert (account.first_date, account.last_date) == (dt.date(2026, 11, 1), dt.date(2026, 11, 2))
    assert account.spend == pytest.approx(1234.5 + 2000.0 + 9999999.99)
    assert summary.last_run["run_id"] == run_id and summary.last_run["status"] == "ok"
