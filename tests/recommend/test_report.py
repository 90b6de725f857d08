"""The report: curves and channel pictures next to the CSV, and a page that shows them."""

from __future__ import annotations

import datetime as dt

from optimizer.fonts import cjk_face
from optimizer.i18n import t
from optimizer.report import write_report
from tests.fit.synthetic import make_stats
from tests.recommend.report_runs import recommended_run


def test_report_draws_pngs_and_an_escaped_page_with_chinese_names(tmp_path):
    frame, _ = make_stats(n=15, days=21, seed=31)
    frame.loc[frame["campaign_id"] == frame["campaign_id"].iloc[0], "campaign_name"] = "<script>x</script>直播"
    history, model, rows = recommended_run(frame)
    html, curves, channels = tmp_path / "r_report.html", tmp_path / "r_curves.png", tmp_path / "r_channels.png"
    write_report(history, model, rows, html=html, curves=curves, channels=channels)
    for png in (curves, channels):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5_000
    page = html.read_text(encoding="utf-8")
    assert "r_curves.png" in page and "r_channels.png" in page
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;直播" in page
    assert (t("report.no_font") in page) == (cjk_face() is None)


def _small_run():
    return recommended_run(make_stats(n=6, days=21, seed=32)[0])


def test_report_headings_are_chinese_by_default_english_as_a_setting_times_in_the_account_zone(tmp_path):
    history, model, rows = _small_run()
    made = dt.datetime(2026, 11, 21, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    pages = {}
    for lang in ("zh-CN", "en"):
        html = tmp_path / f"{lang}.html"
        write_report(
            history,
            model,
            rows,
            html=html,
            curves=tmp_path / f"{lang}_c.png",
            channels=tmp_path / f"{lang}_ch.png",
            lang=lang,
            timezone="Asia/Shanghai",
            now=made,
        )
        pages[lang] = html.read_text(encoding="utf-8")
    zh, en = pages["zh-CN"], pages["en"]
    for heading in ("投放建议：2026-11-21", "各渠道日预算", "响应曲线", "消耗最大的计划", "计划名称", "原因"):
        assert heading in zh, heading
    assert "recommendations for" not in zh and "Largest campaigns" not in zh
    assert "生成时间 2026-11-21 09:30（Asia/Shanghai）" in zh  # the account's clock, not UTC 01:30
    assert "Largest campaigns" in en and "generated 2026-11-21 09:30 (Asia/Shanghai)" in en and 'lang="en"' in en
    html = tmp_path / "ny.html"
    write_report(
        history,
        model,
        rows,
        html=html,
        curves=tmp_path / "c.png",
        channels=tmp_path / "ch.png",
        lang="en",
        timezone="America/New_York",
        now=made,
    )
    assert "generated 2026-11-20 20:30 (America/New_York)" in html.read_text(encoding="utf-8")
