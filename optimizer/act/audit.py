"""The audit log of changes sent to ad platforms (the ``change_log`` table).

Every change ``optimizer.act.apply`` sends is recorded here *before* the call and
settled *after* it. One row per ``change_key`` =
``"{account_id}:{campaign_id}:{field}:{effective_date}"`` (UNIQUE), so one
field of one campaign changes at most once per effective date, however often
the job runs.

Row states::

    pending     recorded, the call is under way or its outcome is unknown
                (a crash, or a retriable error that outlived the connector's
                own retries); the next run reads the platform back and settles it
    confirmed   the platform took the change and reads back the new value
    failed      the platform refused it, or reads back something else
                (``error`` says why); a later run may send it again

Values (``before`` / ``after``) are text: money with 2 decimals (``"500.00"``),
status as ``active`` / ``paused``, ``None`` for "no cap".

``read_log`` is what ``spendopt audit`` prints; ``reconcile`` settles pending
rows left by an interrupted run by reading the platform back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, overload

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import CampaignState, Connector
from connectors.clock import utc_now
from connectors.errors import ConnectorError
from optimizer.store.tables import ChangeLog

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = [
    "AUDIT_COLUMNS",
    "ChangeField",
    "ChangeRecord",
    "ChangeState",
    "Outcome",
    "audit_frame",
    "change_key",
    "platform_value",
    "read_log",
    "reconcile",
    "record_pending",
    "settle",
    "settle_from_states",
    "settle_many",
    "value_text",
    "write_audit_csv",
]

ChangeState = Literal["pending", "confirmed", "failed"]
ChangeField = Literal["budget", "bid", "status"]

AUDIT_COLUMNS: tuple[str, ...] = (
    "created_at",
    "run_id",
    "effective_date",
    "account_id",
    "campaign_id",
    "field",
    "before",
    "after",
    "state",
    "request_id",
    "error",
    "reason",
    "confirmed_at",
)
"""Columns of ``audit_frame`` (and of ``spendopt audit``), in order."""

_TABLE = ChangeLog.__table__
_CENT = Decimal("0.01")


def change_key(account_id: str, campaign_id: str, field: str, effective_date: dt.date) -> str:
    """The exactly-once key: one change per field, campaign and effective date."""
    return f"{account_id}:{campaign_id}:{field}:{effective_date.isoformat()}"


@overload
def value_text(value: Decimal | str) -> str: ...
@overload
def value_text(value: Decimal | str | None) -> str | None: ...
def value_text(value: Decimal | str | None) -> str | None:
    """Canonical text of a value: money with 2 decimals, status as is, ``None`` for no cap."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.quantize(_CENT):.2f}"
    return str(value)


def platform_value(state: CampaignState, field: str) -> str | None:
    """The value of ``field`` the platform has now, as ``value_text``.

    ``learning`` counts as ``active``: a campaign in its learning phase delivers.
    """
    if field == "budget":
        return value_text(state.budget)
    if field == "bid":
        return value_text(state.bid)
    if field == "status":
        return "paused" if state.status == "paused" else "active"
    raise ValueError(f"unknown field {field!r}")


class ChangeRecord(BaseModel):
    """One row of the audit log, as the rest of the code sees it."""

    model_config = ConfigDict(frozen=True)

    change_key: str
    run_id: str
    account_id: str
    campaign_id: str
    effective_date: dt.date
    field: ChangeField
    before: str | None = Field(None, description="value before the change; None = no cap")
    after: str = Field(description="value asked for")
    reason: str = ""
    state: ChangeState
    request_id: str | None = Field(None, description="the platform's request id of the call")
    error: str | None = None
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = None


def _record(row: sa.Row) -> ChangeRecord:
    data = dict(row._mapping)
    data.pop("id", None)
    return ChangeRecord(**data)


