"""预警: anomaly checks, their records and what they do to the day's decisions.

::

    daily job: fit -> daily_findings (daily.py) -> record_findings (store)
      -> open alerts hold their campaigns for review (hold_for_alerts)
      -> new alerts + the morning summary -> notify (notify_run)
    spendopt watch: poll today's spend -> pacing_findings (pacing.py) -> record -> notify

The store keeps alerts (``optimizer.store.alerts``); ``texts`` names them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from connectors.clock import utc_now
from optimizer.alerts.texts import KINDS, describe, kind_name, notice_of

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings
    from optimizer.store.alerts import Alert, Finding

__all__ = [
    "KINDS",
    "account_now",
    "check_account",
    "describe",
    "hold_for_alerts",
    "kind_name",
    "notice_of",
    "report_alerts",
]


def account_now(today: dt.date, timezone: str, real: dt.datetime | None = None) -> dt.datetime:
    """The moment of a run on the account's calendar: ``today`` at the real time of day (UTC).

    On a real account that is now; a simulated account that runs many days in
    a minute gets one day per run, so cooldowns count its days, not the wall clock's.
    """
    from zoneinfo import ZoneInfo

    real = real or utc_now()
    local = real.astimezone(ZoneInfo(timezone))
    return dt.datetime.combine(today, local.time(), tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)


def check_account(
    settings: Settings,
    engine: Engine,
    history: History,
    model: FittedModel,
    states: pd.DataFrame,
    *,
    run_id: str,
    today: dt.date,
    dry_run: bool,
) -> tuple[list[Finding], list[Alert], dict[str, list[str]]]:
    """Yesterday's findings, the new alerts stored (none on a dry run) and the campaigns held for review."""
    from optimizer.alerts.daily import daily_findings
    from optimizer.store.alerts import open_campaigns, record_findings

    if not settings.alerts.enabled or history.n == 0:
        return [], [], {}
    findings = daily_findings(history, model, states, settings.alerts)
    account_id = str(history.account_id[0])
    new: list[Alert] = []
    if not dry_run:
        new = record_findings(
            engine,
            findings,
            source="daily",
            now=account_now(today, settings.data.timezone),
            cooldown=dt.timedelta(hours=settings.alerts.cooldown_hours),
            run_id=run_id,
            checked=[account_id],
        )
    held = open_campaigns(engine, account_id) if not dry_run else {}
    for f in findings if dry_run else ():
        held.setdefault(f.campaign_id, []).append(f.kind)
    return findings, new, held if settings.alerts.review_open else {}


def report_alerts(engine: Engine, account_id: str, findings: list[Finding], dry_run: bool) -> tuple:
    """What the run's report lists: the account's open alerts (a dry run stores none: its findings)."""
    from optimizer.store.alerts import list_alerts

    if dry_run:
        return tuple(findings)
    return tuple(list_alerts(engine, open_only=True, account_id=account_id))


def hold_for_alerts(frame: pd.DataFrame, held: dict[str, list[str]], language: str = "zh-CN") -> pd.DataFrame:
    """``auto`` rows of campaigns with an open alert become ``review``; the reason says which alert."""
    from optimizer.alerts.texts import lang_of
    from optimizer.i18n import t

    if not held or frame.empty:
        return frame
    frame = frame.copy()
    hit = frame["campaign_id"].astype(str).isin(held) & (frame["decision"] == "auto") & (frame["action"] != "hold")
    for i in frame.index[hit]:
        kinds = "、".join(kind_name(k, language) for k in held[str(frame.at[i, "campaign_id"])])
        note = t("alerts.held_reason", lang=lang_of(language), kinds=kinds)
        frame.at[i, "decision"] = "review"
        reason = frame.at[i, "reason"]
        frame.at[i, "reason"] = f"{reason!s}; {note}" if reason else note
    return frame


def summary_notice(result: Any, alerts: list[Alert], language: str = "zh-CN") -> Any:
    """The morning summary of a daily run: applied, waiting for review (and where), alerts."""
    from optimizer.alerts.texts import lang_of
    from optimizer.i18n import t
    from optimizer.notify import Notice

    lang = lang_of(language)
    lines = []
    for acc in result.accounts:
        if acc.error:
            lines.append(t("alerts.summary_account_failed", lang=lang, account=acc.account_id, error=acc.error))
            continue
        applied = acc.applied.count("confirmed") if acc.applied is not None else 0
        lines.append(t("alerts.summary_account", lang=lang, account=acc.account_id, applied=applied, review=acc.review))
        if acc.review and acc.paths:
            lines.append(t("alerts.summary_review_file", lang=lang, path=str(acc.paths[0])))
    lines.append(t("alerts.summary_alerts", lang=lang, n=len(alerts)))
    title = t("alerts.summary_title", lang=lang, date=str(result.effective_date))
    title += "" if result.ok else t("alerts.summary_failed", lang=lang)
    return Notice(
        key=f"run-{result.run_id}", level="info" if result.ok else "critical", title=title, lines=tuple(lines)
    )
