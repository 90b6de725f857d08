"""``spendopt experiment report``: the numbers as text, CSV and a chart.

Files (CSV as UTF-8 with BOM, so Excel and WPS read the Chinese)::

    experiment-<id>-days.csv   DAY_COLUMNS: date, arm, period, spend, gmv, roi
                               (period: pre, burn_in, test, immature, after the stop)
    experiment-<id>-lift.csv   LIFT_COLUMNS: one row per metric (roi first)
    experiment-<id>-path.csv   PATH_COLUMNS: the ROI lift after each matured
                               test day, with the fixed and sequential intervals
    experiment-<id>.png        daily ROI per arm; the lift's path with both intervals

Text goes through ``optimizer.i18n`` (Chinese by default).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from optimizer.i18n import t

if TYPE_CHECKING:
    from optimizer.experiment.lifecycle import Proposal, Reading

__all__ = [
    "DAY_COLUMNS",
    "LIFT_COLUMNS",
    "PATH_COLUMNS",
    "chart_style",
    "plan_lines",
    "report_lines",
    "write_report",
]

DAY_COLUMNS = ("date", "arm", "period", "spend", "gmv", "roi")
LIFT_COLUMNS = (
    "experiment_id",
    "metric",
    "lift",
    "low",
    "high",
    "se",
    "p_value",
    "significant",
    "theta",
    "raw_lift",
    "days_test",
    "days_pre",
    "method",
    "sequential",
    "alpha",
    "planned_days",
    "plan_mde",
    "df",
    "drift",
)
PATH_COLUMNS = ("date", "days", "lift", "low", "high", "seq_low", "seq_high")


def plan_lines(p: Proposal, *, lang: str | None = None) -> list[str]:
    """The plan as sentences: arms, MDE, power at the realistic lift, a warning when too small."""
    arms = {a.name: a for a in p.split.arms}
    n = {name: len(p.split.assignment.campaigns(name)) for name in arms}
    plan = p.plan
    lines = [
        t("experiment.plan_title", lang=lang, account=p.account_id),
        t(
            "experiment.plan_arms",
            lang=lang,
            n_t=n["treatment"],
            share_t=arms["treatment"].share,
            total_t=arms["treatment"].total_daily,
            n_c=n["control"],
            share_c=arms["control"].share,
            total_c=arms["control"].total_daily,
        ),
        t(
            "experiment.plan_mde",
            lang=lang,
            days=plan.days,
            power=plan.power,
            mde=plan.mde,
            days_pre=plan.days_pre,
            daily_sd=plan.daily_sd,
            theta=plan.theta,
        ),
        t("experiment.plan_power", lang=lang, effect=plan.realistic_lift, power_at=plan.power_at(plan.realistic_lift)),
    ]
    if plan.drift > 0:
        lines.append(t("experiment.plan_drift", lang=lang, share=plan.drift / plan.se**2))
    if plan.too_small:
        need = plan.days_for(plan.realistic_lift)
        key = "experiment.plan_too_small" if need else "experiment.plan_too_small_never"
        lines.append(t(key, lang=lang, realistic=plan.realistic_lift, need=need))
    return lines


def report_lines(r: Reading, *, lang: str | None = None) -> list[str]:
    """The reading as sentences: the lift per metric, the verdict, early-look and isolation warnings."""
    exp = r.experiment
    lines = [
        t(
            "experiment.report_title",
            lang=lang,
            experiment=exp.experiment_id,
            first=r.test_dates[0],
            last=r.test_dates[-1],
            days=len(r.test_dates),
        )
    ]
    for metric, e in r.estimates.items():
        name = t(f"experiment.metric_{metric}", lang=lang)
        lines.append(
            t(
                "experiment.report_lift",
                lang=lang,
                metric=name,
                lift=e.lift,
                conf=1 - e.alpha,
                low=e.low,
                high=e.high,
                p=e.p_value,
            )
        )
    roi = r.estimates["roi"]
    if roi.sequential:
        lines.append(t("experiment.report_sequential", lang=lang))
    metric = t("experiment.metric_roi", lang=lang)
    if roi.low > 0:
        lines.append(t("experiment.verdict_up", lang=lang, metric=metric))
    elif roi.high < 0:
        lines.append(t("experiment.verdict_down", lang=lang, metric=metric))
    else:
        lines.append(t("experiment.verdict_none", lang=lang, mde=exp.plan_mde or math.nan))
    if not roi.sequential and len(r.test_dates) < exp.planned_days and exp.stop_date is None:
        lines.append(t("experiment.early", lang=lang, days=len(r.test_dates), planned=exp.planned_days))
    states = r.states
    used_by_row = states["budget_total"].astype(float).tolist()
    limit_by_row = states["arm_total"].astype(float).tolist()
    for day, arm, used, limit in zip(states["date"], states["arm"], used_by_row, limit_by_row, strict=True):
        if used > limit + 0.01:
            lines.append(
                t(
                    "experiment.isolation_broken",
                    lang=lang,
                    date=day,
                    arm=t(f"experiment.arm_{arm}", lang=lang),
                    used=used,
                    limit=limit,
                )
            )
    return lines


def _csv(frame, path: Path) -> None:
    tmp = path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n", float_format="%.6g")
    tmp.replace(path)


def write_report(r: Reading, out_dir: Path, *, lang: str | None = None) -> dict[str, Path]:
    """Write the three CSVs and the chart (module docstring); returns their paths."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"experiment-{r.experiment.experiment_id}"
    paths = {
        k: out_dir / f"{stem}{suffix}"
        for k, suffix in (("days", "-days.csv"), ("lift", "-lift.csv"), ("path", "-path.csv"), ("chart", ".png"))
    }
    exp = r.experiment
    lift = pd.DataFrame(
        [
            {
                "experiment_id": exp.experiment_id,
                **{c: getattr(e, c) for c in LIFT_COLUMNS[1:] if hasattr(e, c) and c != "significant"},
                "significant": e.significant,
                "planned_days": exp.planned_days,
                "plan_mde": exp.plan_mde,
            }
            for e in r.estimates.values()
        ],
        columns=list(LIFT_COLUMNS),
    )
    _csv(pd.DataFrame(r.days, columns=list(DAY_COLUMNS)), paths["days"])
    _csv(lift, paths["lift"])
    _csv(pd.DataFrame(r.path, columns=list(PATH_COLUMNS)), paths["path"])
    _chart(r, paths["chart"], lang)
    return paths