def load_records(engine: Engine, keys: Iterable[str]) -> dict[str, ChangeRecord]:
    """The existing rows for ``keys``, by key."""
    keys = list(dict.fromkeys(keys))
    out: dict[str, ChangeRecord] = {}
    with engine.connect() as conn:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for row in conn.execute(sa.select(_TABLE).where(_TABLE.c.change_key.in_(chunk))):
                rec = _record(row)
                out[rec.change_key] = rec
    return out


def _insert_new(conn: sa.Connection, values: dict) -> bool:
    """Insert one row unless its change_key exists (also when a concurrent run just inserted it)."""
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        insert = sqlite.insert if name == "sqlite" else postgresql.insert
        stmt = insert(_TABLE).values(**values).on_conflict_do_nothing(index_elements=["change_key"])
        # rowcount is not reliable here (psycopg answers -1 with RETURNING): ask for the new row's id
        return conn.execute(stmt.returning(_TABLE.c.id)).first() is not None
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(_TABLE).values(**values))
    except sa.exc.IntegrityError:
        return False
    return True


def record_pending(engine: Engine, rows: Sequence[dict], now: dt.datetime) -> list[str]:
    """Record ``rows`` (change_log columns) as pending before their call; returns the keys claimed.

    One transaction, committed before the call. A new key is inserted unless
    a concurrent run inserted it first (the UNIQUE key: that run owns it). A
    failed row with the same key is taken over (new run id, values and reason,
    error cleared) only if nobody changed it since it was read (optimistic: the
    update is conditional on the state and run id seen). A pending row is never
    taken over (its call may be in flight: reconcile settles it first), nor a
    confirmed one.
    """
    claimed: list[str] = []
    keys = [row["change_key"] for row in rows]
    with engine.begin() as conn:
        seen = {}
        for start in range(0, len(keys), 500):
            query = sa.select(_TABLE.c.change_key, _TABLE.c.state, _TABLE.c.run_id).where(
                _TABLE.c.change_key.in_(keys[start : start + 500])
            )
            seen.update({r.change_key: r for r in conn.execute(query)})
        for row in rows:
            key = row["change_key"]
            values = {**row, "state": "pending", "error": None, "request_id": None, "confirmed_at": None}
            old = seen.get(key)
            if old is None:
                if _insert_new(conn, {**values, "created_at": now}):
                    claimed.append(key)
                continue
            if old.state != "failed":
                continue  # confirmed: done; pending: another run's call may be in flight (reconcile settles it)
            taken = conn.execute(
                sa.update(_TABLE)
                .where(_TABLE.c.change_key == key, _TABLE.c.state == old.state, _TABLE.c.run_id == old.run_id)
                .values(**{k: v for k, v in values.items() if k != "change_key"})
            ).rowcount
            if taken:
                claimed.append(key)
    return claimed


