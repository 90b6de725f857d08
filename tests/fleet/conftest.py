"""Collect each fleet test's garbage inside it, so a connection procrastinate's or the limiter's
event loop left to the collector is reported on the fleet test that made it, not on a later one."""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_here():
    yield
    gc.collect()
