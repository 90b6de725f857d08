"""Alerts as records: what was seen, where, the evidence, and what a person did about it.

One row per problem: ``(account_id, campaign_id, kind)`` names it; ``state``
is ``open`` -> ``acknowledged`` (a person has seen it) -> ``resolved`` (the
check no longer fires, or a person said so). A problem seen again while its
row is open or acknowledged updates that row (``last_seen``, ``seen_count``,
the newest evidence) and alerts nobody again; seen again after it was
resolved but before ``cooldown_until`` it reopens quietly; later it is a new
alert. ``notified_at`` stays empty until every configured bot took the alert,
so nothing is dropped when a chat service is down.

A campaign with an ``open`` alert goes to review, never auto
(``open_campaigns``); acknowledging an alert hands the campaign back to the
normal decision rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Field as TableField
from sqlmodel import SQLModel

from connectors.clock import utc_now

__all__ = [
    "Alert",
    "AlertRow",
    "Finding",
    "acknowledge_alert",
    "list_alerts",
    "mark_notified",
    "open_campaigns",
    "record_findings",
    "resolve_alert",
]

State = Literal["open", "acknowledged", "resolved"]
Source = Literal["daily", "watch", "schedule"]
ACCOUNT_WIDE = "*"  # campaign_id of an alert about the whole account (a failed run)


class AlertRow(SQLModel, table=True):
    __tablename__ = "alert"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers
    __table_args__ = (
        sa.Index("ix_alert_key", "account_id", "campaign_id", "kind"),
        sa.Index("ix_alert_state", "state"),
    )

    id: int | None = TableField(default=None, primary_key=True)
    account_id: str = TableField(max_length=64)
    campaign_id: str = TableField(max_length=64)
    campaign_name: str = TableField(default="", max_length=500)
    kind: str = TableField(max_length=32)
    source: str = TableField(max_length=16)
    severity: str = TableField(max_length=16)
    state: str = TableField(default="open", max_length=16)
    evidence: dict = TableField(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    data_date: dt.date | None = None
    run_id: str | None = TableField(default=None, max_length=64)
    seen_count: int = 1
    first_seen: dt.datetime = TableField(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    last_seen: dt.datetime = TableField(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    cooldown_until: dt.datetime = TableField(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    acknowledged_at: dt.datetime | None = TableField(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True)
    )
    resolved_at: dt.datetime | None = TableField(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True)
    )
    notified_at: dt.datetime | None = TableField(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True)
    )


class Finding(BaseModel):
    """What a check saw: one problem of one campaign (``campaign_id="*"``: the whole account)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str = Field(min_length=1)
    campaign_id: str = Field(min_length=1)
    campaign_name: str = ""
    kind: str = Field(min_length=1, max_length=32, description="what is wrong (optimizer.alerts.KINDS)")
    severity: Literal["warning", "critical"] = "warning"
    evidence: dict[str, Any] = Field(default_factory=dict, description="the numbers that made the check fire")
    data_date: dt.date | None = Field(None, description="the day the numbers are of")


class Alert(Finding):
    """A stored alert."""

    id: int
    source: str
    state: State
    run_id: str | None = None
    seen_count: int = 1
    first_seen: dt.datetime
    last_seen: dt.datetime
    cooldown_until: dt.datetime
    acknowledged_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    notified_at: dt.datetime | None = None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _alert(row: Any) -> Alert:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    for key in ("first_seen", "last_seen", "cooldown_until", "acknowledged_at", "resolved_at", "notified_at"):
        data[key] = _aware(data[key])
    return Alert(**data)


_T = AlertRow.__table__


