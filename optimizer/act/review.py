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

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.clock import utc_now
from connectors.errors import InputError, Problem
from optimizer.act.review_check import Refusal
from optimizer.act.review_store import load_recommendations, save_recommendations
from optimizer.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import CampaignState
    from optimizer.settings import Settings

__all__ = [
    "ACTION_WORDS",
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
ACTION_WORDS: dict[str, str] = {"pause": "pause", "暂停": "pause", "resume": "resume", "恢复": "resume"}
"""What a reviewer may write in ``action`` (besides leaving it as exported)."""
_KEY_COLUMNS = ("run_id", "account_id", "campaign_id")
_FIXED_TEXT = ("effective_date", "campaign_name", "channel", "bid_type", "decision", "reason")
_FIXED_MONEY = ("current_budget", "current_bid", "expected_spend", "expected_gmv")
_FIXED_RATIO = ("expected_roi", "marginal_roi")


def parse_approval(text: str | None) -> bool | None:
    """``True`` for yes/y/是, ``False`` for no/n/否, ``None`` for empty; ``ValueError`` otherwise."""
    word = (text or "").strip().lower()
    if not word:
        return None
    if word not in APPROVAL_WORDS:
        raise Refusal("approved", v=text)
    return APPROVAL_WORDS[word]


class ReviewDecision(BaseModel):
    """The outcome of an imported review: what was approved, rejected and edited."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    run_id: str = Field(description="the run whose recommendations were reviewed")
    file: str
    approved: int = Field(ge=0, description="rows answered yes")
    rejected: int = Field(ge=0, description="rows answered no")
    unanswered: int = Field(ge=0, description="rows left empty")
    edited: int = Field(ge=0, description="rows whose budget, bid or action differ from the run's proposal")
    notes: tuple[str, ...] = Field((), description="rows that overrode an earlier decision, or kept one")
    rows: Any = Field(description="pandas DataFrame of the rows to apply, contract columns, with the edits")


def _header_score(cells: Sequence[str]) -> int:
    from optimizer.decide.columns import ALL_COLUMNS

    known = set(ALL_COLUMNS)
    return sum(1 for c in cells if c.replace("\ufeff", "").strip().lower() in known)


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

    def add(self, row: int | None, column: str | None, message: str, key: str | None = None, /, **fields) -> None:
        """A problem; ``key`` (an ``optimizer/i18n`` key) words it in the reader's language when given."""
        self.problems.append(Problem(self.file, message, row=row, column=column, key=key, fields=fields or None))

    def say(self, row: int | None, column: str | None, key: str, /, **fields) -> None:
        """A problem worded by ``optimizer/i18n/review_check.py``'s ``key`` (English in ``str()``)."""
        full = f"review_check.{key}"
        self.add(row, column, t(full, lang="en", **fields), full, **fields)


def _read(path: Path) -> tuple[_Rows, _Checker, dict[str, int], dict[str, Any]]:
    """The file as rows, its header index and parsed ids; raises when the columns are not there."""
    import pandas as pd

    from connectors.files.cells import parse_id
    from connectors.files.tabular import read_table

    table = _Rows.read(read_table(path, _header_score))
    check = _Checker(table.file)
    check.problems.extend(table.problems)
    header = [h.replace("\ufeff", "").strip().lower() for h in table.header]
    index = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in (*_KEY_COLUMNS, *EDITABLE_COLUMNS) if c not in index]
    if missing:
        check.say(table.header_row, None, "missing_columns", columns=", ".join(missing))
        raise InputError(check.problems)
    ids = {
        c: parse_id(pd.Series([r[index[c]].strip() for r in table.rows], dtype=object), what=c, default=None)
        for c in _KEY_COLUMNS
    }
    for column, parsed in ids.items():
        for issue in parsed.issues:
            for i in issue.mask.nonzero()[0].tolist():
                text = table.rows[i][index[column]].strip()
                check.add(table.row_numbers[i], column, issue.message(text), issue.key, **issue.fields, v=text)
    if any(parsed.issues for parsed in ids.values()):
        xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
        check.say(None, None, "hint_xlsx" if xlsx else "hint_csv")
    return table, check, index, ids


