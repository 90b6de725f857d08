"""Write the import fixtures in tests/data/good and tests/data/bad.

Run from the repository root: ``.venv/bin/python tests/data/make_fixtures.py``.
The generated files are committed; this script documents how each one was made
(binary ones: GBK, UTF-16, XLSX) and what is hostile about it. The tests in
tests/import/ hold the expected values and error locations.

Dates are in early November 2026; the tests read with ``today=2026-11-20``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD, BAD = HERE / "good", HERE / "bad"

ACCOUNT = "1700000000000000099"
LIVE = "1780000000000000001"  # 19 digits: a float would round it
VIDEO = "1780000000000000123"
SHORT = "7000000000000001"  # 16 digits

CONTRACT = "date,campaign_id,spend,gmv,orders"
STANDARD_HEADER = [
    "推广类型", "账户名称", "账户ID", "计划ID", "计划名称", "日期", "消耗(元)", "展示次数", "点击率(%)",
    "点击次数", "转化数", "7日总支付ROI", "直接成交订单数", "直接成交金额(元)", "直接支付ROI",
    "7日总成交订单数", "7日总成交金额(元)", "预算(元)", "出价(元)", "计划状态", "广告类型",
]  # fmt: skip


def text(path: Path, content: str, encoding: str = "utf-8") -> None:
    path.write_bytes(content.encode(encoding))


def good_files() -> None:
    text(
        GOOD / "contract_english.csv",
        "date,account_id,campaign_id,campaign_name,channel,spend,gmv,orders,impressions,clicks,"
        "budget,bid_type,bid,status,currency\n"
        f"2026-11-03,{ACCOUNT},{LIVE},直播间·双11 主推,qianchuan.live,1200.50,6003.75,41,120000,3400,"
        "3000,cpa,35.5,active,CNY\n"
        f'2026-11-03,{ACCOUNT},{VIDEO},短视频 "爆款" 测试,qianchuan.video,0,0,0,0,0,,none,,paused,CNY\n'
        f"2026-11-03,{ACCOUNT},{SHORT},ROI 计划,qianchuan.video,300,900,9,,,500,roi,3.2,learning,\n",
    )
    rows = [
        ["标准推直播", "旗舰店", ACCOUNT, LIVE, "直播间·双11 主推", "2026-11-03", "1,234.50", "120,000", "2.83",
         "3,400", "50", "5.1", "41", "6,003.75", "4.86", "45", "6,300.00", "3,000", "35.50", "投放中", "通投广告"],
        ["标准推商品", "旗舰店", ACCOUNT, VIDEO, "短视频爆款", "2026-11-03", "￥88.00", "--", "--",
         "--", "0", "--", "0", "0.00", "--", "1", "59.90", "不限", "--", "已暂停", "搜索广告"],
    ]  # fmt: skip
    lines = ["标准推广数据报表", ",".join(STANDARD_HEADER)] + [",".join(f'"{c}"' for c in r) for r in rows]
    text(GOOD / "qianchuan_standard_gbk.csv", "\r\n".join(lines) + "\r\n", "gbk")
    text(
        GOOD / "qianchuan_uni.csv",
        "推广类型,账户ID,计划ID,计划名称,日期,整体消耗（元）,整体支付ROI,整体成交金额（元）,整体成交订单数,"
        "整体成交订单成本（元）,整体展示次数,整体点击次数,支付ROI目标,计划状态\n"
        f"全域推直播,{ACCOUNT},{LIVE},全域·直播间,2026-11-02,5000,3.5,17500,120,41.67,800000,9000,3.00,学习期\n"
        f"全域推商品,{ACCOUNT},{VIDEO},全域·商品,2026-11-02,800.2,2.1,1680.42,20,40.01,50000,700,2,投放中\n",
        "utf-8-sig",
    )
    text(
        GOOD / "utf8_bom_slash_dates.csv",
        "日期,计划ID,计划名称,消耗(元),直接成交金额(元),直接成交订单数\n"
        f'2026/11/01,{SHORT},女装 秋冬新款,"1,234.50","¥12,345.60",120\n'
        f"2026/11/2,{SHORT},女装 秋冬新款,99.9,0,0\n",
        "utf-8-sig",
    )
    text(
        GOOD / "restatement.csv",
        f"{CONTRACT},account_id\n"
        f"2026-11-01,{LIVE},500,1000,10,{ACCOUNT}\n"
        f"2026-11-02,{LIVE},600,1100,11,{ACCOUNT}\n"
        f"2026-11-01,{LIVE},500,1250.5,12,{ACCOUNT}\n",
    )
    text(
        GOOD / "excel_unicode_text.txt",
        f"date\tcampaign_id\tcampaign_name\tspend\tgmv\torders\n2026-11-03\t{LIVE}\t直播间,逗号\t10.5\t20\t1\n",
        "utf-16",
    )
    standard_xlsx(GOOD / "console_title_row.xlsx")


def standard_xlsx(path: Path, *, float_id: bool = False, ragged: bool = False) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "标准推广"
    sheet.append(["标准推广数据 2026-11-01 至 2026-11-02"])
    sheet.append(["推广类型", "账户ID", "计划ID", "计划名称", "日期", "消耗(元)", "展示次数", "点击次数",
                  "直接成交订单数", "直接成交金额(元)", "预算(元)", "出价(元)", "计划状态"])  # fmt: skip
    for day in (1, 2):
        sheet.append(["标准推直播", ACCOUNT, float(LIVE) if float_id else LIVE, "直播间·主推",
                      dt.datetime(2026, 11, day), 1000.5 * day, 50000 * day, 1200, 30 * day, 4321.09 * day,
                      3000, 35.5, "投放中"])  # fmt: skip
    sheet.append(["标准推商品", ACCOUNT, SHORT, "商品·秋冬", dt.datetime(2026, 11, 2), 300, None, None, 2,
                  "199.00", None, None, "已暂停"] + (["多出来的值"] if ragged else []))  # fmt: skip
    sheet.append(["合计", None, None, None, None, 2301.5, 150000, 2400, 92, 13162.27])
    book.properties.created = book.properties.modified = dt.datetime(2026, 11, 3)
    book.save(path)


def bad_files() -> None:
    ok = f"2026-11-03,{LIVE},100,300,3"
    bad = {
        "missing_column.csv": f"date,campaign_id,spend,gmv\n2026-11-03,{LIVE},100,300\n",
        "negative_spend.csv": f"{CONTRACT}\n{ok}\n2026-11-03,{VIDEO},-100,300,3\n",
        "text_in_number.csv": f"{CONTRACT}\n2026-11-03,{LIVE},100,三百,3\n",
        "mangled_id.csv": f"{CONTRACT}\n{ok}\n2026-11-03,1.78E+18,100,300,3\n",
        "mangled_id_long_float.csv": f"{CONTRACT}\n2026-11-03,1.7800000000000001e+18,100,300,3\n",
        "id_with_space.csv": f"{CONTRACT}\n2026-11-03,1780 0000000001,100,300,3\n",
        "duplicate_disagree.csv": f"{CONTRACT}\n{ok}\n2026-11-03,{VIDEO},1,1,1\n2026-11-03,{LIVE},150,300,3\n",
        "duplicate_gmv_falls.csv": f"{CONTRACT}\n{ok}\n2026-11-03,{LIVE},100,250,3\n",
        "empty.csv": "",
        "whitespace_only.csv": "\n \n",
        "header_only.csv": f"{CONTRACT}\n",
        "unknown_bid_type.csv": f"{CONTRACT},bid_type,bid\n{ok},cpc,1.5\n",
        "unknown_status.csv": f"{CONTRACT},status\n{ok},deleted\n",
        "misaligned_extra_field.csv": f"{CONTRACT},campaign_name\n{ok},a\n{ok},直播,双11\n",
        "misaligned_short_row.csv": f"{CONTRACT}\n{ok}\n2026-11-03,{VIDEO},100,300\n",
        "nan_money.csv": f"{CONTRACT}\n2026-11-03,{LIVE},nan,300,3\n",
        "inf_money.csv": f"{CONTRACT}\n{ok}\n2026-11-04,{LIVE},100,inf,3\n",
        "orders_fraction.csv": f"{CONTRACT}\n2026-11-03,{LIVE},100,300,2.5\n",
        "bad_date.csv": f"{CONTRACT}\n{ok}\n2026-13-45,{LIVE},100,300,3\n",
        "future_date.csv": f"{CONTRACT}\n{ok}\n2026-12-31,{LIVE},100,300,3\n",
        "bid_zero.csv": f"{CONTRACT},bid_type,bid\n{ok},cpa,0\n",
        "bid_with_type_none.csv": f"{CONTRACT},bid_type,bid\n{ok},none,20\n",
        "mixed_currency.csv": f"{CONTRACT},currency\n{ok},CNY\n2026-11-04,{LIVE},100,300,3,USD\n",
        "empty_required_cell.csv": f"{CONTRACT}\n2026-11-03,{LIVE},,300,3\n",
        "uni_export_for_direct_basis.csv": "计划ID,日期,整体消耗(元),整体成交金额(元),整体成交订单数\n"
        f"{LIVE},2026-11-03,100,300,3\n",
        "money_in_fen.csv": f"计划ID,日期,消耗(分),直接成交金额(元),直接成交订单数\n{LIVE},2026-11-03,10000,300,3\n",
        "ids_lost_precision.csv": f"{CONTRACT}\n2026-11-03,1780000000000000000,1,1,1\n"
        "2026-11-03,1780000000000010000,1,1,1\n2026-11-03,1780000000000020000,1,1,1\n",
        "duplicate_header.csv": f"date,campaign_id,spend,gmv,orders,spend\n{ok},100\n",
    }
    for name, content in bad.items():
        text(BAD / name, content)
    # random bytes: invalid as UTF-8 and as GB18030 (0xff never starts a GB18030 character)
    (BAD / "garbage_encoding.csv").write_bytes(b"date,campaign_id\n\x81\x30\xff\xfe garbage\xff\xff\n")
    (BAD / "broken_utf8.csv").write_bytes(
        "日期,计划ID,计划名称,消耗(元),直接成交金额(元),直接成交订单数\n2026-11-03,7,直播间,1,1,1\n".encode()
        + "2026-11-03,8,直播".encode()
        + b"\xe9\x97,1,1,1\n"  # cut in the middle of a character
    )
    (BAD / "legacy_xls.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    standard_xlsx(BAD / "mangled_id_float_cell.xlsx", float_id=True)
    standard_xlsx(BAD / "ragged.xlsx", ragged=True)


if __name__ == "__main__":
    GOOD.mkdir(exist_ok=True)
    BAD.mkdir(exist_ok=True)
    good_files()
    bad_files()
    print(f"wrote {len(list(GOOD.iterdir()))} good and {len(list(BAD.iterdir()))} bad files")
