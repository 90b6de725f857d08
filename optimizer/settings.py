"""One frozen, typed settings object, built from a TOML file plus ``SPENDOPT_*``.

Sources, strongest first: keyword arguments, environment variables
(``SPENDOPT_DATABASE_URL``, ``SPENDOPT_BUDGET__TOTAL_DAILY``: sections are
joined with ``__``), the TOML file, the defaults below. Every key is listed and
explained in ``config/spendopt.example.toml``; section 4 of the data contract
is part of it with the same names.

An unknown key, an out-of-range value or ``true``/``false`` where a number is
expected is an ``InputError`` naming the key, the file and the allowed range
or type; so is a secret in the file, naming the environment variable to use
(``optimizer.settings_check``). Secrets never come from TOML: they are
``SecretStr`` fields read from the environment only.
"""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connectors.errors import InputError
from connectors.qianchuan.settings import QianchuanSettings
from connectors.rules import PlatformRules
from connectors.tomlfile import read_toml

__all__ = [
    "AlertSettings",
    "BidSettings",
    "BudgetSettings",
    "ChannelSettings",
    "DataSettings",
    "JobSettings",
    "ModelSettings",
    "NotifySettings",
    "ObjectiveSettings",
    "ReviewSettings",
    "ScheduleSettings",
    "Settings",
    "UiSettings",
    "config_hash",
    "default_config_path",
    "default_data_dir",
    "default_database_url",
    "load_settings",
]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BudgetSettings(_Section):
    total_daily: Decimal | None = Field(
        None, ge=0, description="sum of recommended daily budgets stays at or below this; absent = keep today's total"
    )
    min_campaign_budget: Decimal = Field(
        Decimal(300), ge=0, description="a live campaign's budget is 0 (paused) or at least this"
    )
    max_change_pct: float = Field(30, gt=0, le=100, description="a campaign's budget moves at most this much per day")
    resume_after_days: int = Field(
        3,
        ge=0,
        le=60,
        description=(
            "a campaign paused fewer than this many days ago is not resumed unless its forecast ROI rose by a "
            "fifth or more (hysteresis: no pause today and resume tomorrow; 0 = off)"
        ),
    )


class BidSettings(_Section):
    max_change_pct: float = Field(10, ge=0, le=100, description="a bid moves at most this much per day")


class ObjectiveSettings(_Section):
    target: Literal["gmv", "profit"] = Field("gmv", description='"gmv", or "profit" (needs gross_margin)')
    gross_margin: float = Field(0.35, gt=0, le=1, description="share of GMV that is profit before ad cost")
    roi_floor: float = Field(2.0, ge=0, description="forecast total GMV / total spend stays at or above this")
    uncertainty_penalty: float = Field(
        1.0,
        ge=0,
        le=10,
        description=(
            "kappa: a move away from today's settings is scored by its expected GMV minus kappa x the change "
            "in the forecast's standard deviation, so the optimizer does not make large moves on noise"
        ),
    )
    floor_confidence: float = Field(
        0.8,
        ge=0.5,
        lt=1,
        description=(
            "the plan meets roi_floor with this probability under the forecast's own uncertainty "
            "(a chance constraint; 0.5 = plan exactly to the forecast)"
        ),
    )
    guardrail_priority: tuple[
        Literal["objective.roi_floor", "channel.max_share", "channel.min_share"],
        Literal["objective.roi_floor", "channel.max_share", "channel.min_share"],
        Literal["objective.roi_floor", "channel.max_share", "channel.min_share"],
    ] = Field(
        ("objective.roi_floor", "channel.max_share", "channel.min_share"),
        description=(
            "when these soft guardrails cannot all hold, the plan keeps them in this order (the last is relaxed "
            "first, by the least that makes a plan); steps, minimum budget, total and platform rules always hold"
        ),
    )

    @model_validator(mode="after")
    def _priority_names_each_once(self) -> ObjectiveSettings:
        if len(set(self.guardrail_priority)) != 3:
            raise ValueError("guardrail_priority must name each of its three guardrails once")
        return self


class ChannelSettings(_Section):
    name: str = Field(min_length=1, description="channel name as in the input's channel column")
    min_share: float = Field(0.0, ge=0, le=1, description="of total_daily")
    max_share: float = Field(1.0, ge=0, le=1, description="of total_daily")

    @model_validator(mode="after")
    def _min_below_max(self) -> ChannelSettings:
        if self.min_share > self.max_share:
            raise ValueError(f"min_share {self.min_share} is above max_share {self.max_share}")
        return self


class ReviewSettings(_Section):
    auto_apply_max_change_pct: float = Field(
        15, ge=0, le=100, description="budget or bid changes larger than this are flagged for review"
    )


