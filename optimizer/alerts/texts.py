"""What each alert kind is called and how its evidence reads, in Chinese and English.

``KINDS`` is the list of kinds the checks raise (the ``kind`` column of the
alert table); ``notice_of(alert, language)`` turns a stored alert into a
``Notice`` for the chat bots and ``describe`` into one line for the terminal.
"""

from __future__ import annotations

from typing import Any

from optimizer.notify.digest import Notice

__all__ = ["KINDS", "describe", "kind_name", "notice_of"]

KINDS: dict[str, tuple[str, str]] = {
    "gmv_low": ("GMV 低于模型区间", "GMV below the model's band"),
    "orders_low": ("订单数异常偏低", "orders far below expected"),
    "roi_low": ("ROI 远低于目标", "ROI far under its goal"),
    "cpa_high": ("CPA 远高于出价", "CPA far above its bid"),
    "runaway": ("计划失控: 消耗猛增且 ROI 低于目标", "runaway plan: spend up, ROI under target"),
    "zero_delivery": ("停止投放: 昨日零消耗", "stopped delivering: no spend yesterday"),
    "spend_low": ("消耗远低于预测", "spend far below forecast"),
    "spend_high": ("消耗远高于预测", "spend far above forecast"),
    "budget_exhausted": ("预算提前耗尽", "budget exhausted early"),
    "pacing_fast": ("盘中消耗过快", "spending too fast today"),
    "pacing_slow": ("盘中消耗过慢", "spending too slowly today"),
    "dead": ("盘中停止消耗", "stopped spending today"),
    "run_failed": ("日常任务失败", "daily run failed"),
    "run_late": ("昨日数据迟迟未就绪", "yesterday's data still not final"),
}

_FIELDS = {
    "spend": ("消耗", "spend"),
    "forecast_spend": ("预测消耗", "forecast spend"),
    "gmv": ("GMV", "GMV"),
    "expected_gmv": ("模型预期 GMV", "expected GMV"),
    "orders": ("订单", "orders"),
    "expected_orders": ("预期订单", "expected orders"),
    "roi": ("ROI", "ROI"),
    "target": ("目标", "target"),
    "z": ("偏离 (标准差)", "deviation (sd)"),
    "spend_today": ("今日已消耗", "spent today"),
    "expected_so_far": ("预计至此消耗", "forecast so far"),
    "since_last_poll": ("上次轮询以来", "since the last poll"),
    "expected_since_last": ("预计区间消耗", "forecast for that interval"),
    "budget": ("预算", "budget"),
    "message": ("原因", "reason"),
}


def _zh(language: str) -> bool:
    return not language.lower().startswith("en")


def kind_name(kind: str, language: str = "zh-CN") -> str:
    zh, en = KINDS.get(kind, (kind, kind))
    return zh if _zh(language) else en


def _lines(evidence: dict[str, Any], language: str) -> list[str]:
    index = 0 if _zh(language) else 1
    out = []
    for key, names in _FIELDS.items():
        value = evidence.get(key)
        if value is None or (key in ("target", "expected_orders") and not value):
            continue
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        out.append(f"{names[index]}: {shown}")
    return out


def describe(alert: Any, language: str = "zh-CN") -> str:
    """One line: kind, campaign and the key numbers."""
    who = alert.campaign_name or alert.campaign_id
    return f"{kind_name(alert.kind, language)} · {who} · " + ", ".join(_lines(alert.evidence, language)[:4])


def notice_of(alert: Any, language: str = "zh-CN") -> Notice:
    """The chat notice of a stored alert."""
    who = alert.campaign_name or alert.campaign_id
    head = "计划" if _zh(language) else "campaign"
    date = f" ({alert.data_date})" if alert.data_date else ""
    lines = [f"{head} {who} [{alert.campaign_id}]{date}", *_lines(alert.evidence, language)]
    if _zh(language):
        lines.append(f"预警 #{alert.id}; 确认: spendopt alerts --ack {alert.id}")
    else:
        lines.append(f"alert #{alert.id}; acknowledge: spendopt alerts --ack {alert.id}")
    return Notice(
        key=f"alert-{alert.id}",
        level="critical" if alert.severity == "critical" else "warning",
        title=f"{kind_name(alert.kind, language)}: {who}",
        lines=tuple(lines),
    )
