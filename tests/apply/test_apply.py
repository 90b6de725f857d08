"""Audited apply: every change recorded before the call, confirmed after it, never sent twice."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from connectors.errors import BadRequestError
from optimizer.act import audit
from optimizer.act.apply import DRIFT, apply_changes
from tests.apply.conftest import ACCOUNT, EFFECTIVE, IDS, Recording, frame, money, row, state

C_CPA, C_ROI, C_NONE, C_TIGHT, C_PAUSED, C_HIGH_BID = IDS
T0 = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def clock():
    return T0


def apply(engine, connector, rows, run_id="run-1", **kw):
    return apply_changes(engine, connector, frame(*rows), run_id=run_id, effective_date=EFFECTIVE, clock=clock, **kw)


def log_rows(engine):
    return audit.read_log(engine)


def test_changes_are_sent_confirmed_by_read_back_and_audited(engine, connector):
    rows = [
        row(C_CPA, budget=1200, reason="预算加 200：边际 ROI 高于账户阈值"),
        row(C_ROI, action="decrease", bid=3.2),
        row(C_NONE, action="hold"),
    ]
    report = apply(engine, connector, rows)

    assert report.count("confirmed") == 2 and report.ok
    assert state(connector, C_CPA).budget == money(1200)
    assert state(connector, C_ROI).bid == money(3.2)
    records = {r.campaign_id: r for r in log_rows(engine)}
    assert set(records) == {C_CPA, C_ROI}
    budget = records[C_CPA]
    assert (budget.field, budget.before, budget.after, budget.state) == ("budget", "1000.00", "1200.00", "confirmed")
    assert budget.reason == "预算加 200：边际 ROI 高于账户阈值" and budget.run_id == "run-1"
    assert budget.request_id and budget.request_id.startswith("sim-")
    assert budget.confirmed_at is not None and budget.change_key == f"{ACCOUNT}:{C_CPA}:budget:2026-03-02"


def test_running_the_same_apply_twice_sends_nothing_the_second_time(engine, connector):
    rows = [row(C_CPA, budget=1200), row(C_ROI, bid=3.2), row(C_NONE, action="pause")]
    first = apply(engine, connector, rows)
    sent = len(connector.sent)
    second = apply(engine, connector, rows, run_id="run-2")

    assert first.count("confirmed") == 3
    assert len(connector.sent) == sent == 3
    assert second.count("already_applied") == 3 and second.count("confirmed") == 0
    assert len(log_rows(engine)) == 3
    assert {r.run_id for r in log_rows(engine)} == {"run-1"}


def test_dry_run_writes_nothing_and_changes_nothing_on_the_platform(engine, connector):
    before = connector.list_campaigns(ACCOUNT)
    report = apply(engine, connector, [row(C_CPA, budget=1200), row(C_NONE, action="pause")], dry_run=True)

    assert report.dry_run and report.count("planned") == 2
    assert {(i.campaign_id, i.field, i.after) for i in report.items} == {
        (C_CPA, "budget", "1200.00"),
        (C_NONE, "status", "paused"),
    }
    assert connector.calls == []
    assert connector.list_campaigns(ACCOUNT) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from change_log")).scalar() == 0


def test_a_connection_dropped_mid_batch_leaves_pending_rows_that_the_next_run_settles_without_resending(
    engine, connector
):
    rows = [
        row(C_CPA, budget=1200),
        row(C_NONE, budget=1000),
        row(C_PAUSED, action="resume", approved="yes", budget=600),
        row(C_ROI, budget=2400),
    ]
    connector.drop_after = 2  # the first two budget changes reach the platform, then the connection drops
    first = apply(engine, connector, rows)

    assert not first.ok
    assert {i.campaign_id for i in first.by_outcome("pending")} == {C_CPA, C_NONE, C_PAUSED, C_ROI}
    assert {r.state for r in log_rows(engine)} == {"pending"}  # recorded before the call
    assert all(r.error and "connection reset" in r.error for r in log_rows(engine))
    reached = {c.campaign_id for c in connector.sent}
    assert len(reached) == 2
    # the resume's status change waits for its budget change
    assert not any(c.kind == "status" for c in connector.sent)

    second = apply(engine, connector, rows, run_id="run-2")

    assert second.ok
    budget_sends = [c.campaign_id for c in connector.sent if c.kind == "budget"]
    assert sorted(budget_sends) == sorted([C_CPA, C_NONE, C_PAUSED, C_ROI])  # each exactly once, ever
    reconciled = {i.campaign_id for i in second.items if "confirmed by read-back" in i.message}
    assert reconciled == reached
    assert {r.state for r in log_rows(engine)} == {"confirmed"}
    assert state(connector, C_PAUSED).status == "active" and state(connector, C_PAUSED).budget == money(600)


def test_a_crash_between_record_and_confirm_keeps_the_pending_row_for_the_next_run(engine, connector):
    connector.crash_with = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        apply(engine, connector, [row(C_CPA, budget=1200)])
    assert [r.state for r in log_rows(engine)] == ["pending"]

    report = apply(engine, connector, [row(C_CPA, budget=1200)], run_id="run-2")
    assert report.count("confirmed") == 1
    assert [c.campaign_id for c in connector.sent] == [C_CPA]
    assert state(connector, C_CPA).budget == money(1200)


def test_reconcile_settles_pending_rows_by_reading_the_platform_back(engine, connector):
    connector.drop_after = 1
    apply(engine, connector, [row(C_CPA, budget=1200), row(C_NONE, budget=1000)])
    settled = {r.campaign_id: r for r in audit.reconcile(engine, connector, clock=clock)}

    assert settled[C_CPA].state == "confirmed" and settled[C_CPA].confirmed_at is not None
    assert settled[C_NONE].state == "failed" and "still shows 800.00" in settled[C_NONE].error
    assert audit.read_log(engine, state="pending") == []
    # a failed change may be sent again by a later run, once
    again = apply(engine, connector, [row(C_CPA, budget=1200), row(C_NONE, budget=1000)], run_id="run-3")
    assert again.count("already_applied") == 1 and again.count("confirmed") == 1
    assert [c.campaign_id for c in connector.sent].count(C_NONE) == 1


def test_partial_failure_is_recorded_per_item_and_the_rest_go_on(engine, connector):
    rows = [row(C_CPA, budget=1200), row(C_NONE, action="decrease", budget=250), row(C_ROI, budget=2500)]
    report = apply(engine, connector, rows)

    records = {r.campaign_id: r for r in log_rows(engine)}
    assert records[C_NONE].state == "failed" and "budget_range" in records[C_NONE].error
    assert records[C_CPA].state == records[C_ROI].state == "confirmed"
    assert [i.campaign_id for i in report.by_outcome("failed")] == [C_NONE]
    assert state(connector, C_NONE).budget == money(800)


def test_a_batch_refused_as_a_whole_is_retried_item_by_item(engine, connector):
    connector.refuse_batches_with = C_NONE
    report = apply(engine, connector, [row(C_CPA, budget=1200), row(C_NONE, budget=1000), row(C_ROI, budget=2500)])

    outcomes = {i.campaign_id: i.outcome for i in report.items}
    assert outcomes == {C_CPA: "confirmed", C_NONE: "failed", C_ROI: "confirmed"}
    assert "test_rule" in {r.campaign_id: r for r in log_rows(engine)}[C_NONE].error
    assert sorted(c.campaign_id for c in connector.sent) == sorted([C_CPA, C_ROI])


def test_a_fatal_error_fails_its_item_only(engine, platform):
    class Unknown(Recording):
        def _write(self, method, changes):
            if len(changes) == 1 and changes[0].campaign_id == C_ROI:
                raise BadRequestError("ad_id does not exist", code=40001, request_id="req-9")
            return super()._write(method, changes)

    connector = Unknown(platform)
    report = apply(engine, connector, [row(C_ROI, budget=2500), row(C_CPA, action="pause")])
    outcomes = {i.campaign_id: (i.outcome, i.request_id) for i in report.items}
    assert outcomes[C_ROI] == ("failed", "req-9")
    assert outcomes[C_CPA][0] == "confirmed"


@pytest.mark.parametrize(
    ("campaign", "budget", "bid", "first"),
    [
        (C_HIGH_BID, 500, 450, "budget"),  # raising a CPA bid above today's budget: budget first
        (C_TIGHT, 450, 400, "bid"),  # lowering the budget below today's bid: bid first
    ],
)
def test_bid_stays_at_or_below_budget_after_every_call(engine, connector, campaign, budget, bid, first):
    report = apply(engine, connector, [row(campaign, budget=budget, bid=bid)])

    assert report.count("confirmed") == 2, report.items
    assert [c.kind for c in connector.sent] == ([first, "bid" if first == "budget" else "budget"])
    for states in connector.states_after_call:
        s = states[campaign]
        assert s.bid <= s.budget
    assert (state(connector, campaign).budget, state(connector, campaign).bid) == (money(budget), money(bid))


def test_a_campaign_edited_by_hand_since_the_recommendation_is_left_alone(engine, connector, platform):
    from connectors.base import BudgetChange

    platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=C_CPA, budget=money(1500))])
    report = apply(engine, connector, [row(C_CPA, budget=1200), row(C_ROI, bid=3.2)])

    skipped = report.by_outcome("skipped")
    assert [i.campaign_id for i in skipped] == [C_CPA]
    assert DRIFT in skipped[0].message and "1500.00" in skipped[0].message
    assert state(connector, C_CPA).budget == money(1500)
    assert [c.campaign_id for c in connector.sent] == [C_ROI]
    assert {r.campaign_id for r in log_rows(engine)} == {C_ROI}


def test_a_campaign_paused_by_hand_is_not_changed(engine, connector, platform):
    from connectors.base import StatusChange

    platform.update_status([StatusChange(account_id=ACCOUNT, campaign_id=C_CPA, status="paused")])
    report = apply(engine, connector, [row(C_CPA, budget=1200)])
    assert report.by_outcome("skipped")[0].message.startswith(DRIFT)
    assert connector.sent == []


@pytest.mark.parametrize("approved", ["", "no", "否"])
def test_a_paused_campaign_is_never_resumed_without_a_reviewers_yes(engine, connector, approved):
    report = apply(
        engine, connector, [row(C_PAUSED, action="resume", budget=600, decision="review", approved=approved)]
    )
    assert report.count("skipped") == 1 and connector.sent == []
    assert state(connector, C_PAUSED).status == "paused"


def test_an_approved_resume_sets_the_budget_then_activates(engine, connector):
    report = apply(engine, connector, [row(C_PAUSED, action="resume", budget=600, decision="review", approved="是")])
    assert report.count("confirmed") == 2
    assert [c.kind for c in connector.sent] == ["budget", "status"]
    assert state(connector, C_PAUSED).status == "active"


def test_review_rows_are_applied_only_when_approved(engine, connector):
    report = apply(
        engine,
        connector,
        [row(C_CPA, budget=1300, decision="review"), row(C_ROI, budget=2600, decision="review", approved="Yes")],
    )
    assert {i.campaign_id: i.outcome for i in report.items} == {C_CPA: "skipped", C_ROI: "confirmed"}


def test_a_different_value_for_an_already_applied_field_and_date_is_not_sent(engine, connector):
    apply(engine, connector, [row(C_CPA, budget=1200)])
    report = apply(engine, connector, [row(C_CPA, budget=1300, current_budget=1200.0)], run_id="run-2")
    item = report.items[0]
    assert item.outcome == "already_applied" and "1300.00 not sent" in item.message
    assert state(connector, C_CPA).budget == money(1200)


def test_audit_log_reads_per_run_and_per_campaign(engine, connector):
    apply(engine, connector, [row(C_CPA, budget=1200), row(C_ROI, bid=3.2)])
    apply_changes(
        engine,
        connector,
        frame(row(C_CPA, budget=1400, current_budget=1200.0)),
        run_id="run-2",
        effective_date=EFFECTIVE + dt.timedelta(days=1),
        clock=clock,
    )

    assert {r.campaign_id for r in audit.read_log(engine, run_id="run-1")} == {C_CPA, C_ROI}
    per_campaign = audit.read_log(engine, campaign_id=C_CPA)
    assert [(r.run_id, r.before, r.after) for r in per_campaign] == [
        ("run-1", "1000.00", "1200.00"),
        ("run-2", "1200.00", "1400.00"),
    ]
    table = audit.audit_frame(per_campaign)
    assert list(table.columns) == list(audit.AUDIT_COLUMNS)
    assert table["campaign_id"].tolist() == [C_CPA, C_CPA]


def test_a_campaign_listed_twice_is_applied_once(engine, connector):
    report = apply(engine, connector, [row(C_CPA, budget=1200), row(C_CPA, budget=1300)])
    assert [c.campaign_id for c in connector.sent] == [C_CPA]
    assert state(connector, C_CPA).budget == money(1200)
    assert "appears twice" in report.by_outcome("skipped")[0].message


def test_an_account_that_cannot_be_read_is_skipped_without_sending(engine, connector):
    from connectors.errors import TransientError

    class Down(Recording):
        def list_campaigns(self, account_id):
            raise TransientError("HTTP 503", endpoint="ad/get")

    down = Down(connector.inner)
    report = apply(engine, down, [row(C_CPA, budget=1200)])
    assert report.by_outcome("skipped")[0].message.startswith("could not read the campaigns")
    assert down.calls == [] and log_rows(engine) == []


def test_a_confirmed_change_is_never_claimed_again(engine, connector):
    apply(engine, connector, [row(C_CPA, budget=1200)])
    (record,) = log_rows(engine)
    again = {
        k: getattr(record, k)
        for k in ("change_key", "account_id", "campaign_id", "effective_date", "field", "before", "after", "reason")
    }
    assert audit.record_pending(engine, [{**again, "run_id": "run-9"}], T0) == []
    assert log_rows(engine)[0].state == "confirmed" and log_rows(engine)[0].run_id == "run-1"


def test_a_campaign_in_its_learning_phase_keeps_its_bid_unless_a_reviewer_approved(engine, connector):
    from optimizer.act.plan_changes import LEARNING
    from tests.apply.conftest import LEARNING_ID

    assert state(connector, LEARNING_ID).status == "learning"
    report = apply(engine, connector, [row(LEARNING_ID, budget=1200, bid=63)])
    outcomes = {i.field: (i.outcome, i.message) for i in report.items}
    assert outcomes["budget"][0] == "confirmed" and outcomes["bid"] == ("skipped", LEARNING)
    assert state(connector, LEARNING_ID).bid == money(60)

    approved = apply(
        engine,
        connector,
        [row(LEARNING_ID, budget=1200, bid=63, current_budget=1200.0, decision="review", approved="yes")],
        run_id="run-2",
    )
    assert {i.field: i.outcome for i in approved.items} == {"bid": "confirmed"}
    assert state(connector, LEARNING_ID).bid == money(63)


def test_a_write_the_platform_acknowledges_but_does_not_show_is_recorded_failed(engine, platform):
    from connectors.base import WriteResult

    class SaysYes(Recording):
        def update_budgets(self, changes):
            self.calls.append(("update_budgets", list(changes)))
            return [WriteResult(change=c, ok=True, request_id="req-1") for c in changes]  # and does nothing

    connector = SaysYes(platform)
    report = apply(engine, connector, [row(C_CPA, budget=1200)])
    (item,) = report.items
    assert item.outcome == "failed" and "reads back 1000.00" in item.message
    (record,) = log_rows(engine)
    assert record.state == "failed" and record.request_id == "req-1" and "expected 1200.00" in record.error


def test_a_change_the_platform_gives_no_answer_for_stays_pending(engine, platform):
    class Forgets(Recording):
        def update_budgets(self, changes):
            return super().update_budgets(changes)[:-1]

    report = apply(engine, Forgets(platform), [row(C_CPA, budget=1200), row(C_ROI, budget=2400)])
    assert {i.campaign_id: i.outcome for i in report.items} == {C_CPA: "confirmed", C_ROI: "pending"}
    # it did reach the platform: the next run confirms it without sending again
    again = apply(engine, Recording(platform), [row(C_CPA, budget=1200), row(C_ROI, budget=2400)], run_id="run-2")
    assert {i.campaign_id: i.outcome for i in again.items} == {C_CPA: "already_applied", C_ROI: "confirmed"}


def test_an_expired_authorization_stops_the_account_without_retrying_each_item(engine, platform):
    from connectors.errors import AuthError

    class Expired(Recording):
        def _write(self, method, changes):
            self.calls.append((method, list(changes)))
            raise AuthError("refresh token expired: re-authorize the app", code=40103)

    connector = Expired(platform)
    report = apply(engine, connector, [row(C_CPA, budget=1200), row(C_ROI, bid=3.2), row(C_NONE, budget=1000)])
    assert len(connector.calls) == 1  # the bid call is not even tried
    outcomes = {(i.campaign_id, i.field): i.outcome for i in report.items}
    assert outcomes == {(C_CPA, "budget"): "failed", (C_NONE, "budget"): "failed", (C_ROI, "bid"): "skipped"}
    assert {r.state for r in log_rows(engine)} == {"failed"}


def test_the_next_run_settles_pending_changes_it_does_not_plan_again(engine, connector):
    connector.drop_after = 1
    apply(engine, connector, [row(C_CPA, budget=1200), row(C_NONE, budget=1000)])
    assert {r.state for r in log_rows(engine)} == {"pending"}

    report = apply(engine, connector, [row(C_ROI, bid=3.2)], run_id="run-2")  # a new day's plan without them
    outcomes = {i.campaign_id: i.outcome for i in report.items}
    assert outcomes == {C_CPA: "confirmed", C_NONE: "not_applied", C_ROI: "confirmed"}
    records = {r.campaign_id: r for r in log_rows(engine)}
    assert records[C_NONE].state == "failed" and "did not take effect" in records[C_NONE].error
    assert records[C_CPA].state == "confirmed"


def test_the_audit_log_exports_to_a_csv_excel_reads_with_chinese_reasons(engine, connector, tmp_path):
    import csv

    apply(
        engine,
        connector,
        [
            row(C_CPA, budget=1200, reason="预算加 200：边际 ROI 高于阈值"),
            row(C_NONE, action="pause", reason="=ROI 连续 7 天低于 1"),
        ],
    )
    path = audit.write_audit_csv(audit.read_log(engine), tmp_path / "audit" / "changes.csv")

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(audit.AUDIT_COLUMNS)
    by_campaign = {r["campaign_id"]: r for r in rows}
    assert by_campaign[C_CPA]["reason"] == "预算加 200：边际 ROI 高于阈值"
    assert by_campaign[C_CPA]["before"] == "1000.00" and by_campaign[C_CPA]["after"] == "1200.00"
    assert by_campaign[C_NONE]["reason"] == "'=ROI 连续 7 天低于 1"  # never a formula in Excel
    assert by_campaign[C_CPA]["created_at"] == "2026-03-02 01:30:00"