def _reading(
    check: _Checker, row_no: int, cells: list[str], index: dict[str, int], rec: dict
) -> SimpleNamespace | None:
    """What one file row says (approved, budget, bid, action), or None when a cell is bad."""
    from optimizer.act.review_check import money, same_number, same_text

    for column in (*_FIXED_TEXT, *_FIXED_MONEY, *_FIXED_RATIO):
        if column not in index:
            continue
        text = cells[index[column]].strip()
        same = (
            same_text(text, rec[column])
            if column in _FIXED_TEXT
            else same_number(text, rec[column], money=column in _FIXED_MONEY)
        )
        if not same:
            editable = ", ".join(EDITABLE_COLUMNS)
            check.say(row_no, column, "fixed_changed", column=column, before=rec[column], after=text, editable=editable)
    ok = True
    try:
        approved = parse_approval(cells[index["approved"]])
    except Refusal as exc:
        check.say(row_no, "approved", exc.key, **exc.fields)
        approved, ok = None, False
    action = rec["action"]
    if "action" in index:
        text = cells[index["action"]].strip()
        word = ACTION_WORDS.get(text.lower())
        if word is not None:
            action = word
        elif text.lower() != rec["action"].lower():
            check.say(row_no, "action", "action", v=text)
            ok = False
    values: dict[str, Decimal | None] = {}
    for column in ("recommended_budget", "recommended_bid"):
        try:
            values[column] = money(cells[index[column]])
        except Refusal as exc:
            check.say(row_no, column, exc.key, **exc.fields)
            ok = False
        else:
            if values[column] is None and rec[column] is not None:
                check.say(row_no, column, "empty_value", column=column)
                ok = False
    if not ok:
        return None
    budget = values["recommended_budget"]
    if budget is not None and budget == 0:
        action = "pause"
    return SimpleNamespace(approved=approved, budget=budget, bid=values["recommended_bid"], action=action)


def _merge(reading: SimpleNamespace, rec: dict, prior: Any, row_no: int) -> SimpleNamespace:
    """The decision in force after this row: each field it changes overrides, the others stay."""
    current = {
        "approved": parse_approval(rec["approved"]),
        "budget": rec["recommended_budget"],
        "bid": rec["recommended_bid"],
        "action": prior.action if prior is not None and prior.action else rec["action"],
    }
    original = {"approved": None, "budget": rec["proposed_budget"], "bid": rec["proposed_bid"], "action": rec["action"]}
    merged, changed, kept = dict(current), [], []
    for name, value in vars(reading).items():
        if value == current[name]:
            continue
        if value == original[name]:
            kept.append(name)  # the file shows the exported value: an earlier decision stays
            continue
        merged[name] = value
        changed.append(name)
    notes = []
    where = f"row {row_no} (campaign {rec['campaign_id']})"
    if prior is not None and changed:
        notes.append(
            f"{where} overrides the decision of {prior.file} row {prior.row} ({prior.imported_at:%Y-%m-%d %H:%M} UTC): "
            + ", ".join(f"{n} {current[n]} -> {merged[n]}" for n in changed)
        )
    elif prior is not None and kept:
        notes.append(
            f"{where} shows {', '.join(kept)} as exported: the decision of {prior.file} row {prior.row} "
            f"({prior.imported_at:%Y-%m-%d %H:%M} UTC) stays"
        )
    applies = merged["approved"] is True or (merged["approved"] is None and rec["decision"] == "auto")
    edited = (
        merged["budget"] != rec["proposed_budget"]
        or merged["bid"] != rec["proposed_bid"]
        or merged["action"] != rec["action"]
    )
    return SimpleNamespace(
        **merged, changed=bool(changed), notes=notes, applies=applies, edited=edited, stored=rec, row_no=row_no
    )


