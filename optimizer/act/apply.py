"""Apply recommendations to the ad platform, exactly once, with an audit trail.

``apply_changes(engine, connector, rows, run_id=..., effective_date=...)``
turns recommendation rows (data contract section 2; only the rows to apply)
into platform changes and sends them through the connector:

* ``increase`` / ``decrease`` / ``hold``: a ``BudgetChange`` where
  ``recommended_budget`` differs from ``current_budget``, a ``BidChange`` where
  ``recommended_bid`` differs from ``current_bid`` (never for ``bid_type none``);
* ``pause``: a ``StatusChange`` to ``paused`` (the budget stays as it is);
* ``resume``: the budget and bid changes, then a ``StatusChange`` to
  ``active``, and only for rows a reviewer approved: a campaign a person paused
  is never resumed automatically.

Order within a campaign keeps ``bid <= budget`` true after every call: with
current ``(B0, b0)`` and target ``(B1, b1)`` the budget goes first when
``b0 <= B1`` (raising a CPA bid above today's budget), else the bid goes first
(lowering the budget below today's bid). One of the two orders is always safe
when both ends are valid. Changes are sent in phases (every campaign's first
change, then every second one ...), one connector call per account, kind and
phase; the connector splits calls into the platform's batch sizes. A campaign
whose earlier change did not go through gets no later one.

Guards, each a skip with its reason (nothing is sent for that campaign):
rejected or not-yet-approved review rows, campaigns missing from or excluded by
the platform, and campaigns whose platform budget, bid or status no longer
matches the row's ``current_*`` ("changed on the platform since the
recommendation"). A campaign in its learning phase keeps its bid unless a
reviewer approved the row (docs/qianchuan.md 4.4/4.5: a bid edit restarts learning
and can forfeit the cost guarantee); its budget change still goes.

Pending rows that earlier runs left for this account and that this run does
not plan again are settled first, against the same read of the platform.

Exactly-once (``optimizer.act.audit``): before a call each change gets a pending
``change_log`` row under ``change_key``. A confirmed key is never sent again.
A pending key (a crash between record and confirm) is first compared with the
platform: showing ``after`` already -> confirmed without sending; showing
``before`` -> sent once more. After the call: ``ok`` and the platform reads
back ``after`` -> confirmed (with the request id); refused, or reading back
something else -> failed with the reason. ``PlatformRuleError`` / ``FatalError``
fail their items and the rest go on; a ``RetriableError`` that outlived the
connector's retries leaves its items pending for the next run to settle.

``dry_run=True`` plans the same way, reading the platform and the log, but
writes nothing: no ``change_log`` rows and no update calls.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from connectors.base import CampaignState, Connector, WriteResult
from connectors.errors import AuthError, ConnectorError, FatalError, RetriableError
from optimizer.act import audit
from optimizer.act.plan_changes import (
    DRIFT,
    REQUIRED_COLUMNS,
    ItemResult,
    Outcome,
    PlannedChange,
    RowToApply,
    money_value,
    plan_campaign,
    plan_rows,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = ["DRIFT", "REQUIRED_COLUMNS", "ApplyReport", "ItemResult", "Outcome", "PlannedChange", "apply_changes"]


class ApplyReport(BaseModel):
    """Everything ``apply_changes`` did (or, in a dry run, would do), item by item."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    effective_date: dt.date
    dry_run: bool
    items: tuple[ItemResult, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    def by_outcome(self, outcome: Outcome) -> list[ItemResult]:
        return [item for item in self.items if item.outcome == outcome]

    @property
    def ok(self) -> bool:
        """No change failed and none is left pending."""
        return not any(item.outcome in ("failed", "pending") for item in self.items)

    def summary(self) -> str:
        parts = [
            f"{self.count(o)} {o.replace('_', ' ')}"
            for o in ("planned", "confirmed", "already_applied", "failed", "pending", "skipped")
            if self.count(o)
        ]
        return ", ".join(parts) or "nothing to apply"


# --- sending ------------------------------------------------------------------


def _row_for_log(change: PlannedChange, run_id: str, effective_date: dt.date) -> dict:
    return {
        "change_key": change.change_key,
        "run_id": run_id,
        "account_id": change.account_id,
        "campaign_id": change.campaign_id,
        "effective_date": effective_date,
        "field": change.field,
        "before": change.before,
        "after": change.after,
        "reason": change.reason[:2000],
    }


class _Sender:
    """Sends planned changes for one account, recording each before and after its call."""

    def __init__(
        self,
        engine: Engine,
        connector: Connector,
        run_id: str,
        effective_date: dt.date,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.engine, self.connector, self.run_id = engine, connector, run_id
        self.effective_date, self.clock = effective_date, clock
        self.results: list[ItemResult] = []
        self.auth_error: str | None = None

    def _result(
        self, change: PlannedChange, outcome: Outcome, message: str = "", request_id: str | None = None
    ) -> None:
        self.results.append(_change_item(change, outcome, message, request_id))

    def confirm_unsent(self, changes: Sequence[PlannedChange]) -> None:
        audit.settle_many(self.engine, [audit.Outcome(c.change_key, "confirmed") for c in changes], self.clock())
        for change in changes:
            self._result(
                change, "confirmed", "an earlier run's call had gone through: confirmed by read-back, not sent again"
            )

    def send(self, changes: Sequence[PlannedChange]) -> set[str]:
        """Send one kind of change for one account; returns the campaign ids whose change went through."""
        if not changes:
            return set()
        if self.auth_error is not None:
            for change in changes:
                self._result(change, "skipped", f"not sent: {self.auth_error}")
            return set()
        claimed = set(
            audit.record_pending(
                self.engine, [_row_for_log(c, self.run_id, self.effective_date) for c in changes], self.clock()
            )
        )
        mine = [c for c in changes if c.change_key in claimed]
        for change in changes:
            if change.change_key not in claimed:
                self._result(change, "skipped", "another run recorded this change first")
        if not mine:
            return set()
        try:
            answers = self._call(mine)
        except RetriableError as exc:
            audit.settle_many(
                self.engine, [audit.Outcome(c.change_key, "pending", None, str(exc)) for c in mine], self.clock()
            )
            for change in mine:
                self._result(change, "pending", f"outcome unknown, the next run settles it: {exc}", exc.request_id)
            return set()
        except FatalError as exc:
            if len(mine) == 1 or isinstance(exc, AuthError):
                return self._fail_all(mine, exc)
            return self._one_by_one(mine)
        return self._settle(mine, answers)

    def _call(self, changes: Sequence[PlannedChange]) -> list[WriteResult]:
        kind = changes[0].field
        batch = [c.to_change() for c in changes]
        if kind == "budget":
            return self.connector.update_budgets(batch)  # type: ignore[arg-type]
        if kind == "bid":
            return self.connector.update_bids(batch)  # type: ignore[arg-type]
        return self.connector.update_status(batch)  # type: ignore[arg-type]

    def _fail_all(self, changes: Sequence[PlannedChange], exc: ConnectorError) -> set[str]:
        if isinstance(exc, AuthError):
            self.auth_error = str(exc)
        for change in changes:
            audit.settle(
                self.engine, change.change_key, "failed", self.clock(), error=str(exc), request_id=exc.request_id
            )
            self._result(change, "failed", str(exc), exc.request_id)
        return set()

    def _one_by_one(self, changes: Sequence[PlannedChange]) -> set[str]:
        """A batch was refused as a whole: settle what went through, resend the rest one at a time."""
        shown = self._read_back(changes[0].account_id)
        ok: set[str] = set()
        for change in changes:
            state = shown.get(change.campaign_id) if shown is not None else None
            if state is not None and audit.platform_value(state, change.field) == change.after:
                self.confirm_unsent([change])
                ok.add(change.campaign_id)
                continue
            if self.auth_error is not None:
                audit.settle(self.engine, change.change_key, "failed", self.clock(), error=self.auth_error)
                self._result(change, "failed", self.auth_error)
                continue
            try:
                answers = self._call([change])
            except RetriableError as exc:
                audit.settle(self.engine, change.change_key, "pending", self.clock(), error=str(exc))
                self._result(change, "pending", f"outcome unknown, the next run settles it: {exc}", exc.request_id)
                continue
            except FatalError as exc:
                self._fail_all([change], exc)
                continue
            ok |= self._settle([change], answers)
        return ok

    def _read_back(self, account_id: str) -> dict[str, CampaignState] | None:
        try:
            return {s.campaign_id: s for s in self.connector.list_campaigns(account_id)}
        except ConnectorError:
            return None

    def _settle(self, changes: Sequence[PlannedChange], answers: Sequence[WriteResult]) -> set[str]:
        by_campaign = {a.change.campaign_id: a for a in answers}
        shown = self._read_back(changes[0].account_id) if any(a.ok for a in answers) else None
        ok: set[str] = set()
        outcomes: list[audit.Outcome] = []
        for change in changes:
            answer = by_campaign.get(change.campaign_id)
            if answer is None:
                outcomes.append(audit.Outcome(change.change_key, "pending", None, "the platform gave no answer for it"))
                self._result(change, "pending", "the platform gave no answer for it; the next run settles it")
                continue
            rid = answer.request_id
            if not answer.ok:
                error = answer.error or "refused by the platform"
                outcomes.append(audit.Outcome(change.change_key, "failed", rid, error))
                self._result(change, "failed", error, rid)
                continue
            state = shown.get(change.campaign_id) if shown is not None else None
            value = audit.platform_value(state, change.field) if state is not None else answer.platform_value
            if state is None and change.field != "status" and value is not None:
                value = audit.value_text(money_value(value))
            if value is not None and value != change.after:
                error = f"the platform reads back {value} after the call, expected {change.after}"
                outcomes.append(audit.Outcome(change.change_key, "failed", rid, error))
                self._result(change, "failed", error, rid)
                continue
            outcomes.append(audit.Outcome(change.change_key, "confirmed", rid))
            self._result(change, "confirmed", "read back" if state is not None else "acknowledged", rid)
            ok.add(change.campaign_id)
        audit.settle_many(self.engine, outcomes, self.clock())
        return ok


def _settle_leftovers(
    engine: Engine, account_id: str, states: dict[str, CampaignState], planned: set[str], now: dt.datetime
) -> list[ItemResult]:
    """Settle pending rows of earlier runs that this run does not plan again (the planned ones are handled inline)."""
    leftovers = [
        r for r in audit.read_log(engine, account_id=account_id, state="pending") if r.change_key not in planned
    ]
    outcomes = {o.key: o for o in audit.settle_from_states(engine, leftovers, states, now)}
    return [
        ItemResult(
            account_id=r.account_id,
            campaign_id=r.campaign_id,
            field=r.field,
            before=r.before,
            after=r.after,
            outcome=outcomes[r.change_key].state,
            message=f"left pending by run {r.run_id} for {r.effective_date}: "
            + (outcomes[r.change_key].error or "the platform shows it: confirmed by read-back"),
        )
        for r in leftovers
    ]


def apply_changes(
    engine: Engine,
    connector: Connector,
    rows: pd.DataFrame,
    *,
    run_id: str,
    effective_date: dt.date,
    dry_run: bool = False,
    clock: Callable[[], dt.datetime] = audit.utc_now,
) -> ApplyReport:
    """Send the changes ``rows`` ask for, exactly once, recording each in the audit log.

    ``rows``: recommendation rows (contract columns; ``decision``, ``approved``
    and ``reason`` optional), one per campaign. Returns one ``ItemResult`` per
    change (or per skipped campaign). See the module docstring for the rules.
    """
    parsed = plan_rows(rows)
    by_account: dict[str, list[RowToApply]] = defaultdict(list)
    for row in parsed:
        by_account[row.account_id].append(row)
    items: list[ItemResult] = []
    for account_id, account_rows in by_account.items():
        account_rows = _first_per_campaign(account_id, account_rows, items)
        try:
            states = {s.campaign_id: s for s in connector.list_campaigns(account_id)}
        except ConnectorError as exc:
            items.extend(
                ItemResult(
                    account_id=account_id,
                    campaign_id=r.campaign_id,
                    outcome="skipped",
                    message=f"could not read the campaigns from the platform: {exc}",
                )
                for r in account_rows
            )
            continue
        keys = [
            audit.change_key(account_id, r.campaign_id, f, effective_date)
            for r in account_rows
            for f in ("budget", "bid", "status")
        ]
        if not dry_run:
            items.extend(_settle_leftovers(engine, account_id, states, set(keys), clock()))
        log = audit.load_records(engine, keys)
        queues: list[list[PlannedChange]] = []
        to_confirm: list[PlannedChange] = []
        for row in account_rows:
            send, known, confirm = plan_campaign(row, states.get(row.campaign_id), log, effective_date)
            items.extend(known)
            to_confirm.extend(confirm)
            if send:
                queues.append(send)
        if dry_run:
            items.extend(_planned_items(to_confirm, queues))
            continue
        sender = _Sender(engine, connector, run_id, effective_date, clock)
        sender.confirm_unsent(to_confirm)
        _send_in_phases(sender, queues)
        items.extend(sender.results)
    return ApplyReport(run_id=run_id, effective_date=effective_date, dry_run=dry_run, items=tuple(items))


def _first_per_campaign(account_id: str, rows: list[RowToApply], items: list[ItemResult]) -> list[RowToApply]:
    """The first row of each campaign; a skipped item in ``items`` for each repeat."""
    unique: dict[str, RowToApply] = {}
    for row in rows:
        if row.campaign_id in unique:
            items.append(
                ItemResult(
                    account_id=account_id,
                    campaign_id=row.campaign_id,
                    outcome="skipped",
                    message="the campaign appears twice in the rows; only the first is applied",
                )
            )
        else:
            unique[row.campaign_id] = row
    return list(unique.values())


def _planned_items(to_confirm: list[PlannedChange], queues: list[list[PlannedChange]]) -> list[ItemResult]:
    """What a dry run reports: every change it would confirm or send."""
    planned = [(c, "would be confirmed by read-back (not sent again)") for c in to_confirm]
    planned += [(c, c.reason) for queue in queues for c in queue]
    return [_change_item(change, "planned", message) for change, message in planned]


def _change_item(change: PlannedChange, outcome: Outcome, message: str, request_id: str | None = None) -> ItemResult:
    return ItemResult(
        account_id=change.account_id,
        campaign_id=change.campaign_id,
        field=change.field,
        before=change.before,
        after=change.after,
        outcome=outcome,
        message=message,
        request_id=request_id,
    )


def _send_in_phases(sender: _Sender, queues: list[list[PlannedChange]]) -> None:
    """Send each campaign's changes in order, one phase at a time; a failed change blocks the rest of its queue."""
    phase = 0
    while queues:
        current = [q[phase] for q in queues if phase < len(q)]
        if not current:
            break
        went_through: set[str] = set()
        for kind in ("budget", "bid", "status"):
            went_through |= sender.send([c for c in current if c.field == kind])
        blocked = [q for q in queues if phase < len(q) and q[phase].campaign_id not in went_through]
        blocked_ids = {id(q) for q in blocked}
        for queue in blocked:
            for change in queue[phase + 1 :]:
                why = f"not sent: the {queue[phase].field} change before it did not go through"
                sender.results.append(_change_item(change, "skipped", why))
        queues = [q for q in queues if id(q) not in blocked_ids]
        phase += 1
