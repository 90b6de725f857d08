"""The review round trip: read back the recommendations file a person edited.

``export_review`` (``optimizer.act.review_file``) writes the recommendations as
CSV (UTF-8 with BOM) and XLSX. A reviewer fills ``approved`` (``yes`` / ``no``,
also ``是`` / ``否`` / ``y`` / ``n``, any case; empty = no answer) and may
edit ``recommended_budget`` and ``recommended_bid``. ``import_review(path,
engine, settings)`` reads that file back (CSV in UTF-8 with or without BOM,
or GBK/GB18030 after Excel re-saved it, or XLSX) and checks every row against
the stored recommendation of its run:

* the row's ``run_id`` + ``account_id`` + ``campaign_id`` exist in the store,
  once, and the file holds one run;
* ids are text: an id Excel turned into ``1.78E+18`` or ``123.0`` is refused;
* only ``approved``, ``recommended_budget`` and ``recommended_bid`` differ from
  the store (the other contract columns present in the file must be as exported);
* an edited budget is 0 only on a ``pause`` row, otherwise at least
  ``budget.min_campaign_budget``; it moves at most ``budget.max_change_pct``
  from ``current_budget`` and passes ``connectors.rules.check_budget_update``;
* an edited bid moves at most ``bid.max_change_pct`` from ``current_bid``,
  exists only for ``cpa`` / ``roi`` campaigns and passes ``check_bid_update``
  (a CPA bid stays at or below the budget);
* with ``budget.total_daily`` set, the budgets that will be in force (the
  applied rows' recommended budgets, the others' current budgets) sum to at
  most ``total_daily``.

Every problem is reported at once (``InputError``, one ``file:row:column``
each) and nothing is written when there is one. Otherwise the approvals and
edits are stored in the ``recommendation`` table and the rows to apply come
back: rows approved ``yes``, plus ``auto`` rows nobody answered ``no`` to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import InputError, PlatformRuleError, Problem

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from optimizer.settings import Settings

__all__ = [
    "APPROVAL_WORDS",
    "EDITABLE_COLUMNS",
    "ReviewDecision",
    "import_review",
    "load_recommendations",
    "parse_approval",
    "save_recommendations",
]

APPROVAL_WORDS: dict[str, bool] = {"yes": True, "y": True, "是": True, "no": False, "n": False, "否": False}
"""What a reviewer may write in ``approved`` (compared case-insensitively; empty = no answer)."""

EDITABLE_COLUMNS: tuple[str, ...] = ("approved", "recommended_budget", "recommended_bid")
_KEY_COLUMNS = ("run_id", "account_id", "campaign_id")
_FIXED_TEXT = ("effective_date", "campaign_name", "channel", "bid_type", "action", "decision", "reason")
_FIXED_MONEY = ("current_budget", "current_bid", "expected_spend", "expected_gmv")
_FIXED_RATIO = ("expected_roi", "marginal_roi")
_CENT = Decimal("0.01")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what the review writer guards with a leading apostrophe


def parse_approval(text: str | None) -> bool | None:
    """``True`` for yes/y/是, ``False`` for no/n/否, ``None`` for empty; ``ValueError`` otherwise."""
    word = (text or "").strip().lower()
    if not word:
        return None
    if word not in APPROVAL_WORDS:
        raise ValueError(f"approved must be yes or no (是 / 否, y / n) or empty, got {text!r}")
    return APPROVAL_WORDS[word]


class ReviewDecision(BaseModel):
    """The outcome of an imported review: what was approved, rejected and edited."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    run_id: str = Field(description="the run whose recommendations were reviewed")
    file: str
    approved: int = Field(ge=0, description="rows answered yes")
    rejected: int = Field(ge=0, description="rows answered no")
    unanswered: int = Field(ge=0, description="rows left empty")
    edited: int = Field(ge=0, description="rows whose recommended budget or bid the reviewer changed")
    rows: Any = Field(description="pandas DataFrame of the rows to apply, contract columns, with the edits")


