"""Turn recommendation rows into the platform changes to send (the first half of apply).

``plan_rows(frame)`` parses the rows; ``plan_campaign(row, state, log, date)``
splits one row into the changes to send (in a safe order), the outcomes known
without sending (skips, already applied) and the pending changes an earlier
run's call already made (to confirm by read-back). The rules are in
``optimizer.act.apply``'s docstring; this module has no side effects.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import BidChange, BudgetChange, CampaignState, Change, StatusChange
from optimizer.act import audit
from optimizer.act.review import parse_approval

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DRIFT",
    "LEARNING",
    "REQUIRED_COLUMNS",
    "ItemResult",
    "Outcome",
    "PlannedChange",
    "RowToApply",
    "desired_changes",
    "money_value",
    "plan_campaign",
    "plan_rows",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "account_id",
    "campaign_id",
    "bid_type",
    "current_budget",
    "recommended_budget",
    "current_bid",
    "recommended_bid",
    "action",
)
DRIFT = "changed on the platform since the recommendation"
LEARNING = (
    "in its learning phase: a bid change restarts learning and can forfeit the cost guarantee "
    "(approve it in review to send it anyway)"
)

Outcome = Literal["confirmed", "failed", "pending", "skipped", "already_applied", "planned", "not_applied"]
_CENT = Decimal("0.01")


class PlannedChange(BaseModel):
    """One field of one campaign to set, as recorded in the audit log."""

    model_config = ConfigDict(frozen=True)

    change_key: str
    account_id: str
    campaign_id: str
    field: audit.ChangeField
    before: str | None = Field(description="value now (text); None = no cap")
    after: str = Field(description="value to set (text)")
    reason: str = ""

    def to_change(self) -> Change:
        if self.field == "budget":
            return BudgetChange(account_id=self.account_id, campaign_id=self.campaign_id, budget=Decimal(self.after))
        if self.field == "bid":
            return BidChange(account_id=self.account_id, campaign_id=self.campaign_id, bid=Decimal(self.after))
        return StatusChange(account_id=self.account_id, campaign_id=self.campaign_id, status=self.after)


class ItemResult(BaseModel):
    """What happened to one change (or to a whole campaign, when ``field`` is None)."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    campaign_id: str
    field: audit.ChangeField | None = None
    before: str | None = None
    after: str | None = None
    outcome: Outcome
    message: str = ""
    request_id: str | None = None

    @classmethod
    def for_change(
        cls, change: PlannedChange, outcome: Outcome, message: str = "", request_id: str | None = None
    ) -> ItemResult:
        return cls(
            account_id=change.account_id,
            campaign_id=change.campaign_id,
            field=change.field,
            before=change.before,
            after=change.after,
            outcome=outcome,
            message=message,
            request_id=request_id,
        )


# --- rows -> planned changes --------------------------------------------------


def money_value(value: Any) -> Decimal | None:
    """A cell as a 2-place Decimal; None for empty/NaN. Floats go through their repr, rounded."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float):
        return None if value != value else Decimal(repr(round(value, 2))).quantize(_CENT)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    return None if amount.is_nan() else amount.quantize(_CENT)


def _text(value: Any) -> str:
    if value is None or type(value).__name__ in ("NAType", "NaTType") or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


class RowToApply(BaseModel):
    """One recommendation row, parsed: money as 2-place Decimal (None = empty), approval as True/False/None."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    campaign_id: str
    bid_type: str
    current_budget: Decimal | None
    recommended_budget: Decimal | None
    current_bid: Decimal | None
    recommended_bid: Decimal | None
    action: str
    decision: str
    approved: bool | None
    reason: str


