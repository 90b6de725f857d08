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
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, ConfigDict

from connectors.base import CampaignState, Connector
from connectors.errors import ConnectorError
from optimizer.act import audit
from optimizer.act.plan_changes import (
    DRIFT,
    REQUIRED_COLUMNS,
    ItemResult,
    Outcome,
    PlannedChange,
    RowToApply,
    plan_campaign,
    plan_rows,
)
from optimizer.act.send import Sender, TotalKeeper, send_queues

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = [
    "DRIFT",
    "REQUIRED_COLUMNS",
    "ApplyReport",
    "ItemResult",
    "Outcome",
    "PlannedChange",
    "Sender",
    "apply_changes",
    "send_queues",
]


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
    stop: Callable[[], bool] | None = None


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
    sender = Sender(engine, connector, opt.run_id, opt.effective_date, opt.clock, guard=opt.guard, stop=opt.stop)
    sender.confirm_unsent(to_confirm)
    keeper = TotalKeeper.for_account(states, opt.total_limit) if opt.total_limit is not None else None
    send_queues(sender, queues, keeper=keeper, log=log, step_pct=opt.step_pct)
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
    stop: Callable[[], bool] | None = None,
) -> ApplyReport:
    """Send the changes ``rows`` ask for, exactly once, recording each in the audit log.

    ``rows``: recommendation rows (contract columns; ``decision``, ``approved``
    and ``reason`` optional), one per campaign. Returns one ``ItemResult`` per
    change (or per skipped campaign). See the module docstring for the rules.

    ``total_limit``: keep each account's budget total within this amount after
    every call (``"today"``: today's total), for rows nobody reviewed;
    ``step_pct``: ``{"budget": pct, "bid": pct}``, the step a field that already
    moved today may not leave; ``guard``: called before every call (the run's
    lease check: it raises when the run lost its key); ``stop``: asked before every call (SIGTERM):
    once true, no further call is sent and the changes left are skipped, never left pending.
    """
    parsed = plan_rows(rows)
    by_account: dict[str, list[RowToApply]] = defaultdict(list)
    for row in parsed:
        by_account[row.account_id].append(row)
    opt = _Options(run_id, effective_date, dry_run, clock, total_limit, step_pct, guard, stop)
    items: list[ItemResult] = []
    for account_id, account_rows in by_account.items():
        items.extend(_apply_account(engine, connector, account_id, account_rows, opt))
    return ApplyReport(run_id=run_id, effective_date=effective_date, dry_run=dry_run, items=tuple(items))