def _cell(value: Any) -> Any:
    if value is None or type(value).__name__ in ("NAType", "NaTType") or (isinstance(value, float) and value != value):
        return None
    return value


def save_recommendations(engine: Engine, rows: pd.DataFrame) -> int:
    """Store a run's recommendation rows (contract columns) so a review can be checked against them.

    Rows already stored for the same run and campaign are replaced. Returns the number of rows.
    """
    import sqlalchemy as sa

    from optimizer.decide.columns import CONTRACT_COLUMNS
    from optimizer.store.tables import Recommendation

    table = Recommendation.__table__
    records = []
    for rec in rows.to_dict("records"):
        out = {c: _cell(rec.get(c)) for c in CONTRACT_COLUMNS}
        for c in (
            "run_id",
            "account_id",
            "campaign_id",
            "campaign_name",
            "channel",
            "bid_type",
            "action",
            "decision",
            "reason",
        ):
            out[c] = "" if out[c] is None else str(out[c])
        out["effective_date"] = dt.date.fromisoformat(str(out["effective_date"])[:10])
        for c in (
            "current_budget",
            "recommended_budget",
            "current_bid",
            "recommended_bid",
            "expected_spend",
            "expected_gmv",
        ):
            out[c] = None if out[c] is None else Decimal(str(out[c])).quantize(_CENT)
        out["expected_spend"] = out["expected_spend"] or Decimal(0)
        out["expected_gmv"] = out["expected_gmv"] or Decimal(0)
        for c in ("expected_roi", "marginal_roi"):
            out[c] = None if out[c] is None else float(out[c])
        answer = parse_approval(None if out["approved"] is None else str(out["approved"]))
        out["approved"] = {True: "yes", False: "no", None: None}[answer]
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


def load_recommendations(engine: Engine, run_id: str) -> pd.DataFrame:
    """A run's stored recommendation rows, contract columns (money as Decimal, ids as text)."""
    import pandas as pd

    from optimizer.decide.columns import CONTRACT_COLUMNS

    rows = sorted(_stored(engine, run_id).values(), key=lambda r: (r["account_id"], r["campaign_id"]))
    data = [
        {**{c: r.get(c) for c in CONTRACT_COLUMNS}, "effective_date": r["effective_date"].isoformat()} for r in rows
    ]
    return pd.DataFrame(data, columns=list(CONTRACT_COLUMNS), dtype=object)


def _header_score(cells: Sequence[str]) -> int:
    from optimizer.decide.columns import ALL_COLUMNS

    known = set(ALL_COLUMNS)
    return sum(1 for c in cells if c.replace("\ufeff", "").strip().lower() in known)


def _unescape(text: str) -> str:
    """Undo the writer's formula guard: ``'=x`` was written for ``=x``."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_PREFIXES) else text


def _money(text: str) -> Decimal | None:
    """A money cell: None if empty; ``ValueError`` if not a finite number with at most 2 decimals."""
    text = text.strip().replace(",", "").lstrip("¥￥")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    if value != value.quantize(_CENT):
        if abs(value - value.quantize(_CENT)) > Decimal("0.0000001"):  # float noise from a spreadsheet is fine
            raise ValueError(f"money has at most 2 decimals: {text!r}")
    return value.quantize(_CENT)


def _stored(engine: Engine, run_id: str) -> dict[tuple[str, str], dict]:
    import sqlalchemy as sa

    from optimizer.store.tables import Recommendation

    table = Recommendation.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.run_id == run_id)).mappings().all()
    return {(r["account_id"], r["campaign_id"]): dict(r) for r in rows}


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def _as_date(text: str) -> dt.date | None:
    """``2026-03-02``, or what Excel makes of it on re-save (``2026/3/2``, ``2026/3/2 0:00``, ``2026年3月2日``)."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _same_text(column: str, file_text: str, stored: Any) -> bool:
    if stored is None:
        return file_text == ""
    if isinstance(stored, dt.date):
        return _as_date(file_text) == stored
    return _unescape(file_text).strip() == str(stored).strip()