def plan_rows(frame: pd.DataFrame) -> list[RowToApply]:
    """Parse the rows to apply (contract columns; ``decision``, ``approved``, ``reason`` optional).

    Raises ``ValueError`` for a missing required column, a money cell that is
    not a number, or an ``approved`` word that is not yes/no.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the rows to apply lack the columns {', '.join(missing)}")
    out = []
    for rec in frame.to_dict("records"):
        out.append(
            RowToApply(
                account_id=_text(rec["account_id"]) or "default",
                campaign_id=_text(rec["campaign_id"]),
                bid_type=_text(rec["bid_type"]) or "none",
                current_budget=money_value(rec["current_budget"]),
                recommended_budget=money_value(rec["recommended_budget"]),
                current_bid=money_value(rec["current_bid"]),
                recommended_bid=money_value(rec["recommended_bid"]),
                action=_text(rec["action"]).lower(),
                decision=_text(rec.get("decision")).lower() or "auto",
                approved=parse_approval(_text(rec.get("approved"))),
                reason=_text(rec.get("reason")),
            )
        )
    return out


def desired_changes(row: RowToApply) -> list[tuple[audit.ChangeField, str | None, str]]:
    """(field, before, after) in sending order, before any platform check."""
    vt = audit.value_text
    money: list[tuple[audit.ChangeField, str | None, str]] = []
    budget_moves = row.recommended_budget is not None and row.recommended_budget != row.current_budget
    bid_moves = row.bid_type != "none" and row.recommended_bid is not None and row.recommended_bid != row.current_bid
    if budget_moves and row.recommended_budget is not None:
        money.append(("budget", vt(row.current_budget), vt(row.recommended_budget)))
    if bid_moves and row.recommended_bid is not None:
        money.append(("bid", vt(row.current_bid), vt(row.recommended_bid)))
    if (
        budget_moves
        and bid_moves
        and row.bid_type == "cpa"
        and row.current_bid is not None
        and row.recommended_budget is not None
        and row.current_bid > row.recommended_budget
    ):
        money.reverse()  # lowering the budget below today's bid: the bid goes down first
    if row.action == "pause":
        return [("status", "active", "paused")]
    if row.action == "resume":
        return [*money, ("status", "paused", "active")]
    return money


def plan_campaign(
    row: RowToApply,
    state: CampaignState | None,
    log: dict[str, audit.ChangeRecord],
    effective_date: dt.date,
) -> tuple[list[PlannedChange], list[ItemResult], list[PlannedChange]]:
    """Split one row into changes to send, results known now, and pending rows to confirm without sending."""
    acct, cid = row.account_id, row.campaign_id

    def skip(message: str) -> tuple[list, list, list]:
        return [], [ItemResult(account_id=acct, campaign_id=cid, outcome="skipped", message=message)], []

    if row.approved is False:
        return skip("rejected in review")
    if row.action == "resume" and row.approved is not True:
        return skip("a resume needs a reviewer's approval: a paused campaign is never resumed automatically")
    if row.decision == "review" and row.approved is not True:
        return skip("flagged for review and not approved")
    if state is None:
        return skip("not found on the platform")
    if state.excluded_reason:
        return skip(f"left alone: {state.excluded_reason}")
    desired = desired_changes(row)
    if not desired:
        return [], [], []
    fields = {f for f, _, _ in desired}
    # Every current_* the row was computed from must still hold, except fields this change set already moved.
    expected_now = {"budget": audit.value_text(row.current_budget), "bid": audit.value_text(row.current_bid)}
    if "status" not in fields:
        expected_now["status"] = "active"
    for field, before in expected_now.items():
        if field == "bid" and row.bid_type == "none":
            continue
        shown = audit.platform_value(state, field)
        if field not in fields and shown != before:
            what = "paused" if field == "status" else f"{field} {shown}, the recommendation saw {before}"
            return skip(f"{DRIFT} ({what})")
    send: list[PlannedChange] = []
    results: list[ItemResult] = []
    confirm: list[PlannedChange] = []
    if state.status == "learning" and row.approved is not True and "bid" in fields:
        # docs/qianchuan.md 4.4/4.5: leave a learning campaign's bid alone unless a person approved the change
        bid_first = (
            [f for f, _, _ in desired].index("bid") < [f for f, _, _ in desired].index("budget")
            if "budget" in fields
            else False
        )
        for field, before, after in desired:
            if field == "bid" or (field == "budget" and bid_first):
                why = (
                    LEARNING
                    if field == "bid"
                    else "not sent: the bid must go down first, and it waits (learning phase)"
                )
                results.append(
                    ItemResult(
                        account_id=acct,
                        campaign_id=cid,
                        field=field,
                        before=before,
                        after=after,
                        outcome="skipped",
                        message=why,
                    )
                )
        desired = [d for d in desired if d[0] != "bid" and not (d[0] == "budget" and bid_first)]
    for field, before, after in desired:
        key = audit.change_key(acct, cid, field, effective_date)
        change = PlannedChange(
            change_key=key, account_id=acct, campaign_id=cid, field=field, before=before, after=after, reason=row.reason
        )
        rec = log.get(key)
        shown = audit.platform_value(state, field)
        done: dict[str, Any] = dict(account_id=acct, campaign_id=cid, field=field, before=before, after=after)
        if rec is not None and rec.state == "confirmed":
            note = "already applied by run " + rec.run_id
            if rec.after != after:
                note += f" (it set {rec.after}; a field changes once per effective date, {after} not sent)"
            results.append(ItemResult(**done, outcome="already_applied", message=note, request_id=rec.request_id))
        elif shown == after and rec is not None and rec.after == after:
            confirm.append(change.model_copy(update={"before": rec.before}))
        elif shown == after:
            results.append(ItemResult(**done, outcome="skipped", message=f"the platform already shows {after}"))
        elif shown == before:
            send.append(change)
        else:
            return skip(f"{DRIFT} ({field} {shown}, the recommendation saw {before})")
    return send, results, confirm
