"""``spendopt status``: what the store holds, as a short table."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from optimizer.store import summarize

__all__ = ["STATUS_COLUMNS", "render_status", "status_rows"]

STATUS_COLUMNS = (
    "account_id",
    "platform",
    "gmv_basis",
    "campaigns",
    "active",
    "days",
    "first_date",
    "last_date",
    "spend",
    "gmv",
    "roi",
    "run_key_day",
    "run_key_state",
    "run_key_run",
)


def status_rows(engine: Engine) -> list[dict]:
    """One row per account: what the store holds and the newest run key (``--format csv|json``)."""
    from optimizer.store.lease import read_leases

    keys: dict[str, dict] = {}
    for lease in read_leases(engine):
        keys.setdefault(lease["account_id"], lease)
    rows = []
    for a in summarize(engine).accounts:
        key = keys.get(a.account_id, {})
        rows.append(
            {
                "account_id": a.account_id,
                "platform": a.platform,
                "gmv_basis": a.gmv_basis,
                "campaigns": a.campaigns,
                "active": a.active,
                "days": (a.last_date - a.first_date).days + 1 if a.first_date and a.last_date else 0,
                "first_date": a.first_date,
                "last_date": a.last_date,
                "spend": round(a.spend, 2),
                "gmv": round(a.gmv, 2),
                "roi": round(a.gmv / a.spend, 4) if a.spend else None,
                "run_key_day": key.get("effective_date"),
                "run_key_state": key.get("state"),
                "run_key_run": key.get("run_id"),
            }
        )
    return rows


def render_status(engine: Engine, console, *, database_url: str) -> None:
    from rich.table import Table

    summary = summarize(engine)
    console.print(f"store: {_redact(database_url)}")
    if not summary.accounts:
        console.print("no accounts yet: run `spendopt import FILE` or `spendopt run`")
    else:
        table = Table(
            "account", "platform", "GMV basis", "campaigns", "active", "days", "from", "to", "spend", "GMV", "ROI"
        )
        for a in summary.accounts:
            roi = f"{a.gmv / a.spend:.2f}" if a.spend else "-"
            days = (a.last_date - a.first_date).days + 1 if a.first_date and a.last_date else 0
            table.add_row(
                a.account_id,
                a.platform,
                a.gmv_basis,
                f"{a.campaigns:,}",
                f"{a.active:,}",
                str(days),
                str(a.first_date or "-"),
                str(a.last_date or "-"),
                f"{a.spend:,.2f}",
                f"{a.gmv:,.2f}",
                roi,
            )
        console.print(table)
    run = summary.last_run
    if run:
        console.print(
            f"last run: {run['run_id']} ({run['kind']}, {run['status']}) started {run['started_at']:%Y-%m-%d %H:%M} UTC"
            + (f", effective {run['effective_date']}" if run["effective_date"] else "")
        )
    else:
        console.print("last run: none yet")
    from optimizer.jobs.experiment import status_lines

    for line in status_lines(engine):
        console.print(line, markup=False, soft_wrap=True)


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url
