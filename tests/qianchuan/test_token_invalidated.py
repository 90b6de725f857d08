"""A token the platform invalidates before its recorded expiry: refreshed once, and the retry carries the new one.

Fake Qianchuan over real HTTP. ``oauth2/advertiser/get`` takes the token as a
query parameter (not the ``Access-Token`` header): the retried request after
the 40102 must carry the refreshed token there too.
"""

from __future__ import annotations

from connectors.qianchuan.fake.world import FakeSettings
from tests.qianchuan.helpers import fake_connector


def test_accounts_are_listed_after_the_token_dies_before_its_expiry(tmp_path):
    with fake_connector(tmp_path, FakeSettings(seed=5, accounts=2, plans_per_account=2)) as (server, connector):
        server.world.expire_access_tokens()  # recorded expiry is a day away; the platform says 40102 now
        accounts = connector.list_accounts()
        assert len(accounts) == 2
        assert connector.client.refreshes == 1
        assert server.world.calls["/open_api/oauth2/advertiser/get/"] == 2  # the 40102, then the retry


def test_plans_are_read_after_the_token_dies_mid_run(tmp_path):
    with fake_connector(tmp_path, FakeSettings(seed=5, accounts=2, plans_per_account=2)) as (server, connector):
        first = connector.list_accounts()[0]
        server.world.expire_access_tokens()
        assert connector.list_campaigns(first.account_id)
        assert connector.client.refreshes == 1
        server.world.expire_access_tokens()
        assert len(connector.list_accounts()) == 2  # a second invalidation: one more refresh, not a failure
        assert connector.client.refreshes == 2
