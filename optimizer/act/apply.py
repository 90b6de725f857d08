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

Reconcile first: before planning, every pending row earlier runs left for
this account is settled against the same read of the platform (confirmed when
it shows ``after``; failed "not applied" when it still shows ``before``;
failed naming what it shows otherwise), except rows of a run that holds a live
lease (its call may be in flight). A pending row is never taken over; a failed
one is, when the platform still shows its ``before``.

Unattended rows (``total_limit``): cuts go first and a raise goes only when cuts
already applied fund it, so the account's budget total stays within the limit
after every call. A field that did move today (a failed row the platform took
anyway) moves again only within ``step_pct`` of its start-of-day value.

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
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

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
            for o in ("planned", "confirmed", "already_applied", "not_applied", "failed", "pending", "skipped")
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
        *,
        guard: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.connector, self.run_id = engine, connector, run_id
        self.effective_date, self.clock, self.guard = effective_date, clock, guard
        self.results: list[ItemResult] = []
        self.auth_error: str | None = None

    def skip(self, change: PlannedChange, message: str) -> None:
        self._result(change, "skipped", message)

    def _result(
        self, change: PlannedChange, outcome: Outcome, message: str = "", request_id: str | None = None
    ) -> None:
        self.results.append(ItemResult.for_change(change, outcome, message, request_id))

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
        if self.guard is not None:
            self.guard()
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
        if self.guard is not None:
            self.guard()  # the run still owns its key (raises when it lost it: nothing is sent)
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


def _settle_earlier(
    engine: Engine, account_id: str, states: dict[str, CampaignState], run_id: str, now: dt.datetime
) -> list[ItemResult]:
    """Reconcile first: settle the pending rows earlier runs left for this account by the platform's read.

    Rows of a run that still holds a live lease (``optimizer.store.lease``) are
    left alone: their call may be in flight.
    """
    from optimizer.store.lease import live_run_ids

    live = live_run_ids(engine, now=now) - {run_id}
    leftovers = [r for r in audit.read_log(engine, account_id=account_id, state="pending") if r.run_id not in live]
    outcomes = {o.key: o for o in audit.settle_from_states(engine, leftovers, states, now)}
    return [
        ItemResult(
            account_id=r.account_id,
            campaign_id=r.campaign_id,
            field=r.field,
            before=r.before,
            after=r.after,
            outcome=_settled_outcome(outcomes[r.change_key]),
            message=f"left pending by run {r.run_id} for {r.effective_date}: "
            + (outcomes[r.change_key].error or "the platform shows it: confirmed by read-back"),
        )
        for r in leftovers
    ]


def _settled_outcome(outcome: audit.Outcome) -> Outcome:
    """A settled row as an item: "not applied" (the platform still shows before) is a fact, not a failure."""
    if outcome.state == "failed" and (outcome.error or "").startswith("not applied"):
        return "not_applied"
    return outcome.state


class _TotalKeeper:
    """Unattended budget changes keep the account's budget total within ``limit`` after every call.

    Cuts go first; a raise goes only when the cuts already confirmed fund it.
    ``total`` counts the budgets of capped campaigns that are not paused; a
    raise whose outcome is unknown (pending) stays counted, a refused one is
    taken back. A first cap on an uncapped campaign only lowers what it may
    spend: it is sent with the cuts and counts nothing.
    """

    def __init__(self, total: Decimal, limit: Decimal) -> None:
        self.total, self.limit = total, limit

    @classmethod
    def for_account(cls, states: dict[str, CampaignState], limit: Decimal | str) -> _TotalKeeper:
        total = sum((s.budget for s in states.values() if s.budget is not None and s.status != "paused"), Decimal(0))
        return cls(total, total if limit == "today" else Decimal(str(limit)))

    def send(self, sender: _Sender, changes: Sequence[PlannedChange]) -> set[str]:
        def delta(c: PlannedChange) -> Decimal:
            return Decimal(c.after) - Decimal(c.before) if c.before is not None else Decimal(0)

        cuts = [c for c in changes if delta(c) <= 0]
        ok = sender.send(cuts)
        self.total += sum((delta(c) for c in cuts if c.campaign_id in ok), Decimal(0))
        funded = []
        for change in (c for c in changes if delta(c) > 0):
            if self.total + delta(change) > self.limit:
                sender.skip(
                    change,
                    f"not sent: a raise goes only when cuts already applied fund it (total {self.total:.2f} "
                    f"+ {delta(change):.2f} would pass {self.limit:.2f})",
                )
                continue
            funded.append(change)
            self.total += delta(change)
        went = sender.send(funded)
        failed = {(r.campaign_id, r.field) for r in sender.results if r.outcome in ("failed", "skipped")}
        self.total -= sum(
            (delta(c) for c in funded if c.campaign_id not in went and (c.campaign_id, c.field) in failed), Decimal(0)
        )
        return ok | went


def _beyond_step(
    change: PlannedChange, log: dict[str, audit.ChangeRecord], step_pct: Mapping[str, float] | None
) -> str | None:
    """Why a second move of a field on one day goes too far (None if it does not).

    A field whose earlier change today did reach the platform (logged failed, the
    platform moved anyway) moves again only within the step of its start-of-day value.
    """
    rec = log.get(change.change_key)
    if step_pct is None or rec is None or change.field not in step_pct or rec.before is None:
        return None
    start = Decimal(rec.before)
    if start <= 0 or change.before == rec.before:
        return None
    pct = abs(Decimal(change.after) - start) / start * 100
    if pct > Decimal(str(step_pct[change.field])) + Decimal("0.001"):
        return (
            f"not sent: {change.field} already moved today ({rec.before} -> {change.before}); {change.after} is "
            f"{pct:.1f}% from its start-of-day value, more than the {step_pct[change.field]:g}% step"
        )
    return None


