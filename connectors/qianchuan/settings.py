"""Settings of the Qianchuan Open API connector.

``QianchuanSettings`` is the ``[qianchuan]`` section of spendopt's settings
(``optimizer.settings.Settings.qianchuan``); it lives here because
``connectors/`` imports nothing from ``optimizer/``. Facts marked low-confidence
in ``docs/qianchuan.md`` are settings with the documented value as
default (report span, page sizes, the 全域 money unit, the learning-status path).

Secrets never come from TOML: ``app_secret`` is a ``SecretStr`` read from
``SPENDOPT_QIANCHUAN_APP_SECRET`` (or the nested form
``SPENDOPT_QIANCHUAN__APP_SECRET``); the token-encryption key is read by
``tokens.py`` from ``SPENDOPT_SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = ["GMV_FIELDS", "GmvBasis", "QianchuanSettings", "default_token_path"]

GmvBasis = Literal["direct_pay", "total_7d", "uni_total"]

GMV_FIELDS: dict[str, tuple[str, str]] = {
    "direct_pay": ("pay_order_amount", "pay_order_count"),
    "total_7d": ("all_order_pay_gmv_7days", "all_order_pay_count_7days"),
}
"""Standard-plan report fields (gmv, orders) for each ``gmv_basis``."""


def default_token_path() -> Path:
    """``$XDG_DATA_HOME/spendopt/qianchuan-tokens.enc`` (outside the repository)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spendopt" / "qianchuan-tokens.enc"


class QianchuanSettings(BaseModel):
    """How to reach the Qianchuan Open API and how hard to push it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(
        "https://api.oceanengine.com", description="API host (ad.oceanengine.com serves the same paths)"
    )
    auth_url: str = Field(
        "https://qianchuan.jinritemai.com/openapi/qc/audit/oauth.html",
        description="where the user authorizes the app (step 1 of OAuth2)",
    )
    redirect_uri: str = Field("", description="the redirect URI registered for the app; the auth_code arrives there")
    app_id: str = Field("", description="the developer app's id (env SPENDOPT_QIANCHUAN_APP_ID)")
    app_secret: SecretStr | None = Field(
        None, description="app secret; environment only (SPENDOPT_QIANCHUAN_APP_SECRET)"
    )
    token_file: Path | None = Field(
        None, description="encrypted token file; absent = $XDG_DATA_HOME/spendopt/qianchuan-tokens.enc"
    )
    refresh_margin_s: float = Field(7200, ge=0, description="refresh the access token when less than this is left (s)")

    app_qps: float = Field(5.0, gt=0, description="client-side request rate limit for the whole app (requests/s)")
    account_qps: float = Field(5.0, gt=0, description="client-side request rate limit per advertiser account")
    burst: int = Field(3, ge=1, description="token-bucket size: requests that may leave back to back after a pause")
    concurrency: int = Field(8, ge=1, le=64, description="requests in flight at once")
    timeout_s: float = Field(30.0, gt=0, description="HTTP timeout per request (s)")
    max_retries: int = Field(5, ge=0, le=20, description="retries of a retriable error before giving up")
    backoff_base_s: float = Field(0.5, ge=0, description="first back-off; doubles per retry, with full jitter")
    backoff_max_s: float = Field(30.0, ge=0, description="longest single back-off (s)")

    page_size: int = Field(100, ge=1, le=1000, description="rows per page for plan lists and reports")
    uni_page_size: Literal[10, 20, 50, 100, 200] = Field(100, description="page size for uni_promotion/list")
    max_pages: int = Field(10_000, ge=1, description="hard stop for one paginated read (loop safety)")
    lookback_days: int = Field(
        7, ge=0, le=60, description="each pull re-reads this many days before --since (late conversions)"
    )
    max_report_span_days: int = Field(30, ge=1, le=180, description="longest date span of one report call")
    status_batch: int = Field(50, ge=1, le=100, description="ad_ids per learning/compensate status call")
    marketing_goals: tuple[Literal["VIDEO_PROM_GOODS", "LIVE_PROM_GOODS"], ...] = Field(
        ("VIDEO_PROM_GOODS", "LIVE_PROM_GOODS"), description="goals to list plans for (ad/get takes one per call)"
    )
    include_uni: bool = Field(True, description="also read 全域推广 plans and reports (uni_promotion endpoints)")
    gmv_basis: GmvBasis = Field("direct_pay", description="which GMV field becomes gmv for standard plans")
    uni_gmv_field: str = Field("total_pay_order_gmv_for_roi2", description="全域 report field that becomes gmv")
    uni_orders_field: str = Field("total_pay_order_count_for_roi2", description="全域 report field that becomes orders")
    uni_milli_fen_fields: tuple[str, ...] = Field(
        ("stat_cost",), description="全域 report fields sent in 1/1000 fen (divided by 100000 to CNY)"
    )
    learning_status_path: str = Field(
        "/open_api/v1.0/qianchuan/ad/learing_status/get/",
        description="official path (sic); bububa uses learning_status",
    )
    read_status_details: bool = Field(True, description="read learning and cost-guarantee status per plan")

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_env(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("app_id", "app_secret"):
            if not data.get(key):
                value = os.environ.get(f"SPENDOPT_QIANCHUAN_{key.upper()}")
                if value:
                    data[key] = value
        return data

    def resolved_token_file(self) -> Path:
        return self.token_file or default_token_path()

    def secret(self) -> str:
        """The app secret; raises ``AuthError`` with what to set when it is missing."""
        from connectors.errors import AuthError

        if not self.app_id or self.app_secret is None or not self.app_secret.get_secret_value():
            raise AuthError(
                "Qianchuan app id and secret are not set: export SPENDOPT_QIANCHUAN_APP_ID and SPENDOPT_QIANCHUAN_APP_SECRET"
            )
        return self.app_secret.get_secret_value()
