"""``spendopt import``: read files with the strict reader, then save them in one go.

Every file is read and validated before anything is written, so one bad row
in any file leaves the store untouched.

One key per campaign, with or without ``--account``: a row whose file names no
account (``account_id`` ``default``) goes to the account the store already
keeps that campaign under; a campaign the store does not know goes to
``--account`` (or ``default`` without it). ``--account`` naming another
account than the one a campaign is stored under is refused (exit 2): a
campaign id belongs to one account, and importing it under two would count it
twice. The summary says what was assumed (account, channel, bid type).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.clock import today_in
from optimizer.settings import Settings
from optimizer.store import SaveSummary, save_stats

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ImportSummary", "import_files"]


@dataclass(frozen=True)
class ImportSummary(SaveSummary):
    """``SaveSummary`` plus what the reader assumed, as ``(optimizer/i18n key, fields)`` pairs."""

    assumed: tuple[tuple[str, dict], ...] = ()


def import_files(
    engine: Engine,
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    account_id: str | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    progress: Callable[..., None] | None = None,
) -> ImportSummary:
    """Import CSV/XLSX stats files into the store; all or nothing.

    ``sheet`` names the XLSX sheet to read (a workbook with data on several
    sheets is refused without it). ``today`` (default: today in ``[data] timezone``) bounds the dates.
    """
    from connectors.files.stats import read_stats

    today = today or today_in(settings.data.timezone)

    def reading(done: int, total: int) -> None:
        if progress:
            progress(done, total, "reading")

    frame = read_stats(
        [Path(p) for p in paths],
        gmv_basis=settings.data.gmv_basis,
        max_problems=settings.data.max_problems,
        progress=reading,
        sheet=sheet,
        today=today,
    )
    assumed = list(frame.attrs.get("assumed", ()))
    frame, keyed = _key_accounts(engine, frame, account_id)
    assumed.extend(keyed)

    def saving(done: int, total: int) -> None:
        if progress:
            progress(done, total, "saving")

    source = ", ".join(Path(p).name for p in paths)[:500]
    saved = save_stats(
        engine,
        frame,
        source=source,
        seen_on=today,
        gmv_basis=settings.data.gmv_basis,
        progress=saving,
    )
    return ImportSummary(**vars(saved), assumed=tuple(assumed))


def _key_accounts(
    engine: Engine, frame: pd.DataFrame, given: str | None
) -> tuple[pd.DataFrame, list[tuple[str, dict]]]:
    """Give rows without an account their campaign's stored account, else ``given`` (else ``default``)."""
    from connectors.errors import InputError, Problem
    from connectors.files.stats import UNKNOWN_ACCOUNT
    from optimizer.store.tables import Campaign

    unknown = frame["account_id"] == UNKNOWN_ACCOUNT
    if not unknown.any():
        return frame, []
    ids = sorted(set(frame.loc[unknown, "campaign_id"]))
    table = Campaign.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.campaign_id, table.c.account_id).where(table.c.campaign_id.in_(ids)))
        stored: dict[str, set[str]] = {}
        for cid, acc in rows:
            stored.setdefault(cid, set()).add(acc)
    home = {cid: next(iter(accs)) for cid, accs in stored.items() if len(accs) == 1}
    problems = []
    for cid in ids:
        if given is not None and cid in home and home[cid] != given:
            row = frame.loc[unknown & (frame["campaign_id"] == cid)].iloc[0]
            problems.append(
                Problem(
                    str(row["source_file"]),
                    f"campaign {cid} is stored under account {home[cid]}, but --account says {given}: "
                    "one campaign belongs to one account",
                    row=int(row["source_row"]),
                    key="files.account_conflict",
                    fields={"campaign": cid, "stored": home[cid], "given": given},
                )
            )
    if problems:
        raise InputError(problems[:50], more=max(0, len(problems) - 50))
    fallback = given or UNKNOWN_ACCOUNT
    accounts = frame.loc[unknown, "campaign_id"].map(lambda c: home.get(c, fallback))
    frame = frame.copy()
    frame.loc[unknown, "account_id"] = accounts
    notes = []
    known = sorted({home[c] for c in ids if c in home})
    n_known = sum(1 for c in ids if c in home)
    if n_known:
        notes.append(("files.account_known", {"n": n_known, "accounts": ", ".join(known)}))
    n_new = len(ids) - n_known
    if n_new:
        key = "files.account_given" if given else "files.account_default"
        notes.append((key, {"n": n_new, "account": fallback}))
    return frame, notes
