"""Secrets never leak: not in logs, exception texts, CSV outputs, the database or the token file."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from connectors.errors import ConnectorError
from connectors.qianchuan.auth import connect
from connectors.qianchuan.connector import QianchuanConnector
from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.tokens import TokenStore, new_key
from optimizer.jobs.pull import pull
from optimizer.store import load_stats, open_store
from tests.qianchuan.checks import pick_changes
from tests.qianchuan.helpers import client_settings


def test_no_token_or_app_secret_appears_anywhere_in_plain_text(tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    fake = FakeSettings(
        seed=31,
        accounts=2,
        plans_per_account=25,
        uni_plans_per_account=1,
        app_secret="APPSECRET-4d1f9c",
        expire_access_after_calls=25,
    )
    texts: list[str] = []
    with FakeServer(fake) as server:
        world = server.world
        settings = client_settings(server)
        store = TokenStore(tmp_path / "tokens.enc", key=new_key())
        connect(
            settings,
            ask=lambda _p: world.issue_auth_code(),
            say=lambda line: (texts.append(line), print(line)),
            store=store,
        )
        texts.append(repr(settings) + str(settings.model_dump()) + repr(store.load()))
        db = tmp_path / "spendopt.db"
        engine = open_store(f"sqlite:///{db}")
        with QianchuanConnector(settings, store) as connector:
            summary = pull(connector, engine, today=world.today, initial_days=10)
            account = summary.accounts[0].account_id
            budgets, bids, _ = pick_changes(connector.list_campaigns(account), world)
            results = connector.update_budgets(budgets) + connector.update_bids(bids)
            texts += [repr(r) for r in results]
            with pytest.raises(ConnectorError) as info:  # an account the token may not touch
                connector.list_campaigns("1999999999999999")
            texts.append(str(info.value) + repr(info.value))
            assert connector.client.refreshes >= 1  # rotated tokens are covered too
        frame = load_stats(engine)
        csv = tmp_path / "stats.csv"
        frame.to_csv(csv, index=False, encoding="utf-8-sig")
        engine.dispose()
        with sqlite3.connect(db) as conn:
            dump = "\n".join(conn.iterdump())

    secrets = [fake.app_secret, *world.issued]
    assert len(world.issued) >= 4
    haystacks = {
        "logs": caplog.text,
        "printed": capsys.readouterr().out + "\n".join(texts),
        "csv": csv.read_text(encoding="utf-8-sig"),
        "database": dump + db.read_bytes().decode("latin-1"),
        "token file": (tmp_path / "tokens.enc").read_bytes().decode("latin-1"),
    }
    assert "千川" in haystacks["csv"] or "带货" in haystacks["csv"]  # the CSV really holds the pulled data
    assert "/open_api/" in haystacks["logs"]  # the logs really cover the calls
    for name, text in haystacks.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into the {name}"