def _dry_items(to_confirm: list[PlannedChange], queues: list[list[PlannedChange]]) -> list[ItemResult]:
    items = [
        ItemResult.for_change(c, "planned", "would be confirmed by read-back (not sent again)") for c in to_confirm
    ]
    items.extend(ItemResult.for_change(c, "planned", c.reason) for queue in queues for c in queue)
    return items


def _unique_rows(account_id: str, rows: list[RowToApply]) -> tuple[list[RowToApply], list[ItemResult]]:
    unique: dict[str, RowToApply] = {}
    skipped = []
    for row in rows:
        if row.campaign_id in unique:
            skipped.append(
                ItemResult(
                    account_id=account_id,
                    campaign_id=row.campaign_id,
                    outcome="skipped",
                    message="the campaign appears twice in the rows; only the first is applied",
                )
            )
        else:
            unique[row.campaign_id] = row
    return list(unique.values()), skipped


class _Options(NamedTuple):
    run_id: str
    effective_date: dt.date
    dry_run: bool
    clock: Callable[[], dt.datetime]
    total_limit: Decimal | str | None
    step_pct: Mapping[str, float] | None
    guard: Callable[[], None] | None


def _apply_account(
    engine: Engine, connector: Connector, account_id: str, rows: list[RowToApply], opt: _Options
) -> list[ItemResult]:
    account_rows, items = _unique_rows(account_id, rows)
    try:
        states = {s.campaign_id: s for s in connector.list_campaigns(account_id)}
    except ConnectorError as exc:
        return items + [
            ItemResult(
                account_id=account_id,
                campaign_id=r.campaign_id,
                outcome="skipped",
                message=f"could not read the campaigns from the platform: {exc}",
            )
            for r in account_rows
        ]
    settled: set[tuple[str, str | None]] = set()
    if not opt.dry_run:
        earlier = _settle_earlier(engine, account_id, states, opt.run_id, opt.clock())
        items.extend(earlier)
        settled = {(i.campaign_id, i.field) for i in earlier if i.outcome == "confirmed"}
    keys = [
        audit.change_key(account_id, r.campaign_id, f, opt.effective_date)
        for r in account_rows
        for f in ("budget", "bid", "status")
    ]
    log = audit.load_records(engine, keys)
    queues: list[list[PlannedChange]] = []
    to_confirm: list[PlannedChange] = []
    for row in account_rows:
        send, known, confirm = plan_campaign(row, states.get(row.campaign_id), log, opt.effective_date)
        items.extend(k for k in known if not (k.outcome == "already_applied" and (k.campaign_id, k.field) in settled))
        to_confirm.extend(confirm)
        if send:
            queues.append(send)
    if opt.dry_run:
        return items + _dry_items(to_confirm, queues)
    sender = _Sender(engine, connector, opt.run_id, opt.effective_date, opt.clock, guard=opt.guard)
    sender.confirm_unsent(to_confirm)
    keeper = _TotalKeeper.for_account(states, opt.total_limit) if opt.total_limit is not None else None
    phase = 0
    while queues:
        current = [q[phase] for q in queues if phase < len(q)]
        if not current:
            break
        went_through: set[str] = set()
        for change in current:
            why = _beyond_step(change, log, opt.step_pct)
            if why:
                sender.skip(change, why)
        current = [c for c in current if not _beyond_step(c, log, opt.step_pct)]
        for kind in ("budget", "bid", "status"):
            batch = [c for c in current if c.field == kind]
            went_through |= keeper.send(sender, batch) if kind == "budget" and keeper else sender.send(batch)
        blocked = [q for q in queues if phase < len(q) and q[phase].campaign_id not in went_through]
        blocked_ids = {id(q) for q in blocked}
        for queue in blocked:
            for change in queue[phase + 1 :]:
                sender.skip(change, f"not sent: the {queue[phase].field} change before it did not go through")
        queues = [q for q in queues if id(q) not in blocked_ids]
        phase += 1
    return items + sender.results


def apply_changes(
    engine: Engine,
    connector: Connector,
    rows: pd.DataFrame,
    *,
    run_id: str,
    effective_date: dt.date,
    dry_run: bool = False,
    clock: Callable[[], dt.datetime] = audit.utc_now,
    total_limit: Decimal | str | None = None,
    step_pct: Mapping[str, float] | None = None,
    guard: Callable[[], None] | None = None,
) -> ApplyReport:
    """Send the changes ``rows`` ask for, exactly once, recording each in the audit log.

    ``rows``: recommendation rows (contract columns; ``decision``, ``approved``
    and ``reason`` optional), one per campaign. Returns one ``ItemResult`` per
    change (or per skipped campaign). See the module docstring for the rules.

    ``total_limit``: keep each account's budget total within this amount after
    every call (``"today"``: today's total), for rows nobody reviewed;
    ``step_pct``: ``{"budget": pct, "bid": pct}``, the step a field that already
    moved today may not leave; ``guard``: called before every call (the run's
    lease check: it raises when the run lost its key).
    """
    parsed = plan_rows(rows)
    by_account: dict[str, list[RowToApply]] = defaultdict(list)
    for row in parsed:
        by_account[row.account_id].append(row)
    opt = _Options(run_id, effective_date, dry_run, clock, total_limit, step_pct, guard)
    items: list[ItemResult] = []
    for account_id, account_rows in by_account.items():
        items.extend(_apply_account(engine, connector, account_id, account_rows, opt))
    return ApplyReport(run_id=run_id, effective_date=effective_date, dry_run=dry_run, items=tuple(items))
