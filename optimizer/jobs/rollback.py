"""``spendopt rollback RUN_ID``: every field a run changed back to its value before the run.

Through the same audited, exactly-once path as every change (``optimizer.act.send``):
each restore is recorded before its call under the key ``<change_key>:rollback``
and confirmed by read-back after it, so a second rollback of the same run finds
them confirmed and sends nothing. A campaign's restores go in the reverse of
the run's order (the run raised the budget, then the bid: the bid goes back
first), which keeps a CPA bid at or below the budget after every call.

A field that changed on the platform since the run (it no longer shows what
the run set) is refused and named, unless ``force``; a forced restore says so
in its reason. A field the run set from "no cap" cannot be put back to no cap
through the API and is named too. While an experiment runs on the account, its
arms hold (``optimizer.experiment.arms.rollback_scope``): a held campaign is not
moved, even with ``force``, and the treatment arm stays within its share.
``dry_run`` reads and plans, writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from connectors.errors import InputError, Problem
from optimizer.act import audit
from optimizer.act.plan_changes import ItemResult, PlannedChange
from optimizer.jobs.connect import open_connector
from optimizer.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import CampaignState, Connector
    from optimizer.act.apply import ApplyReport

__all__ = ["ROLLBACK_SUFFIX", "rollback_run"]

ROLLBACK_SUFFIX = ":rollback"


def _plan(
    records: list[audit.ChangeRecord], shown: dict[str, CampaignState], run_id: str, force: bool
) -> tuple[list[list[PlannedChange]], list[ItemResult]]:
    """Each campaign's restores (newest change first) and the fields refused."""
    by_campaign: dict[str, list[audit.ChangeRecord]] = defaultdict(list)
    for rec in records:
        by_campaign[rec.campaign_id].append(rec)
    queues, refused = [], []
    for cid, recs in by_campaign.items():
        queue = []
        for rec in reversed(recs):
            state = shown.get(cid)
            now = audit.platform_value(state, rec.field) if state is not None else None
            why = None
            if state is None:
                why = "the campaign is no longer on the platform"
            elif rec.before is None:
                why = f"run {run_id} set a first cap ({rec.after}); no cap cannot be restored through the API"
            elif now != rec.after and not force:
                why = (
                    f"changed since: the platform shows {cid} {rec.field} {now}, run {run_id} set {rec.after}; "
                    "not rolled back (--force restores it anyway)"
                )
            if why is not None:
                refused.append(
                    ItemResult(
                        account_id=rec.account_id,
                        campaign_id=cid,
                        field=rec.field,
                        before=now,
                        after=rec.before,
                        outcome="skipped",
                        message=why,
                    )
                )
                continue
            reason = f"rollback of run {run_id} (it set {rec.after})"
            if now != rec.after:
                reason += f"; forced: the platform showed {now}"
            queue.append(
                PlannedChange(
                    change_key=rec.change_key + ROLLBACK_SUFFIX,
                    account_id=rec.account_id,
                    campaign_id=cid,
                    field=rec.field,
                    before=now,
                    after=rec.before,
                    reason=reason,
                )
            )
        if queue:
            queues.append(queue)
    return queues, refused


def rollback_run(
    settings: Settings,
    engine: Engine,
    run_id: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    real_today: dt.date | None = None,
    connector: Connector | None = None,
) -> ApplyReport:
    """Put back every field run ``run_id`` changed (confirmed in the audit log); see the module docstring.

    ``connector``: use this one (its ``today()`` or ``real_today``) instead of the job's.
    """
    records = [
        r
        for r in audit.read_log(engine, run_id=run_id, state="confirmed")
        if not r.change_key.endswith(ROLLBACK_SUFFIX)
    ]
    if not records:
        raise InputError(Problem("command line", f"run {run_id!r} changed nothing on a platform (no confirmed change)"))
    accounts = sorted({r.account_id for r in records})
    if connector is not None:
        clock = getattr(connector, "today", None)
        today = real_today or (clock() if callable(clock) else clock)
        if not isinstance(today, dt.date):
            raise TypeError(f"the connector {type(connector).__name__} tells no date (today)")
        return _rollback(settings, engine, connector, today, run_id, records, dry_run=dry_run, force=force)
    with open_connector(settings, real_today=real_today, save=not dry_run, engine=engine, accounts=accounts) as (
        job_connector,
        today,
        _,
    ):
        return _rollback(settings, engine, job_connector, today, run_id, records, dry_run=dry_run, force=force)


def _already(records: list[audit.ChangeRecord], done: dict[str, audit.ChangeRecord]) -> list[ItemResult]:
    items = []
    for r in records:
        prior = done.get(r.change_key + ROLLBACK_SUFFIX)
        if prior is None or prior.state == "failed":
            continue
        confirmed = prior.state == "confirmed"
        items.append(
            ItemResult(
                account_id=r.account_id,
                campaign_id=r.campaign_id,
                field=r.field,
                before=prior.before,
                after=prior.after,
                outcome="already_applied" if confirmed else "skipped",
                message=f"already rolled back by run {prior.run_id}"
                if confirmed
                else f"run {prior.run_id}'s rollback of it is still pending",
            )
        )
    return items


def _rollback(
    settings: Settings,
    engine: Engine,
    connector: Connector,
    today: dt.date,
    run_id: str,
    records: list[audit.ChangeRecord],
    *,
    dry_run: bool,
    force: bool,
) -> ApplyReport:
    from optimizer.act.apply import ApplyReport
    from optimizer.act.send import Sender, send_queues
    from optimizer.experiment.arms import rollback_scope
    from optimizer.store.lease import claim_run
    from optimizer.version import new_run_id

    rollback_id = new_run_id("rollback")
    items: list[ItemResult] = []
    for account_id in sorted({r.account_id for r in records}):
        mine = [r for r in records if r.account_id == account_id]
        done = audit.load_records(engine, [r.change_key + ROLLBACK_SUFFIX for r in mine])
        items.extend(_already(mine, done))
        mine = [
            r
            for r in mine
            if done.get(r.change_key + ROLLBACK_SUFFIX) is None
            or done[r.change_key + ROLLBACK_SUFFIX].state == "failed"
        ]
        if not mine:
            continue
        shown = {s.campaign_id: s for s in connector.list_campaigns(account_id)}
        queues, refused = _plan(mine, shown, run_id, force)
        queues, held = rollback_scope(engine, account_id, queues, shown, today)
        items.extend(refused + held)
        if dry_run:
            items.extend(ItemResult.for_change(c, "planned", c.reason) for q in queues for c in q)
            continue
        lease = claim_run(engine, account_id, today, "rollback", run_id=rollback_id, ttl_s=settings.job.lease_s)
        try:
            with lease.keep_alive():
                sender = Sender(engine, connector, rollback_id, today, audit.utc_now, guard=lease.check)
                send_queues(sender, queues)
                items.extend(sender.results)
        finally:
            lease.release(done=False)
    return ApplyReport(run_id=rollback_id, effective_date=today, dry_run=dry_run, items=tuple(items))
