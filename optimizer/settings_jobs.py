"""The settings sections of what runs around the daily decision: the schedule, the alerts and their
chat bots, the fleet worker and the budget-split experiment.

Re-exported by ``optimizer.settings``, whose ``Settings`` holds them; import them from there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from optimizer.i18n import WordedError

__all__ = ["AlertSettings", "ExperimentSettings", "NotifySettings", "ScheduleSettings", "WorkerSettings"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScheduleSettings(_Section):
    """When ``spendopt schedule`` runs the daily job (``optimizer/jobs/schedule.py``)."""

    time: str = Field(
        "09:30",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        description="local time of the daily run, HH:MM (after Qianchuan's ~09:00 data freshness)",
    )
    timezone: str = Field("Asia/Shanghai", description="IANA time zone the time is in")
    misfire_grace_s: int = Field(
        3600, ge=1, le=86_400, description="a run missed by up to this many seconds (machine asleep) still happens"
    )
    enabled: bool = Field(True, description="false = spendopt schedule refuses to start")
    data_deadline: str = Field(
        "12:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        description="local time after which a day whose data is still not final is reported late (no run)",
    )
    retry_s: float = Field(300, gt=0, le=86_400, description="first wait before asking again whether the data is final")
    retry_max_s: float = Field(1800, gt=0, le=86_400, description="longest wait between two asks (the wait doubles)")

    @model_validator(mode="after")
    def _known_timezone(self) -> ScheduleSettings:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise WordedError("config.timezone", zone=self.timezone) from None
        return self


class AlertSettings(_Section):
    """Anomaly checks of the daily job and of ``spendopt watch`` (``optimizer/alerts``)."""

    enabled: bool = Field(True, description="false = no checks, no alerts")
    z: float = Field(3.0, ge=1, le=10, description="a check fires past this many standard deviations of the model")
    learning_z: float = Field(5.0, ge=1, le=20, description="the same, for campaigns in learning, thin or new")
    relative: float = Field(0.3, ge=0, le=1, description="and only when the shortfall is at least this share")
    absolute: Decimal = Field(Decimal(200), ge=0, description="and at least this much money (CNY)")
    min_spend: Decimal = Field(Decimal(200), ge=0, description="campaign-days spending less are not checked")
    min_orders: float = Field(5, ge=0, description="expected orders below this: no orders test")
    target_miss: float = Field(0.4, gt=0, le=5, description="CPA above bid x (1 + this) or ROI under goal x (1 - this)")
    window_days: int = Field(28, ge=7, le=120, description="days of residuals a campaign's band is measured on")
    cusum_drop: float = Field(
        0.4, gt=0, lt=1, description="multi-day check: the lasting GMV shortfall (share) its reference value is set for"
    )
    cusum_arl: float = Field(
        1000,
        ge=0,
        le=1e7,
        description="multi-day check: campaign-days between false alarms on a normal campaign (0 = off)",
    )
    cooldown_hours: float = Field(
        72, ge=0, le=24 * 60, description="a resolved problem seen again within this is not new"
    )
    review_open: bool = Field(True, description="a campaign with an open alert goes to review, never auto")
    watch_interval_min: float = Field(30, ge=1, le=720, description="spendopt watch polls today's spend this often")
    pacing_fast: float = Field(2.0, gt=1, le=20, description="spend since the last poll this many times the forecast")
    pacing_slow: float = Field(0.3, ge=0, lt=1, description="spend so far under this share of the forecast so far")
    watch_min_spend: Decimal = Field(
        Decimal(15), ge=0, description="forecast spend between two polls below this: no pacing or dead check"
    )
    intraday_shape: tuple[float, ...] = Field(
        (1.0,) * 24,
        min_length=24,
        max_length=24,
        description="relative spend per local hour 0-23 (flat = even pacing) until the watch has learned a campaign's own",
    )

    @model_validator(mode="after")
    def _shape_positive(self) -> AlertSettings:
        if any(w < 0 for w in self.intraday_shape) or sum(self.intraday_shape) <= 0:
            raise WordedError("config.intraday_shape")
        return self


class NotifySettings(_Section):
    """Chat notifications (``optimizer/notify``). The bots' URLs and secrets come from the environment only."""

    enabled: bool = Field(True, description="false = nothing is sent to any bot (the kill switch)")
    timeout_s: float = Field(10.0, gt=0, le=120, description="HTTP timeout per message (s)")
    max_retries: int = Field(3, ge=0, le=10, description="retries of a 5xx or network error per message")
    max_wait_s: float = Field(
        900.0,
        ge=0,
        le=3600,
        description="longest a bot's rate limit may hold the messages back before they wait for the next run",
    )


class WorkerSettings(_Section):
    """``spendopt worker``: the fleet mode on PostgreSQL (``optimizer/jobs/queue.py``, docs/agency.md)."""

    concurrency: int = Field(1, ge=1, le=32, description="account jobs one worker process runs at once (threads)")
    max_attempts: int = Field(
        3, ge=1, le=20, description="runs of one account-day before it is reported failed (first run included)"
    )
    retry_wait_s: int = Field(
        120,
        ge=0,
        le=86_400,
        description="wait before a failed account-day runs again (s); at least [job] lease_s, so a retry finds a "
        "dead worker's run key expired",
    )
    heartbeat_s: float = Field(10.0, gt=0, le=600, description="how often a worker tells the database it is alive (s)")
    stalled_after_s: float = Field(
        30.0, gt=0, le=3600, description="a worker silent this long is dead: its jobs run again elsewhere (s)"
    )
    report: bool = Field(True, description="false = no PNG/HTML pictures per account (the CSV/XLSX are written)")

    @model_validator(mode="after")
    def _stall_after_heartbeats(self) -> WorkerSettings:
        if self.stalled_after_s < 2 * self.heartbeat_s:
            raise WordedError("config.stalled_after")
        return self


class ExperimentSettings(_Section):
    """A budget-split test (``spendopt experiment``): its design and how the report reads it."""

    treatment_share: float = Field(0.5, gt=0, lt=1, description="share of the campaigns drawn into the treatment arm")
    pre_days: int = Field(28, ge=7, le=365, description="days before the start the plan and the CUPED adjustment read")
    days: int = Field(28, ge=3, le=365, description="planned test days (matured, after the burn-in)")
    burn_in_days: int = Field(3, ge=0, le=60, description="first test days left out (learning, settling)")
    mature_days: int = Field(
        7, ge=0, le=60, description="a day is read only once it is this many days old (attribution)"
    )
    alpha: float = Field(0.05, gt=0, lt=0.5, description="1 - confidence of the interval")
    power: float = Field(0.8, gt=0.5, lt=1, description="power the plan's minimum detectable effect is quoted at")
    realistic_lift_pct: float = Field(
        5.0, gt=0, le=100, description="the plan warns when it cannot detect a lift this large (%)"
    )
    se_method: Literal["delta", "bootstrap", "randomization"] = Field(
        "delta", description="interval: a standard error over days, or the redrawn design (randomization)"
    )
    sequential: bool = Field(False, description="always-valid interval, for looking before the planned end")