class ModelSettings(_Section):
    """Knobs of the response model (``optimizer/model/fit.py``) and its use by the solver."""

    lag_maturity: tuple[float, ...] = Field(
        (0.90, 0.96, 0.99),
        description=(
            "share of a day's final GMV already reported 1, 2, 3... days after it (later days count as final); "
            "used when the store holds no re-sent rows to estimate it from"
        ),
    )
    censor_threshold: float = Field(
        0.95, gt=0.5, le=1, description="a day whose spend reached this share of its budget counts as capped"
    )
    shrinkage: float = Field(
        1.0, ge=0, le=100, description="strength of pooling towards the channel/account (0 = none, 1 = empirical Bayes)"
    )
    exploration_share: float = Field(
        0.0,
        ge=0,
        le=0.2,
        description=(
            "share of the total budget reserved for one-step raises of under-explored campaigns (off by default: "
            "in 28-day simulations it cost more GMV than the learning returned)"
        ),
    )
    hold_bids_in_learning: bool = Field(True, description="new campaigns and campaigns in learning keep their bids")
    bid_settle_days: int = Field(
        0, ge=0, le=30, description="days a campaign keeps a new bid before its bid moves again (0 = any day)"
    )
    test_step_pct: float = Field(
        5.0,
        ge=0,
        le=100,
        description=(
            "the few campaigns whose bid never varied that are tested each day may move their bid this much "
            "(0 = no tests; see optimizer/decide/bid_tests.py)"
        ),
    )
    unidentified_bid_step_pct: float = Field(
        3.0,
        ge=0,
        le=100,
        description="a campaign whose bid never varied and is not under test moves its bid at most this much",
    )
    test_campaigns_share: float = Field(
        0.1, ge=0, le=1, description="at most this share of the campaigns with a bid is tested on one day (at least 1)"
    )
    test_cost_share: float = Field(
        0.003,
        ge=0,
        le=0.1,
        description="the day's bid tests together put at most this share of the account's expected GMV at stake",
    )
    level_shifts: bool = Field(
        True,
        description=(
            "a channel whose yesterday was far from its usual forecast error (a sale, a drop, going dark) has "
            "that shift in tomorrow's forecast, and only while the newest day shows it (optimizer/model/shifts.py)"
        ),
    )
    half_life_days: float = Field(
        7.0, gt=0, le=365, description="a day's weight in the fit halves every this many days back (curves drift)"
    )
    min_history_days: int = Field(7, ge=1, le=365, description="fewer days of history than this = thin data (review)")

    @model_validator(mode="after")
    def _maturity_rises(self) -> ModelSettings:
        curve = self.lag_maturity
        if any(not (0 < m <= 1) for m in curve):
            raise ValueError("lag_maturity values must be in (0, 1]")
        if any(b < a for a, b in zip(curve, curve[1:], strict=False)):
            raise ValueError("lag_maturity must not decrease with age")
        return self


class DataSettings(_Section):
    gmv_basis: Literal["direct_pay", "total_7d", "uni_total"] = Field(
        "direct_pay",
        description=(
            "which GMV a console export's gmv column comes from: direct_pay (直接成交金额), "
            "total_7d (7日总成交金额) or uni_total (全域 整体成交金额); never mixed within one account"
        ),
    )
    timezone: str = Field("Asia/Shanghai", description="the accounts' calendar (Qianchuan: Asia/Shanghai)")
    max_problems: int = Field(50, ge=1, le=10_000, description="import errors listed before the reader stops")


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
            raise ValueError(f"unknown time zone {self.timezone!r} (use an IANA name such as Asia/Shanghai)") from None
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
        (1.0,) * 24, min_length=24, max_length=24, description="relative spend per local hour 0-23 (flat = even pacing)"
    )

    @model_validator(mode="after")
    def _shape_positive(self) -> AlertSettings:
        if any(w < 0 for w in self.intraday_shape) or sum(self.intraday_shape) <= 0:
            raise ValueError("intraday_shape needs 24 non-negative weights, not all zero")
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


