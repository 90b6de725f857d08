"""The report's two PNGs are charts a person can read (issue 16): drawn with Pillow, each the picture of its
data (the curve's pixels where the curve is, bars as tall as the budgets), a title, and Chinese drawn as
glyphs of a CJK font, not boxes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

import optimizer.report
from optimizer.fonts import Fonts, cjk_face
from optimizer.i18n import t, use_language
from optimizer.report import (
    CHANNELS_SIZE,
    CURVE_CELL,
    CURVE_COLUMNS,
    CURVE_HEAD,
    GREY,
    RED,
    channel_table,
    curve_panels,
    draw_channels,
    draw_curves,
    write_report,
)
from tests.fit.synthetic import make_stats
from tests.recommend.report_runs import recommended_run, spy_on_curves

NAMES = ("双十一直播间·女装旗舰店", "秋冬新品短视频引流", "爆款羽绒服（男款）", "品牌日达人带货")


@pytest.fixture(scope="module")
def run():
    frame, _ = make_stats(n=9, days=21, seed=33)
    ids = frame["campaign_id"].unique()
    for cid, name in zip(ids, NAMES, strict=False):
        frame.loc[frame["campaign_id"] == cid, "campaign_name"] = name
    return recommended_run(frame)


def _report(run, folder, lang: str = "zh-CN"):
    history, model, rows = run
    paths = {key: folder / f"r_{key}.{ext}" for key, ext in (("html", "html"), ("curves", "png"), ("channels", "png"))}
    write_report(history, model, rows, **paths, lang=lang)
    return paths


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _ink(pixels: np.ndarray) -> int:
    """How many pixels are not the white background."""
    return int((pixels < 235).any(axis=-1).sum())


def test_the_curves_png_is_its_drawing_with_a_title_and_a_curve_and_dots_in_every_panel(run, tmp_path):
    history, model, rows = run
    paths = _report(run, tmp_path)
    pixels = _pixels(paths["curves"])
    panels = curve_panels(history, model, rows, 12)
    assert len(panels) == 9
    assert pixels.shape == (CURVE_HEAD + 3 * CURVE_CELL[1], CURVE_COLUMNS * CURVE_CELL[0], 3)
    with use_language("zh-CN"):
        drawn, axes = draw_curves(panels, cjk_face())
    assert np.array_equal(pixels, np.asarray(drawn).astype(int)), "the file is that drawing"
    assert _ink(pixels[:CURVE_HEAD]) > 1_000, "the title and the legend"
    for panel, ax in zip(panels, axes, strict=True):
        dots = [ax.px(*p) for p in (panel.today, panel.recommended) if p is not None]
        xs, ys = ax.px(panel.spend, panel.gmv)
        for x, y in zip(xs, ys, strict=True):
            if min(np.hypot(x - dx, y - dy) for dx, dy in dots) > 8:  # a dot covers the curve there
                near = pixels[round(y) - 1 : round(y) + 2, round(x) - 1 : round(x) + 2].reshape(-1, 3)
                assert ((near[:, 2] - near[:, 0]) > 100).any(), (panel.name, x, y)  # the line's blue
        if panel.recommended is not None:
            x, y = ax.px(*panel.recommended)
            r, g, b = pixels[round(float(y)), round(float(x))]
            assert r > 180 and g < 90 and b < 90, panel.name
        assert _ink(pixels[round(ax.top) : round(ax.bottom), round(ax.left) : round(ax.right)]) > 2_000
    blank = pixels[CURVE_HEAD + 2 * CURVE_CELL[1] :, CURVE_CELL[0] :]  # the last row has one panel of four
    assert _ink(blank) == 0


def test_the_channels_png_has_a_bar_as_tall_as_each_budget_before_and_after(run, tmp_path):
    history, _, rows = run
    paths = _report(run, tmp_path)
    pixels = _pixels(paths["channels"])
    table = channel_table(history, rows)
    assert len(table) == 2 and (table.to_numpy() > 0).all()
    assert pixels.shape == (CHANNELS_SIZE[1], max(CHANNELS_SIZE[0], 130 * len(table) + 220), 3)
    with use_language("zh-CN"):
        drawn, ax = draw_channels(table, cjk_face())
    assert np.array_equal(pixels, np.asarray(drawn).astype(int))
    assert _ink(pixels[:44]) > 500, "the title and the legend"
    for k, (_, row) in enumerate(table.iterrows()):
        for centre, value, colour in ((k - 0.185, row["before"], GREY), (k + 0.185, row["after"], RED)):
            x, top = ax.px(centre, value)
            column = pixels[:, round(float(x))]
            painted = np.flatnonzero(np.abs(column - np.array(colour)).max(axis=1) < 12)
            assert abs(painted.min() - top) <= 2 and abs(painted.max() - ax.bottom) <= 2, (k, value)


def _glyph(font, ch: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((4, 4), ch, font=font, fill=255)
    return image.tobytes()


def test_every_chinese_character_the_charts_draw_is_a_glyph_of_its_own_in_the_face_they_use(run, tmp_path, monkeypatch):
    seen = spy_on_curves(monkeypatch)
    _report(run, tmp_path)
    face = seen[0][1]
    assert face is not None and face == cjk_face(), "scripts/test installs fonts-noto-cjk: a CJK font must be there"
    keys = ("chart_curves_title", "chart_channels_title", "chart_today", "chart_recommended", "chart_spend")
    words = [t(f"report.{k}", lang="zh-CN", n=9) for k in (*keys, "chart_gmv", "chart_budget_axis")]
    words += list(NAMES) + [str(label) for label in run[2]["action_label"]]
    chinese = sorted({ch for ch in "".join(words) if ord(ch) > 0x2E80})
    assert len(chinese) > 40
    font = Fonts(face).at(13)
    box = _glyph(font, "\u0378")  # a code point no font has: the face's "missing" glyph
    drawn = {ch: _glyph(font, ch) for ch in chinese}
    assert [ch for ch, g in drawn.items() if g == box or not any(g)] == []
    assert len(set(drawn.values())) == len(drawn), "boxes would all look alike"


def test_without_a_cjk_font_the_charts_are_still_drawn_and_the_page_says_why_names_are_boxes(
    run, tmp_path, monkeypatch
):
    monkeypatch.setattr(optimizer.report, "cjk_face", lambda: None)
    paths = _report(run, tmp_path, lang="en")
    assert t("report.no_font", lang="en") in paths["html"].read_text(encoding="utf-8")
    assert _ink(_pixels(paths["curves"])[:CURVE_HEAD]) > 500 and _ink(_pixels(paths["channels"])) > 5_000
