"""What a simulation leaves on disk, and its terminal summary.

``write_outputs`` writes the three CSVs (UTF-8 with BOM, byte-identical for the
same scenario, seed, days and policies) and the chart; ``render_summary`` is the
summary as a rich table.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.simulate.loop import SimulationResult

__all__ = ["OUTPUT_FILES", "SPEND_TOLERANCE_PCT", "render_summary", "spend_note", "write_outputs"]

OUTPUT_FILES = {
    "days": "simulation_days.csv",
    "campaign_days": "simulation_campaign_days.csv",
    "summary": "simulation_summary.csv",
    "chart": "simulation.png",
}


def write_outputs(result: SimulationResult, out_dir: Path, meta: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write the three CSVs (UTF-8 with BOM) and the chart, and with ``meta`` ``simulation.meta.json``
    (the provenance: code version, config hash, scenario, seed, ... and each file's SHA-256); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {key: out_dir / name for key, name in OUTPUT_FILES.items()}
    for key, frame in (("days", result.days), ("campaign_days", result.campaign_days), ("summary", result.summary)):
        tmp = files[key].with_suffix(".csv.tmp")
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n", float_format="%.10g")
        tmp.replace(files[key])
    _chart(result, files["chart"])
    if meta is not None:
        digests = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files.values()}
        files["meta"] = out_dir / "simulation.meta.json"
        tmp = files["meta"].with_suffix(".json.tmp")
        tmp.write_text(json.dumps({**meta, "files": digests}, ensure_ascii=False, indent=2) + "\n", "utf-8")
        tmp.replace(files["meta"])
    return files


def _chart(result: SimulationResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_gmv, ax_roi) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, dpi=100)
    try:
        for name, frame in result.days.groupby("policy", sort=False):
            style = {"oracle": "--", "hold": ":"}.get(str(name), "-")
            ax_gmv.plot(frame["day"], frame["cumulative_gmv"] / 1e4, style, label=str(name), linewidth=1.8)
            ax_roi.plot(frame["day"], frame["roi"], style, label=str(name), linewidth=1.4)
        ax_gmv.set_ylabel("cumulative GMV (10k CNY)")
        ax_gmv.set_title(f"Dry-run simulation: scenario {result.scenario}, market {result.market}, seed {result.seed}")
        ax_gmv.legend(loc="upper left")
        ax_gmv.grid(alpha=0.3)
        ax_roi.set_ylabel("daily ROI (GMV / spend)")
        ax_roi.set_xlabel("day")
        ax_roi.grid(alpha=0.3)
        fig.tight_layout()
        tmp = path.with_suffix(".png.tmp")
        fig.savefig(tmp, format="png", metadata={"Software": None})
        tmp.replace(path)
    finally:
        plt.close(fig)


def _market_of(summary: pd.DataFrame) -> str:
    return str(summary["market"].iloc[0]) if "market" in summary and len(summary) else "curves"


SPEND_TOLERANCE_PCT = 2.0
"""Total spend further than this from hold's (percent) counts as "spent differently"."""


def spend_note(summary: pd.DataFrame) -> str | None:
    """A sentence when the policies' total spend differs from hold's by more than ``SPEND_TOLERANCE_PCT``."""
    from optimizer.i18n import t

    rows = {str(p): float(s) for p, s in zip(summary["policy"], summary["spend"].astype(float), strict=True)}
    base = rows.get("hold")
    if not base or base <= 0:
        return None
    pct = {p: 100.0 * (s - base) / base for p, s in rows.items()}
    if all(abs(v) <= SPEND_TOLERANCE_PCT for v in pct.values()):
        return None
    spends = t("simulate.spend_sep").join(t("simulate.spend_item", policy=p, spend=rows[p], pct=pct[p]) for p in rows)
    return t("simulate.spend_differs", spends=spends)


def render_summary(summary: pd.DataFrame) -> Any:
    """The summary as a rich ``Table`` for the terminal, in the current language; spend next to GMV."""
    from rich import box
    from rich.table import Table

    from optimizer.i18n import t

    table = Table(
        title=t("simulate.summary_title", market=_market_of(summary)),
        caption=spend_note(summary),
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    heads = ("policy", "gain", "capture", "spend", "gmv", "roi", "oracle", "hold", "rules", "breaks", "writes")
    for h in heads:
        table.add_column(t(f"simulate.head_{h}"), justify="left" if h == "policy" else "right", no_wrap=True)
    r: Any
    for r in summary.itertuples(index=False):
        table.add_row(
            str(r.policy),
            "-" if r.gain != r.gain else f"{r.gain:.2f}",
            f"{r.capture_pct:.1f}%",
            f"{r.spend:,.0f}",
            f"{r.gmv:,.0f}",
            f"{r.roi:.2f}",
            f"{r.pct_of_oracle_gmv:.1f}%",
            f"{r.lift_vs_hold_pct:+.1f}%",
            f"{r.lift_vs_rules_pct:+.1f}%",
            f"{r.contract_breaks}",
            f"{r.changes_applied}" + (t("simulate.rejected", n=r.changes_rejected) if r.changes_rejected else ""),
        )
    return table