def _same_number(file_text: str, stored: Any, *, money: bool) -> bool:
    """Money must match to the cent; ratios (written with 4 decimals) to 0.0001 relative."""
    text = file_text.strip().replace(",", "")
    if stored is None:
        return text == ""
    try:
        value, reference = float(text), float(stored)
    except ValueError:
        return False
    if money:
        return abs(value - reference) < 0.005 + 1e-9
    return abs(value - reference) <= 1e-4 * max(1.0, abs(reference))


class _Rows:
    """A ``connectors.files.tabular.Table`` seen row by row (a review file has tens to thousands of rows)."""

    def __init__(
        self,
        file: str,
        header: list[str],
        header_row: int,
        rows: list[list[str]],
        row_numbers: list[int],
        problems: list[Problem],
    ) -> None:
        self.file, self.header, self.header_row = file, header, header_row
        self.rows, self.row_numbers, self.problems = rows, row_numbers, problems

    @classmethod
    def read(cls, table: Any) -> _Rows:
        columns = [list(map(str, col.tolist())) for col in table.columns]
        rows = [list(cells) for cells in zip(*columns, strict=True)] if columns else []
        return cls(
            table.file,
            list(table.header),
            table.header_row,
            rows,
            [int(n) for n in table.row_numbers],
            list(table.problems),
        )


class _Checker:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, message, row=row, column=column))


def _check_guardrails(
    check: _Checker,
    row_no: int,
    stored: dict,
    budget: Decimal | None,
    bid: Decimal | None,
    budget_edited: bool,
    bid_edited: bool,
    settings: Settings,
) -> None:
    from connectors.rules import check_bid_update, check_budget_update

    cid, bid_type = stored["campaign_id"], stored["bid_type"]
    cur_budget, cur_bid = stored["current_budget"], stored["current_bid"]
    if budget_edited and budget is not None:
        limits = settings.budget
        if budget == 0:
            if stored["action"] != "pause":
                check.add(
                    row_no,
                    "recommended_budget",
                    "a budget of 0 means pause, but this row's action is "
                    f"{stored['action']!r} (the action cannot be edited)",
                )
        elif budget < limits.min_campaign_budget:
            check.add(
                row_no,
                "recommended_budget",
                f"budget {budget} is below the minimum campaign budget {limits.min_campaign_budget} "
                "(use 0 only to pause)",
            )
        elif cur_budget is not None and cur_budget > 0 and stored["action"] != "resume":
            pct = abs(budget - cur_budget) / cur_budget * 100
            if pct > Decimal(str(limits.max_change_pct)) + Decimal("0.001"):
                check.add(
                    row_no,
                    "recommended_budget",
                    f"budget {cur_budget} -> {budget} moves {pct:.1f}%, more than "
                    f"budget.max_change_pct = {limits.max_change_pct}%",
                )
        if budget > 0 and budget != cur_budget:
            try:
                check_budget_update(cid, cur_budget, budget, bid=bid, bid_type=bid_type, rules=settings.platform)
            except PlatformRuleError as exc:
                check.add(row_no, "recommended_budget", f"the platform would refuse it: {exc}")
    if bid_edited and bid is not None:
        if bid_type == "none":
            check.add(row_no, "recommended_bid", "this campaign bids for max delivery (bid_type none): it has no bid")
            return
        if cur_bid is not None and cur_bid > 0:
            pct = abs(bid - cur_bid) / cur_bid * 100
            if pct > Decimal(str(settings.bid.max_change_pct)) + Decimal("0.001"):
                check.add(
                    row_no,
                    "recommended_bid",
                    f"bid {cur_bid} -> {bid} moves {pct:.1f}%, more than bid.max_change_pct = "
                    f"{settings.bid.max_change_pct}%",
                )
        in_force = budget if budget is not None and budget > 0 else cur_budget
        try:
            check_bid_update(cid, bid_type, bid, budget=in_force, rules=settings.platform)
        except PlatformRuleError as exc:
            check.add(row_no, "recommended_bid", f"the platform would refuse it: {exc}")


