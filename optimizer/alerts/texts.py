"""What each alert kind is called and how its evidence reads (the ``alerts`` catalog of ``optimizer.i18n``).

``KINDS`` lists the kinds the checks raise (the ``kind`` column of the alert
table); ``notice_of(alert, language)`` turns a stored alert into a ``Notice``
for the chat bots and ``describe`` into one line for the terminal.
"""

from __future__ import annotations

from typing import Any

from optimizer.i18n import LANGUAGES, t
from optimizer.notify.digest import Notice

__all__ = ["FIELDS", "KINDS", "describe", "evidence_lines", "kind_name", "lang_of", "notice_of"]

KINDS: tuple[str, ...] = (
    "gmv_low",
    "gmv_shift",
    "orders_low",
    "roi_low",
    "cpa_high",
    "runaway",
    "zero_delivery",
    "spend_low",
    "spend_high",
    "budget_exhausted",
    "pacing_fast",
    "pacing_slow",
    "dead",
    "run_failed",
    "run_late",
)
FIELDS: tuple[str, ...] = (
    "spend",
    "forecast_spend",
    "gmv",
    "expected_gmv",
    "orders",
    "expected_orders",
    "roi",
    "target",
    "z",
    "cusum",
    "cusum_limit",
    "drift_days",
    "spend_today",
    "expected_so_far",
    "since_last_poll",
    "expected_since_last",
    "budget",
    "message",
)


def lang_of(language: str | None) -> str:
    return language if language in LANGUAGES else "zh-CN"


def kind_name(kind: str, language: str = "zh-CN") -> str:
    return t(f"alerts.kind_{kind}", lang=lang_of(language)) if kind in KINDS else kind


def evidence_lines(evidence: dict[str, Any], language: str) -> list[str]:
    out = []
    for key in FIELDS:
        value = evidence.get(key)
        if value is None or (key in ("target", "expected_orders") and not value):
            continue
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        out.append(f"{t(f'alerts.field_{key}', lang=lang_of(language))}: {shown}")
    return out


def describe(alert: Any, language: str = "zh-CN") -> str:
    """One line: kind, campaign and the key numbers."""
    who = alert.campaign_name or alert.campaign_id
    return f"{kind_name(alert.kind, language)} · {who} · " + ", ".join(evidence_lines(alert.evidence, language)[:4])


def notice_of(alert: Any, language: str = "zh-CN") -> Notice:
    """The chat notice of a stored alert."""
    lang = lang_of(language)
    who = alert.campaign_name or alert.campaign_id
    date = f" ({alert.data_date})" if alert.data_date else ""
    lines = [
        t("alerts.campaign_line", lang=lang, name=who, campaign_id=alert.campaign_id, date=date),
        *evidence_lines(alert.evidence, lang),
        t("alerts.ack_line", lang=lang, id=alert.id),
    ]
    return Notice(
        key=f"alert-{alert.id}",
        level="critical" if alert.severity == "critical" else "warning",
        title=f"{kind_name(alert.kind, lang)}: {who}",
        lines=tuple(lines),
    )
