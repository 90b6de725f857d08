"""Sending planned changes: each recorded before its call and settled after it.

``Sender`` sends one kind of change for one account (one connector call; the
connector splits it into the platform's batch sizes) and records the outcome
of every item in the audit log; ``send_queues`` sends each campaign's changes in
phases (a change that did not go through stops its campaign's queue);
``TotalKeeper`` keeps an account's budget total within a limit after every call
(cuts first, raises only when applied cuts fund them); ``beyond_step`` refuses a
second move of a field that goes past the step of its start-of-day value. The
rules are in ``optimizer.act.apply``'s docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from connectors.base import CampaignState, Connector, WriteResult
from connectors.errors import AuthError, ConnectorError, FatalError, RetriableError
from optimizer.act import audit
from optimizer.act.plan_changes import ItemResult, Outcome, PlannedChange, money_value

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["Sender", "TotalKeeper", "beyond_step", "send_queues"]


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


class Sender:
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
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.engine, self.connector, self.run_id = engine, connector, run_id
        self.effective_date, self.clock, self.guard, self.stop = effective_date, clock, guard, stop
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
        if self.stop is not None and self.stop():  # SIGTERM: the call before this one was settled; send no more
            for change in changes:
                self._result(change, "skipped", "not sent: the run was asked to stop (SIGTERM)")
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


class TotalKeeper:
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
    def for_account(cls, states: dict[str, CampaignState], limit: Decimal | str) -> TotalKeeper:
        total = sum((s.budget for s in states.values() if s.budget is not None and s.status != "paused"), Decimal(0))
        return cls(total, total if limit == "today" else Decimal(str(limit)))

    def send(self, sender: Sender, changes: Sequence[PlannedChange]) -> set[str]:
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


def beyond_step(
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


def send_queues(
    sender: Sender,
    queues: list[list[PlannedChange]],
    *,
    keeper: TotalKeeper | None = None,
    log: dict[str, audit.ChangeRecord] | None = None,
    step_pct: Mapping[str, float] | None = None,
) -> None:
    """Send each campaign's queue of changes in phases; a change that did not go through stops its queue."""
    log = log or {}
    phase = 0
    while queues:
        current = [q[phase] for q in queues if phase < len(q)]
        if not current:
            break
        went_through: set[str] = set()
        for change in current:
            why = beyond_step(change, log, step_pct)
            if why:
                sender.skip(change, why)
        current = [c for c in current if not beyond_step(c, log, step_pct)]
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
