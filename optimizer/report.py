"""The picture people look at: fitted curves with current and recommended points, channels before/after.

``write_report`` draws two PNGs with matplotlib (Agg backend, no display needed)
and an HTML page that shows them with the run's totals:

* ``curves``: a grid of small multiples for the top ``top_n`` campaigns by
  current budget: expected GMV against expected spend as the budget sweeps from
  0.3x to 2x today's (at the recommended bid), a +/- 1 sd band, today's point
  (grey) and the recommended point (red);
* ``channels``: recommended daily budget by channel, before and after.

Chinese campaign names need a CJK font: the first installed one of
``CJK_FONTS`` is used (``optimizer.fonts.cjk_font``; ``fc-list :lang=zh`` lists them; Debian:
``fonts-noto-cjk`` or ``fonts-wqy-microhei``; ``scripts/test`` installs
fonts-noto-cjk when missing), chosen explicitly for every chart; a font list that
matplotlib cached before the font was installed is rebuilt once. Without one,
names still print (as boxes) and the report says so.
"""

from __future__ import annotations

import datetime as dt
import html
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from optimizer.fonts import CJK_FONTS, cjk_font
from optimizer.i18n import t

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel

__all__ = ["CJK_FONTS", "cjk_font", "write_report"]


def _figure(width: float, height: float):
    """A matplotlib figure drawn by the Agg canvas: the object API, so ``pyplot`` (0.75 s of import,
    a global figure registry) never loads."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _curves(history: History, model: FittedModel, frame: pd.DataFrame, path: Path, top_n: int, font: str | None):
    current = np.where(np.isfinite(history.current_budget), history.current_budget, model.ref_spend * 1.5)
    order = np.argsort(-np.nan_to_num(current, nan=0.0), kind="stable")[:top_n]
    cols = 4
    rows = max(1, int(np.ceil(len(order) / cols)))
    fig = _figure(3.6 * cols, 2.8 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    rec_budget = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    rec_bid = frame["recommended_bid"].to_numpy(dtype=float, na_value=np.nan)
    grid = np.linspace(0.3, 2.0, 40)
    for ax, i in zip(axes.flat, order, strict=False):
        budgets = current[i] * grid
        bid = np.full((1, len(grid)), rec_bid[i] if np.isfinite(rec_bid[i]) else history.current_bid[i])
        sub = model.take([i])
        f = sub.predict(budgets[None, :], bid)
        ax.fill_between(f.spend[0], f.gmv[0] - f.gmv_sd[0], f.gmv[0] + f.gmv_sd[0], color="C0", alpha=0.2, lw=0)
        ax.plot(f.spend[0], f.gmv[0], color="C0", lw=1.5)
        now = sub.predict(
            np.array([[current[i] if np.isfinite(history.current_budget[i]) else np.inf]]),
            np.array([[history.current_bid[i]]]),
        )
        ax.plot(now.spend[0, 0], now.gmv[0, 0], "o", color="0.4", label=t("report.chart_today"))
        rb = rec_budget[i] if np.isfinite(rec_budget[i]) else np.inf
        if rb > 0 and frame["action"].iloc[i] != "pause":
            ax.plot(
                frame["expected_spend"].iloc[i],
                frame["expected_gmv"].iloc[i],
                "o",
                color="C3",
                label=t("report.chart_recommended"),
            )
        name = history.campaign_name[i] or history.campaign_id[i]
        label = frame["action_label"].iloc[i] if "action_label" in frame.columns else frame["action"].iloc[i]
        ax.set_title(f"{name[:18]}\n{str(label)[:24]}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(t("report.chart_spend"), fontsize=7)
        ax.set_ylabel(t("report.chart_gmv"), fontsize=7)
    for ax in list(axes.flat)[len(order) :]:
        ax.axis("off")
    if len(order):
        axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(t("report.chart_curves_title", n=len(order)), fontsize=10)
    # fixed margins in inches (tight_layout measured every label: 0.2-0.6 s): two-line titles, small ticks
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.75 / width, right=1 - 0.15 / width, bottom=0.45 / height, top=1 - 0.75 / height, wspace=0.45,
        hspace=0.75 if rows > 1 else 0.2,
    )  # fmt: skip
    fig.savefig(path, dpi=90, format="png")


def _channels(history: History, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    import pandas as pd

    live_now = history.status != "paused"
    before = np.where(live_now & np.isfinite(history.current_budget), history.current_budget, 0.0)
    after = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    live_after = (after > 0) & ~((history.status == "paused") & (frame["action"].to_numpy() == "hold"))
    after = np.where(live_after & np.isfinite(after), after, 0.0)
    table = pd.DataFrame({"channel": history.channel, "before": before, "after": after}).groupby("channel").sum()
    fig = _figure(max(5, 1.2 * len(table) + 2), 3.5)
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["before"], width=0.4, label=t("report.chart_today"), color="0.6")
    ax.bar(x + 0.2, table["after"], width=0.4, label=t("report.chart_recommended"), color="C3")
    ax.set_xticks(x, table.index.tolist(), fontsize=8)
    ax.set_ylabel(t("report.chart_budget_axis"))
    ax.set_title(t("report.chart_channels_title"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90, format="png")
    return table


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
    from matplotlib import rc_context

    from optimizer.i18n import use_language

    font = cjk_font()
    fonts = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with (
        use_language(lang),
        rc_context({"font.sans-serif": fonts, "axes.unicode_minus": False}),
        warnings.catch_warnings(),
    ):
        if font is None:
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        _curves(history, model, frame, Path(curves), top_n, font)
        table = _channels(history, frame, Path(channels))
        names = png_names or (Path(curves).name, Path(channels).name)
        page = _page(frame, table, names, font, notices, checks, _stamp(timezone, now))
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
