"""Fixtures shared by every test folder.

- ``store_url``: parametrized over SQLite and a real PostgreSQL, so a storage
  test written once runs on both. The PostgreSQL server is started once per
  session from Debian's binaries (``tests/pgserver.py``); every test gets a
  fresh database. With ``CI`` set, a missing server is a failure, never a skip.
- ``engine``: a migrated store on ``store_url``.
- the session speaks English (``SPENDOPT_UI__LANGUAGE=en``) unless a test asks for zh-CN.
- ``isolated_home``: XDG folders in a temporary directory, so no test touches
  the real user's store or config.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from tests.pgserver import PostgresServer, find_bindir

_counter = itertools.count()


def pytest_configure(config) -> None:
    """No test may touch the real user's store, config or tokens: point the XDG
    folders and HOME-based defaults at a throwaway folder for the whole session
    (``isolated_home`` gives a test its own, emptier one)."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="spendopt-tests-"))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        (root / sub).mkdir()
        os.environ[var] = str(root / sub)
    for var in [v for v in os.environ if v.startswith("SPENDOPT_") and v not in ("SPENDOPT_PG_BINDIR",)]:
        del os.environ[var]
    # What a person reads is zh-CN by default; tests that check English text get it from this
    # setting, tests of the Chinese text ask for zh-CN (``monkeypatch.setenv`` or ``lang=``).
    os.environ["SPENDOPT_UI__LANGUAGE"] = "en"


@pytest.fixture(scope="session")
def postgres_server():
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL binaries not found (apt-get install postgresql, or set SPENDOPT_PG_BINDIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    return postgres_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(store_url):
    from optimizer.store import open_store

    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def isolated_home(tmp_path, monkeypatch) -> Path:
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("HOME", "home")):
        path = tmp_path / sub
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    for var in [v for v in os.environ if v.startswith("SPENDOPT_") and v != "SPENDOPT_UI__LANGUAGE"]:
        monkeypatch.delenv(var)
    return tmp_path
