"""Tables a person reads or a script parses: ``--format table|csv|json`` for ``status`` and ``audit``.

``emit(rows, columns, fmt, out)`` prints ``rows`` (dicts) as a rich table, CSV
(UTF-8, a header row) or JSON (a list of objects). Nothing is ever cut: table
cells fold instead of ending in "…", and when the output is not a terminal (a
pipe, a file) the table is as wide as its widest row, so ids and paths come
through whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

__all__ = ["AUDIT_VIEW_COLUMNS", "FORMATS", "audit_rows", "emit", "plain"]

FORMATS = ("table", "csv", "json")


def plain(value: Any) -> Any:
    """A value as JSON/CSV carry it: dates ISO, money as text with its cents, None as null."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def emit(rows: Sequence[dict], columns: Sequence[str], fmt: str, *, headers: Sequence[str] | None = None) -> None:
    """Print ``rows`` in ``fmt`` to standard output (see the module docstring)."""
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "json":
        sys.stdout.write(
            json.dumps([{c: plain(r.get(c)) for c in columns} for r in rows], ensure_ascii=False, indent=1)
        )
        sys.stdout.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else plain(r.get(c)) for c in columns])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*(headers or columns))
    for column in table.columns:
        column.overflow = "fold"
    for r in rows:
        table.add_row(*("" if r.get(c) is None else str(plain(r.get(c))) for c in columns))
    piped = not sys.stdout.isatty()
    widest = sum(
        max([len(str(h))] + [len(str(plain(r.get(c)) or "")) for r in rows]) + 3
        for h, c in zip(table.columns, columns, strict=True)
    )
    Console(width=max(widest + 4, 80) if piped else None, highlight=False, soft_wrap=False).print(table)


AUDIT_VIEW_COLUMNS = (
    "time",
    "run_id",
    "account_id",
    "campaign_id",
    "campaign_name",
    "effective_date",
    "field",
    "before",
    "after",
    "state",
    "reason",
    "request_id",
    "error",
)


def audit_rows(engine, records, timezone: str) -> list[dict]:
    """The audit rows as ``spendopt audit`` shows them: local time (``timezone``) and the campaign's name."""
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa

    from optimizer.store.tables import Campaign, Recommendation

    zone = ZoneInfo(timezone)
    ids = {(r.account_id, r.campaign_id) for r in records}
    names: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for table in (Recommendation.__table__, Campaign.__table__):
            column = table.c.campaign_name if "campaign_name" in table.c else table.c.name
            for row in conn.execute(sa.select(table.c.account_id, table.c.campaign_id, column)):
                if (row[0], row[1]) in ids and row[2]:
                    names[(row[0], row[1])] = row[2]
    out = []
    for r in records:
        created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC)
        out.append(
            {
                "time": created.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
                "run_id": r.run_id,
                "account_id": r.account_id,
                "campaign_id": r.campaign_id,
                "campaign_name": names.get((r.account_id, r.campaign_id), ""),
                "effective_date": r.effective_date,
                "field": r.field,
                "before": r.before,
                "after": r.after,
                "state": r.state,
                "reason": r.reason,
                "request_id": r.request_id,
                "error": r.error,
            }
        )
    return out
