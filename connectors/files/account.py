"""An account whose data come from console exports: a ``Connector`` without an API.

Most merchants start without Open API access: they download the 标准推广 /
全域推广 reports every morning and ``spendopt import`` them. ``FilesConnector``
lets the daily job treat such an account like any other:

- ``list_accounts`` / ``list_campaigns``: the accounts and campaigns it was
  handed (the job hands it the store's imported accounts, each campaign as the
  newest imported day shows it: budget, bid, bid type, status);
- ``daily_stats``: the rows it was handed (the daily job hands none: the
  store already holds everything ``spendopt import`` read);
- writes are not sent anywhere: each raises ``ManualChangePending``, so the
  change is recorded as pending and a person makes it in the console. The
  next export, once imported, is the platform's read-back: the reconcile step
  of the next run confirms a change whose new value the export shows, and
  flags one whose budget differs from what was approved.

``note`` (who approved, in which file) is carried on every pending change.
It knows nothing of the optimizer: records in, records out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from connectors.base import (
    AccountInfo,
    BidChange,
    BudgetChange,
    CampaignState,
    DailyStat,
    StatusChange,
    WriteResult,
)
from connectors.errors import ManualChangePending

__all__ = ["FilesConnector"]


class FilesConnector:
    """A ``Connector`` over imported console exports; see the module docstring."""

    name = "file"
    applies_by_hand = True
    """Writes are made by a person in the console (the job says so instead of "sent")."""

    def __init__(
        self,
        accounts: Sequence[AccountInfo],
        campaigns: Sequence[CampaignState],
        stats: Sequence[DailyStat] = (),
        *,
        note: str = "",
    ) -> None:
        self._accounts = list(accounts)
        self._campaigns: dict[str, list[CampaignState]] = {}
        for state in campaigns:
            self._campaigns.setdefault(state.account_id, []).append(state)
        self._stats = list(stats)
        self.note = note

    def list_accounts(self) -> list[AccountInfo]:
        return list(self._accounts)

    def list_campaigns(self, account_id: str) -> list[CampaignState]:
        return list(self._campaigns.get(account_id, ()))

    def daily_stats(self, account_id: str, start: dt.date, end: dt.date) -> Iterator[DailyStat]:
        for row in self._stats:
            if row.account_id == account_id and start <= row.date <= end:
                yield row

    def update_budgets(self, changes: Sequence[BudgetChange]) -> list[WriteResult]:
        raise ManualChangePending(_describe(changes, lambda c: f"budget {c.budget}"), note=self.note)

    def update_bids(self, changes: Sequence[BidChange]) -> list[WriteResult]:
        raise ManualChangePending(_describe(changes, lambda c: f"bid {c.bid}"), note=self.note)

    def update_status(self, changes: Sequence[StatusChange]) -> list[WriteResult]:
        raise ManualChangePending(_describe(changes, lambda c: f"status {c.status}"), note=self.note)


def _describe(changes: Sequence, what) -> str:
    return ", ".join(f"campaign {c.campaign_id} {what(c)}" for c in changes)