class JobSettings(_Section):
    """What ``spendopt run`` (the daily job) works on and where it writes."""

    connector: Literal["sim", "qianchuan", "files"] = Field(
        "sim",
        description='"sim": the embedded simulated account (no credentials); "qianchuan": the Open API; '
        '"files": the accounts imported from console exports (changes made by hand)',
    )
    sim_scenario: str = Field("demo", min_length=1, description="preset (config/scenarios) of the simulated account")
    sim_seed: int = Field(1, ge=0, description="seed of the simulated account")
    history_days: int = Field(56, ge=14, le=400, description="days of history pulled on first run and fitted on")
    output_dir: str | None = Field(None, description="where run folders go; absent = <data dir>/runs")
    lease_s: float = Field(
        120, ge=5, le=3600, description="a run's key on its account-day expires this long after its last renewal"
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
            raise ValueError("stalled_after_s must be at least twice heartbeat_s (a live worker would look dead)")
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


class UiSettings(_Section):
    """What a person reads: the language of reasons, labels, reports, summaries and messages."""

    language: Literal["zh-CN", "en"] = Field(
        "zh-CN",
        description='"zh-CN" (简体中文, the default) or "en"; the contract\'s column names and values never change',
    )


class Settings(BaseSettings):
    """Everything spendopt can be told, frozen once built."""

    model_config = SettingsConfigDict(
        env_prefix="SPENDOPT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the store; absent = SQLite in the user's data directory"
    )
    budget: BudgetSettings = BudgetSettings()
    bid: BidSettings = BidSettings()
    objective: ObjectiveSettings = ObjectiveSettings()
    channel: tuple[ChannelSettings, ...] = Field((), description="[[channel]] share constraints")
    review: ReviewSettings = ReviewSettings()
    data: DataSettings = DataSettings()
    job: JobSettings = JobSettings()
    worker: WorkerSettings = WorkerSettings()
    model: ModelSettings = ModelSettings()
    experiment: ExperimentSettings = ExperimentSettings()
    platform: PlatformRules = PlatformRules()
    ui: UiSettings = Field(default_factory=UiSettings, description="[ui] language of what a person reads")
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings, description="[schedule] the daily run")
    notify: NotifySettings = Field(default_factory=NotifySettings, description="[notify] chat notifications")
    alerts: AlertSettings = Field(default_factory=AlertSettings, description="[alerts] anomaly checks")
    qianchuan: QianchuanSettings = Field(
        default_factory=QianchuanSettings,
        description="[qianchuan] Open API connector; secrets from the environment only",
    )

    @model_validator(mode="before")
    @classmethod
    def _qianchuan_gmv_follows_data(cls, data: Any) -> Any:
        # the Qianchuan pull reads the GMV field of [data] gmv_basis unless [qianchuan] names its own
        if isinstance(data, dict):
            section = data.get("data")
            basis = section.get("gmv_basis") if isinstance(section, dict) else getattr(section, "gmv_basis", None)
            qc = data.get("qianchuan")
            if basis in ("direct_pay", "total_7d") and (qc is None or (isinstance(qc, dict) and "gmv_basis" not in qc)):
                data = {**data, "qianchuan": {**(qc or {}), "gmv_basis": basis}}
        return data

    @model_validator(mode="after")
    def _retries_outwait_leases(self) -> Settings:
        # a retried account-day must not start while a dead worker's run key still looks live
        if self.worker.retry_wait_s < self.job.lease_s:
            raise ValueError(
                f"[worker] retry_wait_s ({self.worker.retry_wait_s}) must be at least [job] lease_s "
                f"({self.job.lease_s:g}): a retry would find a dead worker's run key still live"
            )
        return self

    @model_validator(mode="after")
    def _channels_fit(self) -> Settings:
        names = [c.name for c in self.channel]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"channel {dupes[0]!r} is listed twice")
        if sum(c.min_share for c in self.channel) > 1 + 1e-9:
            raise ValueError("the channels' min_share add up to more than 1")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file reaches us as init kwargs (see load_settings), so
        # environment variables must win over them: env first.
        return (env_settings, init_settings)


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/spendopt`` (``~/.local/share/spendopt``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spendopt"


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/spendopt/spendopt.toml`` (``~/.config/spendopt/spendopt.toml``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "spendopt" / "spendopt.toml"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'spendopt.db'}"


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings from ``path`` (or the user's default file if it exists).

    Raises ``InputError`` naming the file, the key and the allowed range.
    """
    explicit = path is not None
    file = Path(path) if path is not None else default_config_path()
    from optimizer.settings_check import problems, refused_in_file

    data: dict[str, Any] = {}
    if explicit or file.exists():
        data = read_toml(file, what="config file")
        refused = refused_in_file(data, str(file))
        if refused:
            raise InputError(refused)
    data = _merge(data, overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        source = str(file) if (explicit or file.exists()) else "settings"
        raise InputError(problems(exc, source, data)) from None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def config_hash(settings: Settings) -> str:
    """A short, stable hash of what steers the optimizer (no URLs, no secrets)."""
    payload = settings.model_dump(
        mode="json", exclude={"database_url", "qianchuan", "schedule", "notify", "ui", "worker"}
    )
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