def _check_total(check: _Checker, stored: dict, merged: dict, settings: Settings) -> None:
    if settings.budget.total_daily is None:
        return
    total = Decimal(0)
    for key, rec in stored.items():
        m = merged.get(key)
        if m is not None:
            applies, budget = m.applies, (Decimal(0) if m.action == "pause" else m.budget)
        else:
            answer = parse_approval(rec["approved"])
            applies, budget = (
                answer is True or (answer is None and rec["decision"] == "auto"),
                rec["recommended_budget"],
            )
        total += (budget if applies else rec["current_budget"]) or 0
    if total > settings.budget.total_daily:
        check.say(None, "recommended_budget", "over_total", total=total, limit=settings.budget.total_daily)


def _verify(check: _Checker, stored: dict, merged: dict, decided: dict, settings: Settings, live) -> None:
    """Every account's rows in force after the review through ``verify`` (see ``review_check``)."""
    from optimizer.act.review_check import verify_review

    by_account: dict[str, list[tuple[SimpleNamespace, SimpleNamespace]]] = {}
    for key, rec in stored.items():
        m = merged.get(key)
        if m is None:
            prior = decided.get(key)
            answer = parse_approval(rec["approved"])
            m = SimpleNamespace(
                approved=answer,
                budget=rec["recommended_budget"],
                bid=rec["recommended_bid"],
                action=prior.action if prior is not None and prior.action else rec["action"],
                applies=answer is True or (answer is None and rec["decision"] == "auto"),
                edited=False,
                stored=rec,
                row_no=None,
            )
        base = SimpleNamespace(**{**vars(m), "budget": rec["proposed_budget"], "bid": rec["proposed_bid"]})
        base.action, base.edited = rec["action"], False
        by_account.setdefault(key[0], []).append((m, base))
    add = check.say
    for pairs in by_account.values():
        verify_review(add, [m for m, _ in pairs], [b for _, b in pairs], settings, live)


def import_review(
    path: Path | str,
    engine: Engine,
    settings: Settings,
    *,
    write: bool = True,
    live: Callable[[str], list[CampaignState]] | None = None,
) -> ReviewDecision:
    """Read a reviewed recommendations file, validate it, record the decisions it makes.

    Returns the rows to apply (contract columns, with the decisions in force).
    Raises ``InputError`` listing every problem (file:row:column); then nothing
    is written. ``write=False`` validates and returns the same without storing.
    ``live``: reads an account's campaigns from the platform (the connector's
    ``list_campaigns``): a campaign it does not list, or lists as excluded, is
    locked for ``verify``, and a resume needs it paused.
    """
    from optimizer.act.review_store import latest_decisions, stored_rows

    path = Path(path)
    table, check, index, ids = _read(path)
    run_ids = sorted({r[index["run_id"]].strip() for r in table.rows} - {""})
    if len(run_ids) > 1:
        check.say(None, "run_id", "mixed_runs", runs=", ".join(run_ids))
        raise InputError(check.problems)
    run_id = run_ids[0] if run_ids else ""
    stored = stored_rows(engine, run_id) if run_id else {}
    if run_id and not stored:
        check.say(table.row_numbers[0], "run_id", "no_run", run_id=run_id)
    decided = latest_decisions(engine, run_id) if stored else {}
    on_platform: dict[tuple[str, str], CampaignState | None] | None = None
    if live is not None:
        shown = {(s.account_id, s.campaign_id): s for a in sorted({k[0] for k in stored}) for s in live(a)}
        on_platform = {key: shown.get(key) for key in stored}
    merged: dict[tuple[str, str], SimpleNamespace] = {}
    seen: dict[tuple[str, str], int] = {}
    bad_id_rows = set().union(*(set(parsed.bad.nonzero()[0].tolist()) for parsed in ids.values()))
    for i, cells in enumerate(table.rows):
        row_no = table.row_numbers[i]
        if i in bad_id_rows or not stored:
            continue
        key = (cells[index["account_id"]].strip(), cells[index["campaign_id"]].strip())
        if key in seen:
            check.say(row_no, "campaign_id", "twice", campaign=key[1], row=seen[key])
            continue
        seen[key] = row_no
        rec = stored.get(key)
        if rec is None:
            check.say(row_no, "campaign_id", "no_recommendation", run_id=run_id, campaign=key[1], account=key[0])
            continue
        reading = _reading(check, row_no, cells, index, rec)
        if reading is None:
            continue
        m = merged[key] = _merge(reading, rec, decided.get(key), row_no)
        _check_edit(check, m, rec, settings, on_platform)
    if not check.problems:
        _check_total(check, stored, merged, settings)
    if not check.problems:
        from optimizer.experiment.arms import review_problems

        for arm_row, column, message in review_problems(engine, stored, merged):
            check.add(arm_row, column, message)
    if not check.problems:
        _verify(check, stored, merged, decided, settings, on_platform)
    if check.problems:
        limit = settings.data.max_problems
        raise InputError(check.problems[:limit], more=max(0, len(check.problems) - limit))
    return _store(engine, table.file, run_id, merged, write=write)


