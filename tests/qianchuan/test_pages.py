"""Pagination: every page once, in order; a looping server is refused."""

from __future__ import annotations

import asyncio

import pytest

from connectors.qianchuan.pages import PageLoopError, all_pages, pages


def server(rows: list[int], size: int, *, stuck_on: int | None = None, lie_total: int | None = None):
    calls = []

    async def fetch(page: int):
        calls.append(page)
        real = stuck_on if stuck_on is not None and page > stuck_on else page
        chunk = rows[(real - 1) * size : real * size]
        total = lie_total or -(-len(rows) // size)
        return {"list": chunk, "page_info": {"page": real, "page_size": size, "total_page": total}}, f"r{page}"

    return fetch, calls


async def collect(gen):
    return [p async for p in gen]


@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 250])
def test_every_row_is_read_exactly_once(n):
    fetch, _calls = server(list(range(n)), 100)
    got = asyncio.run(collect(pages(fetch, endpoint="/x")))
    assert [r for p in got for r in p.rows] == list(range(n))
    fetch2, _ = server(list(range(n)), 100)
    got2 = asyncio.run(all_pages(fetch2, endpoint="/x"))
    assert [r for p in got2 for r in p.rows] == list(range(n))


def test_a_server_answering_the_same_page_again_is_refused():
    fetch, _ = server(list(range(300)), 100, stuck_on=1)
    with pytest.raises(PageLoopError, match="twice"):
        asyncio.run(collect(pages(fetch, endpoint="/x")))
    fetch, _ = server(list(range(300)), 100, stuck_on=1)
    with pytest.raises(PageLoopError):
        asyncio.run(all_pages(fetch, endpoint="/x"))


def test_a_server_that_never_stops_hits_the_page_limit():
    async def fetch(page: int):
        return {"list": [page], "page_info": {"page": page, "total_page": 10**9}}, None

    with pytest.raises(PageLoopError, match="more than 5 pages"):
        asyncio.run(collect(pages(fetch, endpoint="/x", max_pages=5)))
    with pytest.raises(PageLoopError, match="above the limit"):
        asyncio.run(all_pages(fetch, endpoint="/x", max_pages=5))
