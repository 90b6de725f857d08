"""The report: curves and channel pictures next to the CSV, and a page that shows them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from optimizer.decide.recommend import recommend
from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.report import cjk_font, write_report
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats


def test_report_draws_pngs_and_an_escaped_page_with_chinese_names(tmp_path):
    frame, _ = make_stats(n=15, days=21, seed=31)
    frame.loc[frame["campaign_id"] == frame["campaign_id"].iloc[0], "campaign_name"] = "<script>x</script>直播"
    settings = Settings()
    history = build_history(frame, settings.model)
    model = fit(history, settings.model)
    budget = np.round(history.current_budget * 1.1, 2)
    rows = recommend(
        history, model, budget, history.current_bid, settings, run_id="r", effective_date=dt.date(2026, 11, 21)
    )
    html, curves, channels = tmp_path / "r_report.html", tmp_path / "r_curves.png", tmp_path / "r_channels.png"
    write_report(history, model, rows, html=html, curves=curves, channels=channels)
    for png in (curves, channels):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5_000
    page = html.read_text(encoding="utf-8")
    assert "r_curves.png" in page and "r_channels.png" in page
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;直播" in page
    assert ("No CJK font installed" in page) == (cjk_font() is None)