def record_findings(
    engine: Engine,
    findings: Iterable[Finding],
    *,
    source: Source,
    now: dt.datetime,
    cooldown: dt.timedelta,
    run_id: str | None = None,
    checked: Sequence[str] | None = None,
) -> list[Alert]:
    """Store ``findings``; return the alerts that are new (the ones to notify).

    ``checked``: the account ids whose ``source`` checks ran completely; their
    open or acknowledged alerts of that source that did not fire again are
    resolved (the problem went away).
    """
    findings = list(findings)
    new_ids: list[int] = []
    fired: set[tuple[str, str, str]] = set()
    with engine.begin() as conn:
        for f in findings:
            key = (f.account_id, f.campaign_id, f.kind)
            if key in fired:
                continue
            fired.add(key)
            latest = conn.execute(
                sa.select(_T)
                .where(_T.c.account_id == f.account_id, _T.c.campaign_id == f.campaign_id, _T.c.kind == f.kind)
                .order_by(_T.c.id.desc())
                .limit(1)
            ).first()
            seen = {"last_seen": now, "evidence": f.evidence, "data_date": f.data_date, "severity": f.severity}
            if latest is not None and (latest.state != "resolved" or (_aware(latest.cooldown_until) or now) > now):
                reopen = {"state": "open", "resolved_at": None} if latest.state == "resolved" else {}
                conn.execute(
                    sa.update(_T).where(_T.c.id == latest.id).values(**seen, **reopen, seen_count=latest.seen_count + 1)
                )
                continue
            result = conn.execute(
                sa.insert(_T).values(
                    account_id=f.account_id,
                    campaign_id=f.campaign_id,
                    campaign_name=f.campaign_name,
                    kind=f.kind,
                    source=source,
                    state="open",
                    run_id=run_id,
                    seen_count=1,
                    first_seen=now,
                    cooldown_until=now + cooldown,
                    **seen,
                )
            )
            inserted = result.inserted_primary_key
            assert inserted is not None
            new_ids.append(int(inserted[0]))
        if checked:
            stale = conn.execute(
                sa.select(_T.c.id, _T.c.account_id, _T.c.campaign_id, _T.c.kind).where(
                    _T.c.source == source, _T.c.state != "resolved", _T.c.account_id.in_(list(checked))
                )
            ).all()
            gone = [r.id for r in stale if (r.account_id, r.campaign_id, r.kind) not in fired]
            if gone:
                conn.execute(sa.update(_T).where(_T.c.id.in_(gone)).values(state="resolved", resolved_at=now))
        rows = conn.execute(sa.select(_T).where(_T.c.id.in_(new_ids)).order_by(_T.c.id)).all() if new_ids else []
    return [_alert(r) for r in rows]


def list_alerts(
    engine: Engine, *, open_only: bool = False, account_id: str | None = None, unnotified: bool = False
) -> list[Alert]:
    """Alerts, newest first; ``open_only``: open or acknowledged; ``unnotified``: not yet taken by every bot."""
    query = sa.select(_T).order_by(_T.c.id.desc())
    if open_only:
        query = query.where(_T.c.state != "resolved")
    if account_id is not None:
        query = query.where(_T.c.account_id == account_id)
    if unnotified:
        query = query.where(_T.c.notified_at.is_(None), _T.c.state == "open")
    with engine.connect() as conn:
        return [_alert(r) for r in conn.execute(query)]


def _set_state(engine: Engine, alert_id: int, state: State, column: str, now: dt.datetime) -> Alert:
    from connectors.errors import InputError, Problem

    with engine.begin() as conn:
        row = conn.execute(sa.select(_T).where(_T.c.id == alert_id)).first()
        if row is None:
            raise InputError(Problem("command line", f"no alert with id {alert_id}"))
        conn.execute(sa.update(_T).where(_T.c.id == alert_id).values(state=state, **{column: now}))
        return _alert(conn.execute(sa.select(_T).where(_T.c.id == alert_id)).one())


def acknowledge_alert(engine: Engine, alert_id: int, *, now: dt.datetime | None = None) -> Alert:
    """A person has seen alert ``alert_id``: the campaign leaves forced review. ``InputError`` if unknown."""
    return _set_state(engine, alert_id, "acknowledged", "acknowledged_at", now or utc_now())


def resolve_alert(engine: Engine, alert_id: int, *, now: dt.datetime | None = None) -> Alert:
    """Close alert ``alert_id`` by hand (its cooldown still holds back a repeat)."""
    return _set_state(engine, alert_id, "resolved", "resolved_at", now or utc_now())


def mark_notified(engine: Engine, alert_ids: Iterable[int], *, now: dt.datetime) -> None:
    ids = list(alert_ids)
    if ids:
        with engine.begin() as conn:
            conn.execute(sa.update(_T).where(_T.c.id.in_(ids)).values(notified_at=now))


def open_campaigns(engine: Engine, account_id: str) -> dict[str, list[str]]:
    """Campaign id -> kinds of its ``open`` alerts (acknowledged ones are not forced to review)."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for r in conn.execute(
            sa.select(_T.c.campaign_id, _T.c.kind).where(_T.c.account_id == account_id, _T.c.state == "open")
        ):
            out.setdefault(r.campaign_id, []).append(r.kind)
    return out
