"""Column aliases and value maps for imported stats files.

The data contract (section 1) names the English columns; Qianchuan console
exports (``docs/qianchuan.md`` section 5) carry Chinese headers with units in
brackets. This module says which header means which contract column, and which
cell text means which ``status`` / ``bid_type`` / ``channel`` / ``currency``.
It holds data and tiny pure functions only; ``connectors.files.stats`` does the reading.

Header matching ignores case, surrounding and inner spaces, ``_`` and ``-``,
full-width forms (``（元）`` = ``(元)``) and one trailing bracketed unit
(``消耗(元)`` = ``消耗``). When several headers of a file mean the same column,
the alias listed first below wins and the others are ignored (console exports
often carry both ``消耗`` and ``整体消耗``).

GMV basis (setting ``data.gmv_basis``): which of the platform's revenue figures
becomes ``gmv`` / ``orders``:

==============  ===========================  =============================
basis           gmv header                   orders header
==============  ===========================  =============================
``direct_pay``  直接成交金额(元)             直接成交订单数
``total_7d``    7日总成交金额(元)            7日总成交订单数
``uni_total``   整体成交金额(元) (全域推广)  整体成交订单数
==============  ===========================  =============================

The contract's own ``gmv`` / ``orders`` columns are accepted under every basis,
and so are the console's unprefixed ``成交金额`` / ``成交订单数``: they mean the basis'
figure (a 全域 view labels 整体成交金额 so; a standard view 直接成交金额).

Two headers of one file that mean the same column (``spend`` and ``消耗(元)``,
``campaign_id`` and ``计划ID``) must agree on every row, or the file is refused
naming both (``connectors.files.stats``). The one pair a console writes on
purpose, ``消耗`` beside ``整体消耗`` in a 全域 export, is settled by the basis:
``整体消耗`` for ``uni_total``, ``消耗`` otherwise (``SPEND_GROUPS``).

Channel: a ``channel`` column, else derived from 推广类型 / 推广方式 / 营销场景 /
营销目标 (``PROMOTION_COLUMNS``: 全域 or 标准, 直播 or 商品/短视频).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "BID_TYPE_VALUES",
    "CURRENCY_VALUES",
    "GMV_BASES",
    "MISSING_TEXT",
    "MONEY_UNITS",
    "PROMOTION_COLUMNS",
    "REQUIRED_COLUMNS",
    "SPEND_GROUPS",
    "STATUS_VALUES",
    "TOTAL_LABELS",
    "aliases_for",
    "channel_from_promotion_type",
    "header_key",
    "header_unit",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("date", "campaign_id", "spend", "gmv", "orders")
"""Contract columns every file must have (under some alias)."""

MISSING_TEXT: frozenset[str] = frozenset({"", "-", "--", "—", "——", "–"})
"""Cell text that means "no value" in an optional column (console exports write ``--``)."""

_COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "stat_date", "数据日期", "时间"),
    "campaign_id": ("campaign_id", "计划ID", "ad_id", "广告计划ID", "计划编号"),
    "account_id": ("account_id", "账户ID", "advertiser_id", "广告主ID", "账号ID"),
    "campaign_name": ("campaign_name", "计划名称", "ad_name", "广告计划名称", "计划名"),
    "channel": ("channel", "渠道"),
    "promotion_type": ("推广类型", "广告类型"),
    "promotion_way": ("推广方式",),
    "marketing_scene": ("营销场景", "营销目标", "推广目的"),
    "impressions": ("impressions", "展示次数", "整体展示次数", "展现次数", "整体展现次数", "show_cnt"),
    "clicks": ("clicks", "点击次数", "整体点击次数", "click_cnt"),
    "budget": ("budget", "预算", "日预算", "计划预算", "计划日预算"),
    "bid_type": ("bid_type", "出价方式", "投放方式", "投放场景"),
    "bid": ("bid", "出价", "cpa_bid", "转化出价"),
    "roi_goal": ("roi_goal", "ROI目标", "支付ROI目标", "整体支付ROI目标", "目标ROI", "roi2_goal"),
    "status": ("status", "计划状态", "状态", "投放状态"),
    "currency": ("currency", "币种", "货币"),
}
"""Contract column (plus two helper columns) -> accepted headers, best first.

