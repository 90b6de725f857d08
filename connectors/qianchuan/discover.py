"""Which Qianchuan advertisers a token may read, and which authorized accounts are left out, and why.

``oauth2/advertiser/get`` lists the accounts the user authorized. A shop
(抖店, ``PLATFORM_ROLE_SHOP_ACCOUNT``) or an agent (代理商) account runs no ads
itself: its Qianchuan advertisers are listed with
``qianchuan/shop/advertiser/list`` / ``2/agent/advertiser/select`` and pulled
instead. Every authorized account that is not pulled itself comes back as a
``LeftOut`` (a shop or agent parent, with how many advertisers were found under
it; an authorization the platform marks invalid), so ``connect`` and ``pull``
can name it with the reason instead of leaving it out silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connectors.qianchuan.pages import pages
from connectors.qianchuan.transport import ApiClient

__all__ = ["AGENT_TYPES", "SHOP_TYPES", "Advertiser", "Discovery", "LeftOut", "discover_advertisers"]

P = "/open_api/v1.0/qianchuan/"
SHOP_TYPES = {"PLATFORM_ROLE_SHOP_ACCOUNT"}
AGENT_TYPES = {"PLATFORM_ROLE_QIANCHUAN_AGENT", "AGENT"}


@dataclass(frozen=True)
class Advertiser:
    advertiser_id: str
    name: str
    via: str = ""  # the shop or agent account it was found under ("" = authorized itself)


@dataclass(frozen=True)
class LeftOut:
    """An authorized account that is not pulled itself."""

    account_id: str
    name: str
    kind: Literal["shop", "agent", "invalid"]
    advertisers: int = 0  # Qianchuan advertisers found under it (pulled instead)


@dataclass(frozen=True)
class Discovery:
    advertisers: list[Advertiser]
    left_out: list[LeftOut]


async def discover_advertisers(client: ApiClient) -> Discovery:
    """Every Qianchuan advertiser the token may use (shops and agents expanded), and what is left out."""
    s = client.settings
    await client.access_token()  # not authorized yet: that is the error to show, before a missing secret
    resp = await client.get(
        "/open_api/oauth2/advertiser/get/", {"app_id": s.app_id, "secret": s.secret()}, token_param="access_token"
    )
    found: dict[str, Advertiser] = {}
    left_out: list[LeftOut] = []
    for account in resp.data.get("list") or []:
        account_id = str(account.get("account_id") or account.get("advertiser_id"))
        name = str(account.get("account_name") or account.get("advertiser_name") or "")
        if account.get("is_valid") is False:
            left_out.append(LeftOut(account_id, name, "invalid"))
            continue
        kind = str(account.get("account_type") or account.get("advertiser_role") or "")
        if kind in SHOP_TYPES:
            path, id_param = P + "shop/advertiser/list/", "shop_id"
        elif kind in AGENT_TYPES:
            path, id_param = "/open_api/2/agent/advertiser/select/", "advertiser_id"
        else:
            found.setdefault(account_id, Advertiser(account_id, name, via=""))
            continue

        async def fetch(page: int, path=path, id_param=id_param, account_id=account_id):
            r = await client.get(path, {id_param: account_id, "page": page, "page_size": 100})
            return r.data, r.request_id

        under = set()
        async for page in pages(fetch, endpoint=path, max_pages=s.max_pages):
            for item in page.rows:
                adv_id = str(item.get("advertiser_id") if isinstance(item, dict) else item)
                adv_name = str(item.get("advertiser_name") or "") if isinstance(item, dict) else ""
                under.add(adv_id)
                found.setdefault(adv_id, Advertiser(adv_id, adv_name or f"{name} {adv_id}".strip(), via=account_id))
        left_out.append(LeftOut(account_id, name, "shop" if kind in SHOP_TYPES else "agent", len(under)))
    pulled = set(found)
    return Discovery(list(found.values()), [x for x in left_out if x.account_id not in pulled])