def _chart(r: Reading, path: Path, lang: str | None) -> None:
    """Two panels drawn with matplotlib's object API on an Agg canvas (no pyplot state), CJK font if any."""

    with chart_style():
        _draw(r, path, lang)


@contextmanager
def chart_style() -> Iterator[None]:
    """matplotlib settings for our charts: a CJK font when one is installed (boxes otherwise, no warning spam)."""
    import matplotlib

    font = chart_font()
    sans = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with warnings.catch_warnings(), matplotlib.rc_context({"font.sans-serif": sans, "axes.unicode_minus": False}):
        if font is None:
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        yield


def chart_font() -> str | None:
    """``optimizer.fonts.cjk_font``, else a CJK font file the system has but matplotlib's cache predates."""
    from matplotlib import font_manager

    from optimizer.fonts import cjk_font

    found = cjk_font()
    if found:
        return found
    for path in sorted(font_manager.findSystemFonts()):
        if "CJK" in Path(path).name:
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def _draw(r: Reading, path: Path, lang: str | None) -> None:
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 7), dpi=100)
    FigureCanvasAgg(fig)
    ax_roi, ax_lift = fig.subplots(2, 1, sharex=True)
    exp = r.experiment
    days = r.days.assign(date=pd.to_datetime(r.days["date"]))
    for arm, style in (("treatment", "-"), ("control", "--")):
        part = days[days["arm"] == arm]
        ax_roi.plot(part["date"], part["roi"], style, label=t(f"experiment.arm_{arm}", lang=lang), linewidth=1.5)
    start = pd.Timestamp(exp.start_date)
    ax_roi.axvspan(days["date"].min(), start, color="0.9", label=t("experiment.chart_pre", lang=lang))
    ax_roi.axvspan(
        start,
        start + pd.Timedelta(days=exp.burn_in_days),
        color="#fde7c8",
        label=t("experiment.chart_burn_in", lang=lang),
    )
    ax_roi.set_ylabel(t("experiment.chart_roi", lang=lang))
    ax_roi.set_title(t("experiment.chart_title", lang=lang, experiment=exp.experiment_id))
    ax_roi.legend(loc="upper left", fontsize=8)
    ax_roi.grid(alpha=0.3)
    p = r.path.assign(date=pd.to_datetime(r.path["date"]))
    conf = 1 - r.estimates["roi"].alpha
    ax_lift.fill_between(
        p["date"],
        p["seq_low"] * 100,
        p["seq_high"] * 100,
        color="#d6e4f5",
        label=t("experiment.chart_seq_band", lang=lang),
    )
    ax_lift.fill_between(
        p["date"],
        p["low"] * 100,
        p["high"] * 100,
        color="#8fb3de",
        label=t("experiment.chart_band", lang=lang, conf=conf),
    )
    ax_lift.plot(
        p["date"], p["lift"] * 100, color="#1f4e8c", linewidth=1.8, label=t("experiment.chart_lift", lang=lang)
    )
    ax_lift.axhline(0, color="0.3", linewidth=0.8)
    ax_lift.set_ylabel("%")
    ax_lift.set_xlabel(t("experiment.chart_day", lang=lang))
    ax_lift.legend(loc="upper left", fontsize=8)
    ax_lift.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    tmp = path.with_suffix(".png.tmp")
    fig.savefig(tmp, format="png", metadata={"Software": None})
    tmp.replace(path)
