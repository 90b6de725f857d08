"""The Qianchuan (巨量千川) Open API connector.

::

    settings.py     QianchuanSettings ([qianchuan] section)
    tokens.py       TokenSet and the encrypted, crash-safe TokenStore
    auth.py         the one-time OAuth2 flow (connect)
    transport.py    ApiClient: envelope, error mapping, rate limits, retries, refresh
    pages.py        pagination as a generator of pages, loop-safe
    reads.py        accounts, plans, daily reports, learning/guarantee status
    writes.py       budget, bid, ROI goal and status writes with per-item results
    connector.py    QianchuanConnector (connectors.base.Connector)
    fake_data.py    the fake platform's settings and deterministic world (plans, daily rows)
    fake_auth.py    the fake platform's OAuth2: codes, token exchange, expiry, rotation
    fake_world.py   the fake platform's endpoint logic: envelope, pages, rules, faults
    fake_server.py  the fake platform over real HTTP on 127.0.0.1

Heavy imports (httpx) happen inside functions; importing this package is cheap.
"""

from connectors.qianchuan.settings import QianchuanSettings

__all__ = ["QianchuanSettings"]
