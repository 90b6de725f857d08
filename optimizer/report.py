"""The picture people look at: fitted curves with current and recommended points, channels before/after.

``write_report`` draws two PNGs with Pillow (``optimizer.chart``: no matplotlib
to import, a few hundredths of a second) and an HTML page that shows them with
the run's totals:

* ``curves``: a grid of small multiples for the top ``top_n`` campaigns by
  current budget: expected GMV against expected spend as the budget sweeps from
  0.3x to 2x today's (at the recommended bid), a +/- 1 sd band, today's point
  (grey) and the recommended point (red);
* ``channels``: recommended daily budget by channel, before and after.

Chinese campaign names need a CJK font: the first installed family of
``CJK_FONTS`` that fontconfig lists for Chinese (``optimizer.fonts.cjk_face``;
Debian: ``fonts-noto-cjk`` or ``fonts-wqy-microhei``; ``scripts/test`` installs
fonts-noto-cjk when missing). Without one, names still print (as boxes) and the
report says so. ``cjk_font`` is matplotlib's name of such a font, for the charts
still drawn with matplotlib (the experiment's).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from optimizer import chart
from optimizer.fonts import CJK_FONTS, Face, cjk_face, cjk_font, latin_face
from optimizer.i18n import t

if TYPE_CHECKING:
    import pandas as pd
    from PIL import Image

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel

__all__ = [
    "CJK_FONTS",
    "CurvePanel",
    "channel_table",
    "cjk_font",
    "curve_panels",
    "draw_channels",
    "draw_curves",
    "write_report",
]

CURVE_COLUMNS = 4
CURVE_CELL = (324, 250)
"""Width and height of one campaign's panel in the curves chart (final pixels)."""
CURVE_HEAD = 48
"""Height of the curves chart's title row."""
CURVE_GRID = np.linspace(0.3, 2.0, 40)
"""The budgets a curve sweeps, as multiples of today's."""
CHANNELS_SIZE = (480, 340)
"""The channels chart's smallest width, and its height; it widens by 130 pixels a channel past two."""
BLUE, RED, DARK_GREY, GREY = (31, 119, 180), (214, 39, 40), (102, 102, 102), (158, 158, 158)


@dataclass(frozen=True)
class CurvePanel:
    """One campaign's response curve: GMV (+/- 1 sd) against spend, today's and the recommended point."""

    name: str
    label: str
    spend: np.ndarray
    gmv: np.ndarray
    gmv_sd: np.ndarray
    today: tuple[float, float]
    recommended: tuple[float, float] | None


def curve_panels(history: History, model: FittedModel, frame: pd.DataFrame, top_n: int) -> list[CurvePanel]:
    """The top ``top_n`` campaigns by current budget (a missing budget: 1.5x the reference spend), largest first."""
    current = np.where(np.isfinite(history.current_budget), history.current_budget, model.ref_spend * 1.5)
    order = np.argsort(-np.nan_to_num(current, nan=0.0), kind="stable")[:top_n]
    if not len(order):
        return []
    rec_budget = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)[order]
    rec_bid = frame["recommended_bid"].to_numpy(dtype=float, na_value=np.nan)[order]
    sub = model.take(order)
    bid = np.where(np.isfinite(rec_bid), rec_bid, history.current_bid[order])
    f = sub.predict(current[order][:, None] * CURVE_GRID[None, :], np.repeat(bid[:, None], len(CURVE_GRID), axis=1))
    today_budget = np.where(np.isfinite(history.current_budget[order]), current[order], np.inf)
    now = sub.predict(today_budget[:, None], history.current_bid[order][:, None])
    labels = frame["action_label"] if "action_label" in frame.columns else frame["action"]
    panels = []
    for k, i in enumerate(order):
        shown = (rec_budget[k] if np.isfinite(rec_budget[k]) else np.inf) > 0 and frame["action"].iloc[i] != "pause"
        point = (float(frame["expected_spend"].iloc[i]), float(frame["expected_gmv"].iloc[i]))
        panels.append(
            CurvePanel(
                name=str(history.campaign_name[i] or history.campaign_id[i]),
                label=str(labels.iloc[i]),
                spend=f.spend[k],
                gmv=f.gmv[k],
                gmv_sd=f.gmv_sd[k],
                today=(float(now.spend[k, 0]), float(now.gmv[k, 0])),
                recommended=point if shown else None,
            )
        )
    return panels


