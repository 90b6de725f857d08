"""Realistic Qianchuan console exports for the tests: 标准推广 as GBK CSV, 全域推广 as XLSX.

Both carry what the console writes around the data: a title row above the
header, units in brackets, thousands separators, ``--`` for "no value" and a
合计 row at the end (docs/qianchuan.md section 5). ``Account`` draws a small
account with a known response: each campaign spends ``min(budget, demand)``
and earns a diminishing ROI on it, so capped, profitable campaigns exist
(the optimizer should raise them) next to poor ones (it should cut them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ACCOUNT_ID = "1700000000000000077"


@dataclass
class Plan:
    campaign_id: str
    name: str
    scene: str  # 直播 or 商品
    bid_type: str  # 控成本 (cpa bid / ROI goal) or 放量 (no bid)
    budget: float
    bid: float | None
    demand: float  # spend the campaign would reach without a cap
    roi: float  # ROI at small spend
    status: str = "投放中"


@dataclass
class Account:
    """Eight plans (names that start like formulas among them) and their history."""

    uni: bool = False
    seed: int = 7
    plans: list[Plan] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.plans:
            return
        uni = self.uni
        base = "1790000000000000" if not uni else "1791000000000000"
        specs = [
            ("+1元秒杀", "商品", 3000, 30.0, 6000, 5.5),
            ("=限时特价 面膜", "商品", 5100, 10.66, 5200, 1.3),
            ("@品牌直播间", "直播", 8000, 45.0, 16000, 4.8),
            ("-满减专场", "商品", 2000, 25.0, 2100, 1.1),
            ("直播间·双12 主推", "直播", 6000, 50.0, 12000, 4.2),
            ("短视频 爆款 A", "商品", 1500, 20.0, 1600, 2.6),
            ("短视频 爆款 B", "商品", 1200, None, 1300, 2.4),
            ("新品测试", "直播", 900, 38.0, 950, 3.0),
        ]
        for n, (name, scene, budget, bid, demand, roi) in enumerate(specs):
            if uni:
                bid = None if bid is None else round(roi * 0.8, 2)  # 全域 plans bid a ROI goal
            self.plans.append(
                Plan(
                    campaign_id=f"{base}{n + 101:03d}",
                    name=name + ("（全域）" if uni else ""),
                    scene=scene,
                    bid_type="放量" if bid is None else "控成本",
                    budget=float(budget),
                    bid=bid,
                    demand=float(demand),
                    roi=roi,
                )
            )

    def day(self, date: dt.date, rng: np.random.Generator) -> list[dict]:
        """One day's rows at the plans' current budgets."""
        out = []
        for p in self.plans:
            demand = p.demand * float(rng.lognormal(0, 0.15))
            spend = 0.0 if p.status == "已暂停" else min(p.budget, demand)
            roi = p.roi * (1 - 0.25 * spend / max(p.demand, 1)) * float(rng.lognormal(0, 0.1))
            gmv = spend * max(roi, 0.1)
            aov = 89.0 if p.scene == "商品" else 159.0
            out.append(
                {"plan": p, "date": date, "spend": round(spend, 2), "gmv": round(gmv, 2),
                 "orders": round(gmv / aov), "shows": int(spend * 40), "clicks": int(spend * 1.2)}
            )  # fmt: skip
        return out

    def history(self, end: dt.date, days: int) -> list[dict]:
        """``days`` days ending on ``end``; budgets move a little every week so the curves can be read."""
        rng = np.random.default_rng(self.seed)
        rows = []
        start = end - dt.timedelta(days=days - 1)
        for k in range(days):
            date = start + dt.timedelta(days=k)
            if k % 7 == 0 and k:
                for p in self.plans:
                    p.budget = float(round(p.budget * float(rng.choice([0.9, 1.0, 1.1])) / 100) * 100)
            rows += self.day(date, rng)
        return rows


def _money(x: float) -> str:
    return f"{x:,.2f}"


STANDARD_HEADER = [
    "推广类型", "账户名称", "账户ID", "计划ID", "计划名称", "日期", "营销场景", "出价方式", "出价(元)", "日预算(元)",
    "计划状态", "消耗(元)", "展示次数", "点击次数", "直接成交订单数", "直接成交金额(元)", "7日总成交金额(元)",
]  # fmt: skip


def standard_csv(path: Path, rows: list[dict]) -> Path:
    """A 标准推广 export: GBK, a title row, a 合计 row."""
    lines = [f"标准推广 计划数据 {rows[0]['date']} 至 {rows[-1]['date']}", ",".join(STANDARD_HEADER)]
    for r in rows:
        p = r["plan"]
        cells = [
            f"标准推{p.scene}", "旗舰店", ACCOUNT_ID, p.campaign_id, p.name, r["date"].isoformat(),
            "推直播间" if p.scene == "直播" else "短视频带货", p.bid_type,
            "--" if p.bid is None else f"{p.bid:.2f}", _money(p.budget), p.status, _money(r["spend"]),
            f"{r['shows']:,}", f"{r['clicks']:,}", str(r["orders"]), _money(r["gmv"]), _money(r["gmv"] * 1.08),
        ]  # fmt: skip
        lines.append(",".join(f'"{c}"' for c in cells))
    total = sum(r["spend"] for r in rows), sum(r["gmv"] for r in rows)
    cells = ["合计", "", "", "", "", "", "", "", "", "", "", _money(total[0]), "", "", "", _money(total[1]), ""]
    lines.append(",".join(f'"{c}"' for c in cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


UNI_HEADER = [
    "推广方式", "营销场景", "账户ID", "计划ID", "计划名称", "日期", "出价方式", "整体支付ROI目标", "日预算(元)",
    "计划状态", "整体消耗(元)", "整体成交金额(元)", "整体成交订单数", "整体支付ROI",
]  # fmt: skip


def uni_xlsx(path: Path, rows: list[dict]) -> Path:
    """A 全域推广 export: XLSX, a merged title row, a 合计 row, numbers as numbers, ids as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "全域推广数据"
    sheet.append([f"全域推广 计划数据 {rows[0]['date']} 至 {rows[-1]['date']}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(UNI_HEADER))
    sheet.append(UNI_HEADER)
    for r in rows:
        p = r["plan"]
        roi = round(r["gmv"] / r["spend"], 2) if r["spend"] else "--"
        sheet.append(
            ["全域推广", "推直播间" if p.scene == "直播" else "推商品", ACCOUNT_ID, p.campaign_id, p.name,
             r["date"].isoformat(), p.bid_type, "--" if p.bid is None else p.bid, p.budget, p.status,
             r["spend"], r["gmv"], r["orders"], roi]
        )  # fmt: skip
        name = sheet.cell(sheet.max_row, 5)
        name.value, name.data_type = p.name, "s"  # a text cell as the console writes it, even for "=..."
    sheet.append(["合计", "", "", "", "", "", "", "", "", "", round(sum(r["spend"] for r in rows), 2),
                  round(sum(r["gmv"] for r in rows), 2), sum(r["orders"] for r in rows), ""])  # fmt: skip
    book.save(path)
    return path
