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

from pydantic import Field, PrivateAttr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connectors.errors import InputError
from connectors.qianchuan.settings import QianchuanSettings
from connectors.rules import PlatformRules
from connectors.tomlfile import read_toml
from optimizer.i18n import WordedError
from optimizer.settings_jobs import (
    AlertSettings,
    ExperimentSettings,
    NotifySettings,
    ScheduleSettings,
    WorkerSettings,
    _Section,
)

__all__ = [
    "AlertSettings",
    "BidSettings",
    "BudgetSettings",
    "ChannelSettings",
    "DataSettings",
    "ExperimentSettings",
    "JobSettings",
    "ModelSettings",
    "NotifySettings",
    "ObjectiveSettings",
    "ReviewSettings",
    "ScheduleSettings",
    "Settings",
    "UiSettings",
    "WorkerSettings",
    "config_hash",
    "default_config_path",
    "default_data_dir",
    "default_database_url",
    "load_settings",
]


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
            raise WordedError("config.guardrail_priority")
        return self


class ChannelSettings(_Section):
    name: str = Field(min_length=1, description="channel name as in the input's channel column")
    min_share: float = Field(0.0, ge=0, le=1, description="of total_daily")
    max_share: float = Field(1.0, ge=0, le=1, description="of total_daily")

    @model_validator(mode="after")
    def _min_below_max(self) -> ChannelSettings:
        if self.min_share > self.max_share:
            raise WordedError("config.min_above_max_share", low=self.min_share, high=self.max_share)
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
            raise WordedError("config.lag_maturity_range")
        if any(b < a for a, b in zip(curve, curve[1:], strict=False)):
            raise WordedError("config.lag_maturity_order")
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


class UiSettings(_Section):
    """What a person reads: the language of reasons, labels, reports, summaries and messages."""

    language: Literal["zh-CN", "en"] = Field(
        "zh-CN",
        description='"zh-CN" (简体中文, the default) or "en"; the contract\'s column names and values never change',
    )


class ReportSettings(_Section):
    """The report page next to the recommendations (``optimizer.report``)."""

    curves_top_n: int = Field(
        12, ge=1, le=200, description="response curves are drawn for this many campaigns, the largest budgets first"
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
    report: ReportSettings = Field(default_factory=ReportSettings, description="[report] the report page")
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings, description="[schedule] the daily run")
    notify: NotifySettings = Field(default_factory=NotifySettings, description="[notify] chat notifications")
    alerts: AlertSettings = Field(default_factory=AlertSettings, description="[alerts] anomaly checks")
    qianchuan: QianchuanSettings = Field(
        default_factory=QianchuanSettings,
        description="[qianchuan] Open API connector; secrets from the environment only",
    )
    _source: str = PrivateAttr("settings")  # the config file it was read from, for messages naming a key

    @property
    def source(self) -> str:
        """The config file these settings came from ("settings" when none was read)."""
        return self._source

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
            raise WordedError("config.retry_vs_lease", retry=self.worker.retry_wait_s, lease=self.job.lease_s)
        return self

    @model_validator(mode="after")
    def _channels_fit(self) -> Settings:
        names = [c.name for c in self.channel]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise WordedError("config.channel_twice", name=dupes[0])
        if sum(c.min_share for c in self.channel) > 1 + 1e-9:
            raise WordedError("config.channel_shares")
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
    source = str(file) if (explicit or file.exists()) else "settings"
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise InputError(problems(exc, source, data)) from None
    settings._source = source
    return settings


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