def _curves(history: History, model: FittedModel, frame: pd.DataFrame, path: Path, top_n: int, face: Face | None):
    """The curves chart of the top ``top_n`` campaigns, written to ``path`` as PNG."""
    image, _ = draw_curves(curve_panels(history, model, frame, top_n), face)
    chart.save_png(image, path)


def draw_curves(panels: list[CurvePanel], face: Face | None) -> tuple[Image.Image, list[chart.Axes]]:
    """Small multiples, ``CURVE_COLUMNS`` a row under a title and a legend; the image and each panel's axes."""
    width, height = CURVE_CELL
    rows = max(1, -(-len(panels) // CURVE_COLUMNS))
    canvas = chart.new_canvas(CURVE_COLUMNS * width, CURVE_HEAD + rows * height, face)
    chart.text(canvas, (16, CURVE_HEAD / 2), t("report.chart_curves_title", n=len(panels)), 16, chart.INK, "lm")
    items = [(t("report.chart_today"), DARK_GREY, "dot"), (t("report.chart_recommended"), RED, "dot")]
    chart.legend(canvas, CURVE_COLUMNS * width - 16, CURVE_HEAD / 2, items, 12)
    axes = []
    for k, panel in enumerate(panels):
        cell = ((k % CURVE_COLUMNS) * width, CURVE_HEAD + (k // CURVE_COLUMNS) * height)
        axes.append(_curve_panel(canvas, cell, panel))
    return chart.finish(canvas), axes


def _curve_panel(canvas: chart.Canvas, cell: tuple[float, float], panel: CurvePanel) -> chart.Axes:
    """One campaign's panel with its top-left corner at ``cell``: name, action, axes, band, curve, points."""
    x0, y0 = cell
    width, height = CURVE_CELL
    name = chart.fit_text(canvas, panel.name, 13, width - 24)
    chart.text(canvas, (x0 + width / 2, y0 + 6), name, 13, chart.INK, "mt")
    chart.text(
        canvas, (x0 + width / 2, y0 + 25), chart.fit_text(canvas, panel.label, 11, width - 24), 11, chart.MUTED, "mt"
    )
    points = [p for p in (panel.today, panel.recommended) if p is not None]
    low = np.maximum(panel.gmv - panel.gmv_sd, 0.0)
    xticks = chart.axis_ticks(np.r_[panel.spend, [p[0] for p in points]], count=5)
    yticks = chart.axis_ticks(np.r_[low, panel.gmv + panel.gmv_sd, [p[1] for p in points]], count=5)
    widest = max(chart.text_width(canvas, label, 10) for label in chart.tick_labels(yticks))
    axes = chart.Axes(
        left=x0 + 26 + widest, top=y0 + 50, right=x0 + width - 18, bottom=y0 + height - 42,
        x=(float(xticks[0]), float(xticks[-1])), y=(float(yticks[0]), float(yticks[-1])),
    )  # fmt: skip
    chart.frame(canvas, axes, yticks, 10, xticks)
    chart.band(canvas, axes, panel.spend, low, panel.gmv + panel.gmv_sd, (*BLUE, 56))
    chart.line(canvas, axes, panel.spend, panel.gmv, BLUE, 2.0)
    chart.dot(canvas, axes, *panel.today, DARK_GREY)
    if panel.recommended is not None:
        chart.dot(canvas, axes, *panel.recommended, RED)
    chart.text(canvas, ((axes.left + axes.right) / 2, axes.bottom + 22), t("report.chart_spend"), 10, chart.MUTED, "mt")
    chart.vertical_text(canvas, (x0 + 11, (axes.top + axes.bottom) / 2), t("report.chart_gmv"), 10)
    return axes


def channel_table(history: History, frame: pd.DataFrame) -> pd.DataFrame:
    """Daily budget by channel: ``before`` (live campaigns today) and ``after`` (the recommendation)."""
    import pandas as pd

    live_now = history.status != "paused"
    before = np.where(live_now & np.isfinite(history.current_budget), history.current_budget, 0.0)
    after = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    live_after = (after > 0) & ~((history.status == "paused") & (frame["action"].to_numpy() == "hold"))
    after = np.where(live_after & np.isfinite(after), after, 0.0)
    return pd.DataFrame({"channel": history.channel, "before": before, "after": after}).groupby("channel").sum()


def _channels(history: History, frame: pd.DataFrame, path: Path, face: Face | None) -> pd.DataFrame:
    """The channels chart written to ``path`` as PNG; its table."""
    table = channel_table(history, frame)
    image, _ = draw_channels(table, face)
    chart.save_png(image, path)
    return table


def draw_channels(table: pd.DataFrame, face: Face | None) -> tuple[Image.Image, chart.Axes]:
    """Bars of today's and the recommended budget, side by side for each channel; the image and its axes."""
    width, height = max(CHANNELS_SIZE[0], 130 * len(table) + 220), CHANNELS_SIZE[1]
    canvas = chart.new_canvas(width, height, face)
    chart.text(canvas, (16, 22), t("report.chart_channels_title"), 15, chart.INK, "lm")
    items = [(t("report.chart_today"), GREY, "box"), (t("report.chart_recommended"), RED, "box")]
    chart.legend(canvas, width - 16, 22, items, 12)
    yticks = chart.axis_ticks(np.r_[table["before"].to_numpy(), table["after"].to_numpy()], count=6, zero=True)
    widest = max(chart.text_width(canvas, label, 11) for label in chart.tick_labels(yticks))
    axes = chart.Axes(
        left=34 + widest, top=56, right=width - 16, bottom=height - 36,
        x=(-0.5, len(table) - 0.5), y=(float(yticks[0]), float(yticks[-1])),
    )  # fmt: skip
    chart.frame(canvas, axes, yticks, 11)
    slot = (axes.right - axes.left) / max(len(table), 1)
    for k, (channel, row) in enumerate(table.iterrows()):
        chart.bar(canvas, axes, k - 0.36, k - 0.01, float(row["before"]), GREY)
        chart.bar(canvas, axes, k + 0.01, k + 0.36, float(row["after"]), RED)
        label = chart.fit_text(canvas, str(channel), 12, slot - 8)
        chart.text(canvas, (float(axes.px(k, 0)[0]), axes.bottom + 8), label, 12, chart.INK, "mt")
    chart.vertical_text(canvas, (14, (axes.top + axes.bottom) / 2), t("report.chart_budget_axis"), 11)
    return chart.finish(canvas), axes


def write_report(
    history: History,
    model: FittedModel,
    frame: pd.DataFrame,
    *,
    html: Path,
    curves: Path,
    channels: Path,
    png_names: tuple[str, str] | None = None,
    top_n: int = 12,
    notices: tuple[str, ...] = (),
    checks: tuple = (),
    alerts: tuple | None = None,
    lang: str | None = None,
    timezone: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Draw ``curves`` and ``channels`` (PNG) and the ``html`` page that shows them.

    ``png_names`` are the names the page links to (default: the PNGs' own names),
    for callers that write to temporary files and rename them afterwards.
    ``notices`` (guardrail conflicts, guardrails out of reach) open the page;
    ``checks`` (``optimizer.model.backtest.SlopeCheck``) are listed as the slope backtest;
    ``alerts`` (stored alerts or findings; None: no alerts section) follow the notices.
    Words are in ``lang`` (default: the current language); the page says when it
    was made (``now``, default: now) in ``timezone`` (the accounts' ``[data] timezone``).
    """
    from optimizer.i18n import use_language

    face = cjk_face()
    drawn = face or latin_face()  # no CJK font: Chinese as boxes, as the page says
    with use_language(lang):
        _curves(history, model, frame, Path(curves), top_n, drawn)
        table = _channels(history, frame, Path(channels), drawn)
        names = png_names or (Path(curves).name, Path(channels).name)
        page = _page(frame, table, names, face.family if face else None, notices, checks, _stamp(timezone, now))
        if alerts is not None:  # the alerts block (issue 13), kept apart from the page's own sections
            from optimizer.alerts.section import alerts_html

            page = page.replace("<h2>", alerts_html(alerts) + "<h2>", 1)  # before the first section
    Path(html).write_text(page, encoding="utf-8")


def _stamp(timezone: str | None, now: dt.datetime | None) -> str:
    """When the page was made, as a person reads it: in the accounts' time zone, with the zone named."""
    from connectors.clock import DEFAULT_TIMEZONE, utc_now, zone

    name = timezone or DEFAULT_TIMEZONE
    local = (now or utc_now()).astimezone(zone(name))
    return t("report.generated", time=local.strftime("%Y-%m-%d %H:%M"), timezone=name)


_TOP_COLUMNS = (
    ("campaign_id", "col_campaign_id"),
    ("campaign_name", "col_name"),
    ("action_label", "col_action"),
    ("current_budget", "col_budget_now"),
    ("recommended_budget", "col_budget_new"),
    ("expected_roi", "col_roi"),
    ("marginal_roi", "col_marginal_roi"),
    ("decision", "col_decision"),
    ("reason", "col_reason"),
)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def _actions_text(frame: pd.DataFrame) -> str:
    counts = frame["action"].value_counts().to_dict()
    return "，".join(f"{t(f'actions.{k}')} {v}" for k, v in sorted(counts.items()))


def _page(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    names: tuple[str, str],
    font: str | None,
    notices: tuple[str, ...] = (),
    checks: tuple = (),
    stamp: str = "",
) -> str:
    esc = html.escape
    notice_html = "".join(f'<p class="notice">{esc(n)}</p>' for n in notices)
    backtest_html = ""
    if checks:
        items = "".join(f"<li>{esc(c.sentence)}</li>" for c in checks)
        backtest_html = f"<h2>{esc(t('decisions.backtest_head'))}</h2><ul>{items}</ul>"
    spend, gmv = frame["expected_spend"].sum(), frame["expected_gmv"].sum()
    run_id = esc(str(frame["run_id"].iloc[0])) if len(frame) else ""
    date = esc(str(frame["effective_date"].iloc[0])) if len(frame) else ""
    summary = t(
        "report.summary",
        run_id=run_id,
        campaigns=len(frame),
        actions=esc(_actions_text(frame)),
        review=int((frame["decision"] == "review").sum()),
        spend=spend,
        gmv=gmv,
        roi=f"{gmv / spend:.2f}" if spend else "-",
    )
    rows = "".join(
        f"<tr><td>{esc(str(ch))}</td><td>{r.before:,.2f}</td><td>{r.after:,.2f}</td></tr>" for ch, r in table.iterrows()
    )
    shown = [("action" if c == "action_label" and c not in frame.columns else c, k) for c, k in _TOP_COLUMNS]
    top = frame.reindex(frame["expected_spend"].sort_values(ascending=False).index).head(30).copy()
    top["decision"] = [t(f"actions.decision_{d}") if d in ("auto", "review") else d for d in top["decision"]]
    heads = "".join(f"<th>{esc(t(f'report.{k}'))}</th>" for _, k in shown)
    lines = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in top[[c for c, _ in shown]].itertuples(index=False)
    )
    note = "" if font else f"<p><em>{esc(t('report.no_font'))}</em></p>"
    lang = esc(t("report.html_lang"))
    after = esc(t("report.col_after"))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>spendopt {run_id}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px}}img{{max-width:100%}}
.notice{{background:#fff3cd;border:1px solid #e0b000;padding:6px 10px}}</style></head><body>
<h1>{esc(t("report.title", date=date))}</h1>{notice_html}
<p class="stamp">{esc(stamp)}</p>
<p>{summary}</p>{note}
<h2>{esc(t("report.head_channels"))}</h2><img src="{esc(names[1])}" alt="{esc(t("report.alt_channels"))}">
<table><tr><th>{esc(t("report.col_channel"))}</th><th>{esc(t("report.col_before"))}</th><th>{after}</th></tr>
{rows}</table>
<h2>{esc(t("report.head_curves"))}</h2><img src="{esc(names[0])}" alt="{esc(t("report.alt_curves"))}">{backtest_html}
<h2>{esc(t("report.head_top"))}</h2><table><tr>{heads}</tr>{lines}</table>
</body></html>
"""