def import_review(path: Path | str, engine: Engine, settings: Settings, *, write: bool = True) -> ReviewDecision:
    """Read a reviewed recommendations file, validate it, store approvals and edits.

    Returns the rows to apply (contract columns, with the reviewer's values).
    Raises ``InputError`` listing every problem (file:row:column); then nothing
    is written. ``write=False`` validates and returns the same without storing.
    """
    from connectors.files.cells import parse_id
    from connectors.files.tabular import read_table

    path = Path(path)
    table = _Rows.read(read_table(path, _header_score))
    check = _Checker(table.file)
    check.problems.extend(table.problems)
    header = [h.replace("\ufeff", "").strip().lower() for h in table.header]
    index = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in (*_KEY_COLUMNS, *EDITABLE_COLUMNS) if c not in index]
    if missing:
        check.add(
            table.header_row,
            None,
            f"missing column(s) {', '.join(missing)}; the file must keep the columns it was exported with",
        )
        raise InputError(check.problems)

    import pandas as pd

    ids = {
        c: parse_id(pd.Series([r[index[c]].strip() for r in table.rows], dtype=object), what=c, default=None)
        for c in _KEY_COLUMNS
    }
    for column, parsed in ids.items():
        for issue in parsed.issues:
            for i in issue.mask.nonzero()[0].tolist():
                check.add(table.row_numbers[i], column, issue.message(table.rows[i][index[column]].strip()))
    if any(parsed.issues for parsed in ids.values()):
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            hint = "keep the id columns formatted as Text (@) in the workbook; re-export if they were converted"
        else:
            hint = (
                "Excel turns long ids into numbers when it opens a CSV; edit the .xlsx file written next to "
                "it (its ids are text), or import the CSV with the id columns as Text"
            )
        check.add(None, None, f"hint: {hint}")
    run_ids = sorted({r[index["run_id"]].strip() for r in table.rows} - {""})
    if len(run_ids) > 1:
        check.add(None, "run_id", f"the file mixes runs {', '.join(run_ids)}: import one run's file at a time")
        raise InputError(check.problems)
    run_id = run_ids[0] if run_ids else ""
    stored = _stored(engine, run_id) if run_id else {}
    if run_id and not stored:
        check.add(table.row_numbers[0], "run_id", f"no stored recommendations for run {run_id!r}")

    updates: dict[tuple[str, str], dict] = {}
    seen: dict[tuple[str, str], int] = {}
    edited = 0
    bad_id_rows = set()
    for parsed in ids.values():
        bad_id_rows |= set(parsed.bad.nonzero()[0].tolist())
    for i, cells in enumerate(table.rows):
        row_no = table.row_numbers[i]
        if i in bad_id_rows or not stored:
            continue
        key = (cells[index["account_id"]].strip(), cells[index["campaign_id"]].strip())
        if key in seen:
            check.add(row_no, "campaign_id", f"campaign {key[1]} appears twice (first on row {seen[key]})")
            continue
        seen[key] = row_no
        rec = stored.get(key)
        if rec is None:
            check.add(
                row_no, "campaign_id", f"run {run_id} has no recommendation for campaign {key[1]} of account {key[0]}"
            )
            continue
        for column in (*_FIXED_TEXT, *_FIXED_MONEY, *_FIXED_RATIO):
            if column not in index:
                continue
            text = cells[index[column]].strip()
            same = (
                _same_text(column, text, rec[column])
                if column in _FIXED_TEXT
                else _same_number(text, rec[column], money=column in _FIXED_MONEY)
            )
            if not same:
                check.add(
                    row_no,
                    column,
                    f"{column} was changed ({rec[column]!s} -> {text!r}); only "
                    f"{', '.join(EDITABLE_COLUMNS)} may be edited",
                )
        try:
            approved = parse_approval(cells[index["approved"]])
        except ValueError as exc:
            check.add(row_no, "approved", str(exc))
            continue
        values: dict[str, Decimal | None] = {}
        for column in ("recommended_budget", "recommended_bid"):
            try:
                values[column] = _money(cells[index[column]])
            except ValueError as exc:
                check.add(row_no, column, f"{column}: {exc}")
            else:
                if values[column] is None and rec[column] is not None:
                    check.add(row_no, column, f"{column} is empty; write a value or answer no")
        if len(values) < 2:
            continue
        budget, bid = values["recommended_budget"], values["recommended_bid"]
        budget_edited, bid_edited = budget != rec["recommended_budget"], bid != rec["recommended_bid"]
        edited += budget_edited or bid_edited
        _check_guardrails(check, row_no, rec, budget, bid, budget_edited, bid_edited, settings)
        updates[key] = {"approved": approved, "recommended_budget": budget, "recommended_bid": bid}

    if not check.problems and settings.budget.total_daily is not None:
        total = Decimal(0)
        for key, rec in stored.items():
            upd = updates.get(key)
            answer = upd["approved"] if upd else (None if rec["approved"] is None else parse_approval(rec["approved"]))
            applies = answer is True or (answer is None and rec["decision"] == "auto")
            budget = (
                (upd["recommended_budget"] if upd else rec["recommended_budget"]) if applies else rec["current_budget"]
            )
            total += budget or 0
        if total > settings.budget.total_daily:
            check.add(
                None,
                "recommended_budget",
                f"the budgets in force after this review add up to {total}, above budget.total_daily = "
                f"{settings.budget.total_daily} (approved rows at their recommended budget, the others "
                "at their current budget)",
            )
    if check.problems:
        limit = settings.data.max_problems
        raise InputError(check.problems[:limit], more=max(0, len(check.problems) - limit))
    return _store(engine, table.file, run_id, stored, updates, edited, write=write)


