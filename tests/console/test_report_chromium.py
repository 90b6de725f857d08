"""Must-hold 3: the report page, rendered by headless Chromium, shows Chinese campaign names, not boxes.

Two checks: the font face the charts are drawn with (``optimizer.fonts.cjk_face``,
the file and its index in a collection) has a glyph for every character of the
campaign names (a missing glyph is a box), and
Chromium (Debian's ``chromium``, as a person's browser) loads the page with
both charts and shows the names in its rendered text and a screenshot.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from optimizer.fonts import cjk_face
from optimizer.jobs.optimize import run_optimize
from optimizer.settings import load_settings
from tests.console.exports import Account, standard_csv

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    export = standard_csv(tmp / "export.csv", Account().history(dt.date(2026, 11, 27), 28))
    result = run_optimize([export], tmp / "rec.csv", load_settings(None), dt.date(2026, 11, 28), report=True)
    return tmp, result


def test_the_charts_font_draws_every_chinese_character_of_the_names(report):
    from fontTools.ttLib import TTFont

    _, result = report
    face = cjk_face()
    assert face is not None, "scripts/test installs fonts-noto-cjk: a CJK font must be there"
    with TTFont(face.path, fontNumber=face.index) as font:
        cmap = set(font.getBestCmap() or {})
    names = "".join(result.frame["campaign_name"])
    chinese = {ch for ch in names if ord(ch) > 0x2E80}
    assert chinese, "the names under test are Chinese"
    assert {ch for ch in chinese if ord(ch) not in cmap} == set()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/test installs it)")
def test_chromium_renders_the_page_with_the_names_and_both_charts(report, tmp_path):
    _, result = report
    page = next(p for p in result.paths if str(p).endswith(".html"))
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for name in result.frame["campaign_name"].head(5):
        assert name.replace("&", "&amp;") in dom
    assert dom.count("<img") == 2 and "_curves.png" in dom and "_channels.png" in dom
    shot = tmp_path / "shot.png"
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1400,2400",
         page.resolve().as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
