"""Pagination as a generator of pages, loop-safe.

Qianchuan pages by ``page`` / ``page_size`` and answers
``page_info{page, page_size, total_number, total_page}``. ``pages`` yields one
``Page`` per call until ``total_page`` is reached or a page comes back short,
and refuses a page it has seen before (same number, or the same rows as an
earlier page), so a misbehaving server cannot make a pull run forever; the
number of pages is capped by ``max_pages`` as a last guard.

``all_pages`` reads page 1, then the remaining pages concurrently (the rate
limiter in the client still sets the pace), with the same guards.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.errors import FatalError

__all__ = ["Page", "PageLoopError", "all_pages", "gather_all", "pages"]

Fetch = Callable[[int], Awaitable[tuple[dict[str, Any], str | None]]]
"""``fetch(page_number) -> (data, request_id)``."""


class PageLoopError(FatalError):
    """The server answered a page already seen, or never stopped paginating."""


@dataclass(frozen=True)
class Page:
    number: int
    rows: list[dict[str, Any]]
    total_page: int
    request_id: str | None


class _Seen:
    def __init__(self, endpoint: str, max_pages: int) -> None:
        self.endpoint = endpoint
        self.max_pages = max_pages
        self.numbers: set[int] = set()
        self.digests: set[str] = set()

    def check(self, page: Page) -> None:
        if page.number in self.numbers:
            raise PageLoopError(
                f"page {page.number} was answered twice", endpoint=self.endpoint, request_id=page.request_id
            )
        if page.rows:
            digest = hashlib.sha1(json.dumps(page.rows, sort_keys=True, default=str).encode()).hexdigest()
            if digest in self.digests:
                raise PageLoopError(
                    f"page {page.number} repeats the rows of an earlier page",
                    endpoint=self.endpoint,
                    request_id=page.request_id,
                )
            self.digests.add(digest)
        self.numbers.add(page.number)
        if len(self.numbers) > self.max_pages:
            raise PageLoopError(f"more than {self.max_pages} pages", endpoint=self.endpoint, request_id=page.request_id)


def _page(requested: int, data: dict[str, Any], request_id: str | None, rows_key: str) -> Page:
    info = data.get("page_info") or {}
    rows = data.get(rows_key) or []
    # a server that ignored our page number sent another page: its own number makes it a repeat
    number = int(info.get("page") or requested)
    total = int(info.get("total_page") or (1 if rows else 0))
    return Page(number=number, rows=list(rows), total_page=total, request_id=request_id)


async def pages(fetch: Fetch, *, endpoint: str, rows_key: str = "list", max_pages: int = 10_000) -> AsyncIterator[Page]:
    """Yield pages 1, 2, ... until ``total_page``; refuse repeats."""
    seen = _Seen(endpoint, max_pages)
    number = 1
    while True:
        data, request_id = await fetch(number)
        page = _page(number, data, request_id, rows_key)
        seen.check(page)
        yield page
        if number >= page.total_page or not page.rows:
            return
        number += 1


async def all_pages(fetch: Fetch, *, endpoint: str, rows_key: str = "list", max_pages: int = 10_000) -> list[Page]:
    """Every page, page 1 first and the rest concurrently, in page order."""
    seen = _Seen(endpoint, max_pages)
    data, request_id = await fetch(1)
    first = _page(1, data, request_id, rows_key)
    seen.check(first)
    if first.total_page > max_pages:
        raise PageLoopError(f"total_page {first.total_page} is above the limit {max_pages}", endpoint=endpoint)
    if first.total_page <= 1 or not first.rows:
        return [first]

    async def one(n: int) -> Page:
        d, rid = await fetch(n)
        return _page(n, d, rid, rows_key)

    rest = await gather_all([one(n) for n in range(2, first.total_page + 1)])
    for page in rest:
        seen.check(page)
    return [first, *rest]


async def gather_all(coros: Sequence[Awaitable[Any]]) -> list[Any]:
    """Run ``coros`` concurrently; on the first failure cancel the rest and
    raise that failure (no orphaned tasks, no exception groups)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