def _store(
    engine: Engine, file: str, run_id: str, stored: dict, updates: dict, edited: int, *, write: bool
) -> ReviewDecision:
    import pandas as pd
    import sqlalchemy as sa

    from optimizer.decide.columns import CONTRACT_COLUMNS
    from optimizer.store.tables import Recommendation

    table = Recommendation.__table__
    word = {True: "yes", False: "no", None: None}
    with engine.begin() as conn:
        for (account_id, campaign_id), upd in updates.items() if write else ():
            conn.execute(
                sa.update(table)
                .where(table.c.run_id == run_id, table.c.account_id == account_id, table.c.campaign_id == campaign_id)
                .values(
                    approved=word[upd["approved"]],
                    recommended_budget=upd["recommended_budget"],
                    recommended_bid=upd["recommended_bid"],
                )
            )
    to_apply = []
    for key, upd in updates.items():
        rec = stored[key]
        if upd["approved"] is True or (upd["approved"] is None and rec["decision"] == "auto"):
            row = {c: rec.get(c) for c in CONTRACT_COLUMNS}
            row.update(
                recommended_budget=upd["recommended_budget"],
                recommended_bid=upd["recommended_bid"],
                approved=word[upd["approved"]],
                effective_date=rec["effective_date"].isoformat(),
            )
            to_apply.append(row)
    answers = [u["approved"] for u in updates.values()]
    return ReviewDecision(
        run_id=run_id,
        file=file,
        approved=answers.count(True),
        rejected=answers.count(False),
        unanswered=answers.count(None),
        edited=edited,
        rows=pd.DataFrame(to_apply, columns=list(CONTRACT_COLUMNS), dtype=object),
    )
