"""The review's side of the store: a run's recommendations and every reviewer decision as a record.

* ``save_recommendations`` keeps a run's rows (``recommendation``), the values
  the run proposed in ``proposed_budget`` / ``proposed_bid``;
* ``load_recommendations`` gives them back with the decisions in force
  (``approved``, the reviewer's budget and bid), as ``review export`` writes them;
* ``record_decisions`` stores one ``review_decision`` row per row a file
  changed (file, row, time, values, what it overrode) and folds it into the
  ``recommendation`` row; ``latest_decisions`` reads the newest per campaign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from optimizer.store.tables import Recommendation
from optimizer.store.tables import ReviewDecision as DecisionTable

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = [
    "DecisionRecord",
    "latest_decisions",
    "load_recommendations",
    "record_decisions",
    "save_recommendations",
    "stored_rows",
]

_CENT = Decimal("0.01")
_TEXT = ("run_id", "account_id", "campaign_id", "campaign_name", "channel", "bid_type", "action", "decision", "reason")
_MONEY = ("current_budget", "recommended_budget", "current_bid", "recommended_bid", "expected_spend", "expected_gmv")


class DecisionRecord(NamedTuple):
    """One reviewer decision as stored: where it came from and the values it set."""

    account_id: str
    campaign_id: str
    file: str
    row: int
    imported_at: dt.datetime
    approved: str | None
    recommended_budget: Decimal | None
    recommended_bid: Decimal | None
    action: str | None
    note: str


def _cell(value: Any) -> Any:
    if value is None or type(value).__name__ in ("NAType", "NaTType") or (isinstance(value, float) and value != value):
        return None
    return value


def save_recommendations(engine: Engine, rows: pd.DataFrame) -> int:
    """Store a run's recommendation rows (contract columns) so a review can be checked against them.

    Rows already stored for the same run and campaign are replaced. Returns the number of rows.
    """
    from optimizer.act.review import parse_approval
    from optimizer.decide.columns import CONTRACT_COLUMNS

    table = Recommendation.__table__
    records = []
    for rec in rows.to_dict("records"):
        out = {c: _cell(rec.get(c)) for c in CONTRACT_COLUMNS}
        for c in _TEXT:
            out[c] = "" if out[c] is None else str(out[c])
        out["effective_date"] = dt.date.fromisoformat(str(out["effective_date"])[:10])
        for c in _MONEY:
            out[c] = None if out[c] is None else Decimal(str(out[c])).quantize(_CENT)
        out["expected_spend"] = out["expected_spend"] or Decimal(0)
        out["expected_gmv"] = out["expected_gmv"] or Decimal(0)
        for c in ("expected_roi", "marginal_roi"):
            out[c] = None if out[c] is None else float(out[c])
        answer = parse_approval(None if out["approved"] is None else str(out["approved"]))
        out["approved"] = {True: "yes", False: "no", None: None}[answer]
        out["proposed_budget"], out["proposed_bid"] = out["recommended_budget"], out["recommended_bid"]
        records.append(out)
    with engine.begin() as conn:
        for out in records:
            conn.execute(
                sa.delete(table).where(
                    table.c.run_id == out["run_id"],
                    table.c.account_id == out["account_id"],
                    table.c.campaign_id == out["campaign_id"],
                )
            )
        if records:
            conn.execute(sa.insert(table), records)
    return len(records)


def stored_rows(engine: Engine, run_id: str) -> dict[tuple[str, str], dict]:
    """A run's stored rows by (account, campaign), the decisions in force and the proposal."""
    table = Recommendation.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.run_id == run_id)).mappings().all()
    out = {}
    for r in rows:
        row = dict(r)
        if row.get("proposed_budget") is None and row.get("proposed_bid") is None:  # stored before the migration
            row["proposed_budget"], row["proposed_bid"] = row["recommended_budget"], row["recommended_bid"]
        out[(row["account_id"], row["campaign_id"])] = row
    return out


def load_recommendations(engine: Engine, run_id: str) -> pd.DataFrame:
    """A run's stored recommendation rows with the decisions in force, contract columns (money as Decimal)."""
    import pandas as pd

    from optimizer.decide.columns import CONTRACT_COLUMNS

    decided = latest_decisions(engine, run_id)
    rows = sorted(stored_rows(engine, run_id).values(), key=lambda r: (r["account_id"], r["campaign_id"]))
    data = []
    for r in rows:
        d = decided.get((r["account_id"], r["campaign_id"]))
        action = d.action if d is not None and d.action else r["action"]
        data.append(
            {
                **{c: r.get(c) for c in CONTRACT_COLUMNS},
                "effective_date": r["effective_date"].isoformat(),
                "action": action,
            }
        )
    return pd.DataFrame(data, columns=list(CONTRACT_COLUMNS), dtype=object)


def latest_decisions(engine: Engine, run_id: str) -> dict[tuple[str, str], DecisionRecord]:
    """The newest recorded decision per (account, campaign) of ``run_id``."""
    table = DecisionTable.__table__
    query = sa.select(table).where(table.c.run_id == run_id).order_by(table.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out: dict[tuple[str, str], DecisionRecord] = {}
    for r in rows:
        out[(r["account_id"], r["campaign_id"])] = DecisionRecord(
            r["account_id"],
            r["campaign_id"],
            r["file"],
            r["row"],
            r["imported_at"],
            r["approved"],
            r["recommended_budget"],
            r["recommended_bid"],
            r["action"],
            r["note"],
        )
    return out


def record_decisions(engine: Engine, run_id: str, decisions: Sequence[DecisionRecord]) -> None:
    """Store ``decisions`` and fold each into its ``recommendation`` row, in one transaction.

    The row keeps the action the run proposed; a reviewer's pause or resume lives in the decision.
    """
    if not decisions:
        return
    rec, table = Recommendation.__table__, DecisionTable.__table__
    with engine.begin() as conn:
        for d in decisions:
            conn.execute(sa.insert(table).values(run_id=run_id, **d._asdict()))
            values = {
                "approved": d.approved,
                "recommended_budget": d.recommended_budget,
                "recommended_bid": d.recommended_bid,
            }
            conn.execute(
                sa.update(rec)
                .where(rec.c.run_id == run_id, rec.c.account_id == d.account_id, rec.c.campaign_id == d.campaign_id)
                .values(**values)
            )