def settle(
    engine: Engine,
    key: str,
    state: ChangeState,
    now: dt.datetime,
    *,
    request_id: str | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of a change: confirmed, failed, or still pending (with the error)."""
    settle_many(engine, [Outcome(key, state, request_id, error)], now)


class Outcome(NamedTuple):
    """What to record for one change after its call."""

    key: str
    state: ChangeState
    request_id: str | None = None
    error: str | None = None


def settle_many(engine: Engine, outcomes: Sequence[Outcome], now: dt.datetime) -> None:
    """Record several outcomes in one transaction."""
    if not outcomes:
        return
    with engine.begin() as conn:
        for o in outcomes:
            values: dict = {"state": o.state, "error": o.error[:2000] if o.error else None}
            if o.request_id is not None:
                values["request_id"] = o.request_id[:128]
            if o.state == "confirmed":
                values["confirmed_at"] = now
            conn.execute(sa.update(_TABLE).where(_TABLE.c.change_key == o.key).values(**values))


def read_log(
    engine: Engine,
    *,
    run_id: str | None = None,
    account_id: str | None = None,
    campaign_id: str | None = None,
    effective_date: dt.date | None = None,
    state: ChangeState | None = None,
) -> list[ChangeRecord]:
    """Audit rows matching every filter given, oldest first."""
    query = sa.select(_TABLE)
    for column, value in (
        ("run_id", run_id),
        ("account_id", account_id),
        ("campaign_id", campaign_id),
        ("effective_date", effective_date),
        ("state", state),
    ):
        if value is not None:
            query = query.where(_TABLE.c[column] == value)
    query = query.order_by(_TABLE.c.created_at, _TABLE.c.id)
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(query)]


def audit_frame(records: Sequence[ChangeRecord]) -> pd.DataFrame:
    """``records`` as a table with ``AUDIT_COLUMNS`` (ids and values as text)."""
    import pandas as pd

    data = {c: [getattr(r, c) for r in records] for c in AUDIT_COLUMNS}
    return pd.DataFrame(data, columns=list(AUDIT_COLUMNS), dtype=object)


def write_audit_csv(records: Sequence[ChangeRecord], path: Path | str) -> Path:
    """Write ``records`` as CSV (UTF-8 with BOM, ``AUDIT_COLUMNS``) for Excel/WPS; atomically.

    Ids and values are text; a cell that would start a spreadsheet formula gets a leading apostrophe.
    """
    import csv
    import os
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(AUDIT_COLUMNS)
            for rec in records:
                writer.writerow([_csv_cell(getattr(rec, c)) for c in AUDIT_COLUMNS])
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo else value.isoformat(sep=" ")
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def settle_from_states(
    engine: Engine, records: Sequence[ChangeRecord], states: dict[str, CampaignState], now: dt.datetime
) -> list[Outcome]:
    """Settle pending ``records`` of one account against the platform's ``states`` (by campaign id).

    The platform shows ``after`` -> confirmed (the call went through before the
    run died); it shows ``before`` -> failed ("did not take effect"; a later
    apply may send it again); anything else -> failed, naming what it shows.
    """
    outcomes = []
    for rec in records:
        state = states.get(rec.campaign_id)
        if state is None:
            outcomes.append(Outcome(rec.change_key, "failed", None, "the campaign is no longer on the platform"))
            continue
        shown = platform_value(state, rec.field)
        if shown == rec.after:
            outcomes.append(Outcome(rec.change_key, "confirmed"))
        elif shown == rec.before:
            outcomes.append(
                Outcome(
                    rec.change_key,
                    "failed",
                    None,
                    f"not applied (did not take effect): the platform still shows {shown}",
                )
            )
        else:
            outcomes.append(
                Outcome(rec.change_key, "failed", None, f"the platform shows {shown}, expected {rec.after}")
            )
    settle_many(engine, outcomes, now)
    return outcomes


def reconcile(
    engine: Engine,
    connector: Connector,
    *,
    account_id: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    own_runs: Iterable[str] = (),
) -> list[ChangeRecord]:
    """Settle the pending rows (of ``account_id``, or all) by reading the platform back.

    See ``settle_from_states``. Rows of a run holding a live lease (other than
    ``own_runs``) are left alone: their call may be in flight. Accounts whose
    campaigns cannot be listed are left pending. Returns the rows settled, as
    they are now.
    """
    from optimizer.store.lease import live_run_ids

    live = live_run_ids(engine, now=clock()) - set(own_runs)
    pending = [r for r in read_log(engine, account_id=account_id, state="pending") if r.run_id not in live]
    by_account: dict[str, list[ChangeRecord]] = {}
    for rec in pending:
        by_account.setdefault(rec.account_id, []).append(rec)
    settled: list[str] = []
    for account, records in by_account.items():
        try:
            states = {s.campaign_id: s for s in connector.list_campaigns(account)}
        except ConnectorError:
            continue
        settled.extend(o.key for o in settle_from_states(engine, records, states, clock()))
    found = load_records(engine, settled)
    return [found[k] for k in settled if k in found]
