"""Files valid in disguise import to exact values: console headers, GBK, BOM,
title rows, slashes in dates, thousands separators, restatements."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from connectors.base import DailyStat
from connectors.files.stats import STAT_COLUMNS, daily_stats, read_stats

GOOD = Path(__file__).resolve().parents[1] / "data" / "good"
TODAY = dt.date(2026, 11, 20)
ACCOUNT, LIVE, VIDEO, SHORT = "1700000000000000099", "1780000000000000001", "1780000000000000123", "7000000000000001"

CONTRACT_DTYPES = {
    "account_id": "object", "campaign_id": "object", "date": "datetime64[ns]", "spend": "float64",
    "gmv": "float64", "orders": "int64", "campaign_name": "object", "channel": "object",
    "impressions": "Int64", "clicks": "Int64", "budget": "float64", "bid_type": "object", "bid": "float64",
    "status": "object", "currency": "object", "source_file": "object", "source_row": "int64",
}  # fmt: skip


def read(name: str, **kwargs) -> pd.DataFrame:
    return read_stats([GOOD / name], today=TODAY, **kwargs)


def records(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    """Rows as plain tuples: NaN/NA/None all become None, dates become ``date``."""

    def plain(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        return v.item() if hasattr(v, "item") else v

    return [tuple(plain(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir()))
def test_every_good_file_has_the_contract_columns_and_dtypes(name: str):
    basis = "uni_total" if "uni" in name else "direct_pay"
    frame = read(name, gmv_basis=basis)
    assert tuple(frame.columns) == STAT_COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == CONTRACT_DTYPES
    for column in ("account_id", "campaign_id", "channel", "source_file"):
        assert all(type(v) is str for v in frame[column])
    assert (frame["date"] == frame["date"].dt.normalize()).all()


def test_contract_csv_with_english_headers():
    frame = read("contract_english.csv")
    assert records(frame, *STAT_COLUMNS[:15]) == [
        (ACCOUNT, LIVE, dt.date(2026, 11, 3), 1200.5, 6003.75, 41, "直播间·双11 主推", "qianchuan.live",
         120000, 3400, 3000.0, "cpa", 35.5, "active", "CNY"),
        (ACCOUNT, VIDEO, dt.date(2026, 11, 3), 0.0, 0.0, 0, '短视频 "爆款" 测试', "qianchuan.video",
         0, 0, None, "none", None, "paused", "CNY"),
        (ACCOUNT, SHORT, dt.date(2026, 11, 3), 300.0, 900.0, 9, "ROI 计划", "qianchuan.video",
         None, None, 500.0, "roi", 3.2, "learning", None),
    ]  # fmt: skip
    assert frame["source_row"].tolist() == [2, 3, 4]


def test_gbk_standard_export_with_title_row_units_and_separators():
    frame = read("qianchuan_standard_gbk.csv")
    assert records(frame, "account_id", "campaign_id", "date", "spend", "gmv", "orders", "campaign_name",
                   "channel", "impressions", "clicks", "budget", "bid_type", "bid", "status") == [
        (ACCOUNT, LIVE, dt.date(2026, 11, 3), 1234.5, 6003.75, 41, "直播间·双11 主推", "qianchuan.live",
         120000, 3400, 3000.0, "cpa", 35.5, "active"),
        (ACCOUNT, VIDEO, dt.date(2026, 11, 3), 88.0, 0.0, 0, "短视频爆款", "qianchuan.video",
         None, None, None, None, None, "paused"),
    ]  # fmt: skip
    assert frame["source_row"].tolist() == [3, 4]  # row 1 is the title, row 2 the header


def test_gmv_basis_picks_the_seven_day_columns_of_the_same_export():
    frame = read("qianchuan_standard_gbk.csv", gmv_basis="total_7d")
    assert records(frame, "campaign_id", "gmv", "orders") == [(LIVE, 6300.0, 45), (VIDEO, 59.9, 1)]


def test_uni_promotion_export_takes_overall_spend_gmv_and_roi_goal():
    frame = read("qianchuan_uni.csv", gmv_basis="uni_total")
    assert records(frame, "campaign_id", "date", "spend", "gmv", "orders", "channel", "impressions",
                   "clicks", "bid_type", "bid", "status") == [
        (LIVE, dt.date(2026, 11, 2), 5000.0, 17500.0, 120, "qianchuan.uni_live", 800000, 9000, "roi", 3.0, "learning"),
        (VIDEO, dt.date(2026, 11, 2), 800.2, 1680.42, 20, "qianchuan.uni_video", 50000, 700, "roi", 2.0, "active"),
    ]  # fmt: skip


def test_utf8_bom_slash_dates_and_yuan_signs():
    frame = read("utf8_bom_slash_dates.csv")
    assert records(frame, "account_id", "campaign_id", "date", "spend", "gmv", "orders", "campaign_name") == [
        ("default", SHORT, dt.date(2026, 11, 1), 1234.5, 12345.6, 120, "女装 秋冬新款"),
        ("default", SHORT, dt.date(2026, 11, 2), 99.9, 0.0, 0, "女装 秋冬新款"),
    ]


def test_xlsx_export_with_title_row_date_cells_and_total_row():
    frame = read("console_title_row.xlsx")
    assert records(frame, "campaign_id", "date", "spend", "gmv", "orders", "impressions", "budget", "bid",
                   "bid_type", "status", "channel", "source_row") == [
        (LIVE, dt.date(2026, 11, 1), 1000.5, 4321.09, 30, 50000, 3000.0, 35.5, "cpa", "active", "qianchuan.live", 3),
        (LIVE, dt.date(2026, 11, 2), 2001.0, 8642.18, 60, 100000, 3000.0, 35.5, "cpa", "active", "qianchuan.live", 4),
        (SHORT, dt.date(2026, 11, 2), 300.0, 199.0, 2, None, None, None, None, "paused", "qianchuan.video", 5),
    ]  # fmt: skip


def test_utf16_tab_separated_excel_unicode_text():
    frame = read("excel_unicode_text.txt")
    assert records(frame, "campaign_id", "campaign_name", "spend", "gmv", "orders") == [
        (LIVE, "直播间,逗号", 10.5, 20.0, 1)
    ]


def test_restated_row_later_in_the_file_wins():
    frame = read("restatement.csv")
    assert records(frame, "date", "spend", "gmv", "orders", "source_row") == [
        (dt.date(2026, 11, 1), 500.0, 1250.5, 12, 4),
        (dt.date(2026, 11, 2), 600.0, 1100.0, 11, 3),
    ]


def test_later_file_wins_even_when_it_restates_spend(tmp_path: Path):
    first, second = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    first.write_text("date,campaign_id,spend,gmv,orders\n2026-11-01,7,100,200,2\n2026-11-02,7,50,60,1\n", "utf-8")
    second.write_text("date,campaign_id,spend,gmv,orders\n2026-11-01,7,101,180,2\n", "utf-8")
    frame = read_stats([first, second], today=TODAY)
    assert records(frame, "date", "spend", "gmv", "source_file") == [
        (dt.date(2026, 11, 1), 101.0, 180.0, str(second)),
        (dt.date(2026, 11, 2), 50.0, 60.0, str(first)),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "date,campaign_id,spend,gmv,orders",
        " Date , CAMPAIGN_ID ,Spend,GMV,Orders",
        "Campaign ID,Date,Spend,GMV,Orders".replace("Campaign ID,Date", "Date,Campaign ID"),
        "日期,计划ID,消耗(元),直接成交金额(元),直接成交订单数",
        "日期,计划ID,消耗（元）,直接成交金额（元）,直接成交订单数",
        "日期,计划 ID,消耗 (元),直接成交金额 ( 元 ),直接成交订单数",
    ],
)
def test_header_spellings_that_mean_the_contract_columns(tmp_path: Path, header: str):
    path = tmp_path / "h.csv"
    path.write_text(f"{header}\n2026-11-03,{LIVE},¥1,000.5,2,3\n".replace("¥1,000.5", '"¥1,000.5"'), "utf-8")
    assert records(read_stats([path], today=TODAY), "campaign_id", "spend", "gmv", "orders") == [(LIVE, 1000.5, 2.0, 3)]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str):
    path = tmp_path / "d.csv"
    path.write_text(delimiter.join(["date", "campaign_id", "spend", "gmv", "orders"]) + "\n"
                    + delimiter.join(["2026-11-03", LIVE, "1.5", "2", "3"]) + "\n", "utf-8")  # fmt: skip
    assert records(read_stats([path], today=TODAY), "campaign_id", "spend") == [(LIVE, 1.5)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-03", dt.date(2026, 11, 3)),
        ("2026/11/03", dt.date(2026, 11, 3)),
        ("2026/11/3", dt.date(2026, 11, 3)),
        ("2026-11-03 00:00:00", dt.date(2026, 11, 3)),
        ("2026年11月3日", dt.date(2026, 11, 3)),
        ("2026-11-21", dt.date(2026, 11, 21)),
    ],
)
def test_date_spellings_up_to_tomorrow(tmp_path: Path, cell: str, expected: dt.date):
    path = tmp_path / "d.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders\n{cell},7,1,1,1\n", "utf-8")
    assert records(read_stats([path], today=TODAY), "date") == [(expected,)]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("投放中", "active"),
        ("已暂停", "paused"),
        ("学习期", "learning"),
        ("计划预算不足", "active"),
        ("Paused", "paused"),
    ],
)
def test_console_status_text_maps_to_contract_status(tmp_path: Path, status: str, expected: str):
    path = tmp_path / "s.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders,计划状态\n2026-11-03,7,1,1,1,{status}\n", "utf-8")
    assert read_stats([path], today=TODAY)["status"].tolist() == [expected]


@pytest.mark.parametrize("cell", ["2026-11-01 ~ 2026-11-07", "2026-11-01至2026-11-07"])
def test_a_report_summed_over_a_date_range_is_refused_with_a_hint(tmp_path: Path, cell: str):
    from connectors.errors import InputError

    path = tmp_path / "r.csv"
    path.write_text(f"日期,计划ID,消耗(元),直接成交金额(元),直接成交订单数\n{cell},7,1,1,1\n", "utf-8")
    with pytest.raises(InputError, match=r"r.csv:2:日期: .* is a date range: export the report by day"):
        read_stats([path], today=TODAY)


@pytest.mark.parametrize("cell", ["1900-01-01", "1999-12-31"])
def test_dates_before_2000_are_refused(tmp_path: Path, cell: str):
    from connectors.errors import InputError

    path = tmp_path / "d.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders\n{cell},7,1,1,1\n", "utf-8")
    with pytest.raises(InputError, match=r"d.csv:2:date: date .* is before 2000"):
        read_stats([path], today=TODAY)


def test_optional_columns_accept_console_placeholders(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("date,campaign_id,spend,gmv,orders,impressions,budget,bid,campaign_name\n"
                    "2026-11-03,7,1,1,1,--,不限,-,--\n", "utf-8")  # fmt: skip
    assert records(read_stats([path], today=TODAY), "impressions", "budget", "bid", "campaign_name") == [
        (None, None, None, None)
    ]


def test_money_is_rounded_to_two_decimals(tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text("date,campaign_id,spend,gmv,orders\n2026-11-03,7,0.105,1234.5678,1\n", "utf-8")
    assert records(read_stats([path], today=TODAY), "spend", "gmv") == [(0.1, 1234.57)]


def test_progress_reports_bytes_up_to_the_total():
    calls: list[tuple[int, int]] = []
    read_stats([str(GOOD / "restatement.csv"), GOOD / "contract_english.csv"], today=TODAY,
               progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    total = (GOOD / "restatement.csv").stat().st_size + (GOOD / "contract_english.csv").stat().st_size
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_rows_become_the_same_frozen_records_the_platform_connectors_yield():
    from decimal import Decimal

    records = list(daily_stats(read("contract_english.csv")))
    assert records[0] == DailyStat(
        account_id=ACCOUNT, campaign_id=LIVE, date=dt.date(2026, 11, 3), spend=Decimal("1200.50"),
        gmv=Decimal("6003.75"), orders=41, campaign_name="直播间·双11 主推", channel="qianchuan.live",
        impressions=120000, clicks=3400, budget=Decimal("3000.00"), bid_type="cpa", bid=Decimal("35.50"),
        status="active", currency="CNY",
    )  # fmt: skip
    assert (records[1].budget, records[1].bid, records[2].impressions, records[2].currency) == (None, None, None, None)


def test_stat_columns_are_the_published_interface():
    # other stages (store, features, the one-shot command) read these names: add, never rename
    assert STAT_COLUMNS == (
        "account_id", "campaign_id", "date", "spend", "gmv", "orders", "campaign_name", "channel", "impressions",
        "clicks", "budget", "bid_type", "bid", "status", "currency", "source_file", "source_row",
    )  # fmt: skip
    assert list(CONTRACT_DTYPES) == list(STAT_COLUMNS)