def _check_edit(check: _Checker, m: SimpleNamespace, rec: dict, settings: Settings, live: dict | None) -> None:
    from optimizer.act.review_check import check_guardrails

    if m.action == "resume" and rec["action"] not in ("resume", "hold"):
        check.say(m.row_no, "action", "resume_not_paused", action=rec["action"])
    state = live.get((rec["account_id"], rec["campaign_id"])) if live is not None else None
    if m.action == "resume" and state is not None and state.status != "paused":
        check.say(m.row_no, "action", "resume_delivering")
    edits = SimpleNamespace(
        budget=m.budget,
        bid=m.bid,
        action=m.action,
        budget_edited=m.budget != rec["proposed_budget"] and m.action != "pause",
        bid_edited=m.bid != rec["proposed_bid"],
    )
    check_guardrails(check.say, m.row_no, rec, edits, settings)


def _store(engine: Engine, file: str, run_id: str, merged: dict, *, write: bool) -> ReviewDecision:
    import pandas as pd

    from optimizer.act.review_store import DecisionRecord, record_decisions
    from optimizer.decide.columns import CONTRACT_COLUMNS

    word = {True: "yes", False: "no", None: None}
    now = utc_now()
    records = [
        DecisionRecord(
            m.stored["account_id"],
            m.stored["campaign_id"],
            file[:1000],
            m.row_no,
            now,
            word[m.approved],
            m.budget,
            m.bid,
            m.action if m.action != m.stored["action"] else None,
            "; ".join(m.notes)[:2000],
        )
        for m in merged.values()
        if m.changed
    ]
    if write:
        record_decisions(engine, run_id, records)
    to_apply = []
    for m in merged.values():
        if not m.applies:
            continue
        row = {c: m.stored.get(c) for c in CONTRACT_COLUMNS}
        budget = m.stored["current_budget"] if m.action == "pause" else m.budget
        row.update(
            recommended_budget=budget,
            recommended_bid=m.bid,
            action=m.action,
            approved=word[m.approved],
            effective_date=m.stored["effective_date"].isoformat(),
        )
        to_apply.append(row)
    answers = [m.approved for m in merged.values()]
    return ReviewDecision(
        run_id=run_id,
        file=file,
        approved=answers.count(True),
        rejected=answers.count(False),
        unanswered=answers.count(None),
        edited=sum(1 for m in merged.values() if m.edited),
        notes=tuple(n for m in merged.values() for n in m.notes),
        rows=pd.DataFrame(to_apply, columns=list(CONTRACT_COLUMNS), dtype=object),
    )
