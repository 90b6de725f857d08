"""Shared set-up for the Qianchuan tests: the fake server, settings and tokens."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from pathlib import Path

from connectors.qianchuan.auth import exchange_auth_code
from connectors.qianchuan.connector import QianchuanConnector
from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenStore, new_key

FAST = {"app_qps": 2000, "account_qps": 2000, "burst": 20, "backoff_base_s": 0.001, "backoff_max_s": 0.01}


def client_settings(server: FakeServer, **overrides) -> QianchuanSettings:
    w = server.world.settings
    return QianchuanSettings(
        base_url=server.base_url,
        auth_url=server.auth_url,
        app_id=w.app_id,
        app_secret=w.app_secret,
        **{"timeout_s": 5, **FAST, **overrides},
    )


def cli_env(server: FakeServer, folder: Path) -> dict[str, str]:
    """The environment `spendopt connect qianchuan` / `pull` need against ``server`` (XDG folders in ``folder``)."""
    w = server.world.settings
    return {
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "SPENDOPT_QIANCHUAN__BASE_URL": server.base_url,
        "SPENDOPT_QIANCHUAN__AUTH_URL": server.auth_url,
        "SPENDOPT_QIANCHUAN_APP_ID": w.app_id,
        "SPENDOPT_QIANCHUAN_APP_SECRET": w.app_secret,
        "SPENDOPT_SECRET_KEY": new_key(),
    }


def authorize(server: FakeServer, settings: QianchuanSettings, folder: Path) -> TokenStore:
    store = TokenStore(folder / "qianchuan-tokens.enc", key=new_key())
    asyncio.run(exchange_auth_code(settings, server.world.issue_auth_code(), store))
    return store


@contextmanager
def fake_connector(tmp_path: Path, fake: FakeSettings, **overrides):
    """A running fake server and an authorized connector on it."""
    with FakeServer(fake) as server:
        settings = client_settings(server, **overrides)
        store = authorize(server, settings, tmp_path)
        with QianchuanConnector(settings, store) as connector:
            yield server, connector