``promotion_type`` (推广类型; else 广告类型 when it carries the same values) only
derives ``channel`` when the file has no channel column; ``roi_goal`` (ROI目标) fills ``bid`` with ``bid_type`` ``roi``.
"""

_SPEND_ALIASES = ("spend", "消耗", "stat_cost", "花费", "总消耗")
_UNI_SPEND_ALIASES = ("整体消耗", "stat_cost_for_roi2")
SPEND_GROUPS: tuple[tuple[str, ...], ...] = (_SPEND_ALIASES, _UNI_SPEND_ALIASES)
"""Spend headers in two groups: within a group two headers must agree; across them the basis picks."""

PROMOTION_COLUMNS: tuple[str, ...] = ("promotion_type", "promotion_way", "marketing_scene")
"""Helper columns whose text (joined) gives the channel when the file has no channel column."""

_UNPREFIXED = {"gmv": ("成交金额",), "orders": ("成交订单数",)}

GMV_BASES: dict[str, dict[str, tuple[str, ...]]] = {
    "direct_pay": {
        "gmv": ("直接成交金额", "pay_order_amount", "直接支付金额"),
        "orders": ("直接成交订单数", "pay_order_count", "直接支付订单数"),
    },
    "total_7d": {
        "gmv": ("7日总成交金额", "all_order_pay_gmv_7days", "7日总支付金额"),
        "orders": ("7日总成交订单数", "all_order_pay_count_7days", "7日总支付订单数"),
    },
    "uni_total": {
        "gmv": ("整体成交金额", "total_pay_order_gmv_for_roi2"),
        "orders": ("整体成交订单数", "total_pay_order_count_for_roi2"),
    },
}
"""GMV basis -> the console headers its ``gmv`` and ``orders`` come from."""

MONEY_UNITS: frozenset[str] = frozenset({"元", "cny", "rmb", "人民币", "¥"})
"""Units a money header may carry in brackets; anything else would be mis-scaled."""


def aliases_for(basis: str) -> dict[str, tuple[str, ...]]:
    """Every contract column's accepted headers under one GMV basis, best first.

    Raises ``KeyError`` for an unknown basis (the settings validate it first).
    """
    chosen = GMV_BASES[basis]
    spend = _UNI_SPEND_ALIASES + _SPEND_ALIASES if basis == "uni_total" else _SPEND_ALIASES + _UNI_SPEND_ALIASES
    return {
        **_COMMON_ALIASES,
        "spend": spend,
        "gmv": ("gmv",) + chosen["gmv"] + _UNPREFIXED["gmv"],
        "orders": ("orders",) + chosen["orders"] + _UNPREFIXED["orders"],
    }


_UNIT = re.compile(r"\(([^()]*)\)\s*$")
_SQUEEZE = re.compile(r"[\s_\-]+")


def header_unit(header: str) -> str | None:
    """The unit in a header's trailing brackets, normalised (``消耗（元）`` -> ``元``), or None."""
    match = _UNIT.search(unicodedata.normalize("NFKC", header))
    return match.group(1).strip().lower() if match else None


def header_key(header: str) -> str:
    """The form headers are compared in: NFKC, lower case, no unit, no spaces/``_``/``-``.

    >>> header_key(" 消耗（元） ") == header_key("消耗") and header_key("Campaign ID") == "campaignid"
    True
    """
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip()
    text = _UNIT.sub("", text)
    return _SQUEEZE.sub("", text).lower()


def _value_map(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(text): value for value, texts in groups.items() for text in texts}


STATUS_VALUES: dict[str, str] = _value_map(
    {
        "active": (
            "active",
            "投放中",
            "启用",
            "已启用",
            "开启",
            "在投",
            "正常投放",
            "投放",
            "计划预算不足",
            "账户预算不足",
            "不在投放时段",
            "AD_STATUS_DELIVERY_OK",
            "DELIVERY_OK",
            "ENABLE",
            "LEARNED",
            "学习期结束",
            "已完成学习",
        ),
        "paused": (
            "paused",
            "已暂停",
            "暂停",
            "暂停中",
            "计划已暂停",
            "已关闭",
            "关闭",
            "已停止",
            "停投",
            "已停投",
            "AD_STATUS_DISABLE",
            "DISABLE",
        ),
        "learning": ("learning", "学习期", "学习中", "学习期中", "学习期内", "LEARNING"),
    }
)
"""Cell text (keyed by ``header_key``) -> contract status. 计划预算不足 is a live,
budget-capped plan: exactly what the optimizer should see as ``active``."""

BID_TYPE_VALUES: dict[str, str] = _value_map(
    {
        "cpa": ("cpa", "控成本", "控成本投放", "SMART_BID_CUSTOM"),
        "roi": ("roi", "支付ROI"),
        "none": ("none", "放量", "放量投放", "SMART_BID_CONSERVATIVE"),
    }
)
"""Cell text -> contract bid_type. Qianchuan's 控成本投放 (SMART_BID_CUSTOM) sets
either a CPA bid or a ROI goal: it reads as ``cpa`` unless the row's bid came
from a ROI-goal column; 放量投放 (SMART_BID_CONSERVATIVE) has no bid (docs/qianchuan.md 4.2)."""

TOTAL_LABELS: frozenset[str] = frozenset({"合计", "总计", "汇总", "total", "合计:", "总计:"})
"""First-cell or date-cell text of a console export's summary row, which is skipped."""

CURRENCY_VALUES: dict[str, str] = {"人民币": "CNY", "元": "CNY", "rmb": "CNY", "¥": "CNY"}
"""Currency text that is not an ISO 4217 code but means one (keys lower case, NFKC)."""

_PROMOTION_CHANNELS = {
    (False, "直播"): "qianchuan.live",
    (False, "商品"): "qianchuan.video",
    (True, "直播"): "qianchuan.uni_live",
    (True, "商品"): "qianchuan.uni_video",
}


def channel_from_promotion_type(text: str) -> str | None:
    """Channel for a 推广类型 value (or 推广方式 + 营销场景 joined): 标准推直播 ->
    ``qianchuan.live``, 全域推商品 -> ``qianchuan.uni_video``, 标准推广 短视频带货 ->
    ``qianchuan.video``; None if the text names neither 直播 nor 商品/短视频."""
    uni = "全域" in text
    for target, words in (("直播", ("直播",)), ("商品", ("商品", "短视频", "视频"))):
        if any(w in text for w in words):
            return _PROMOTION_CHANNELS[(uni, target)]
    return None
