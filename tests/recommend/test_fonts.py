"""The report's font face without matplotlib (``optimizer.fonts``): the first family of ``CJK_FONTS`` that
fontconfig lists for Chinese, regular before bold, its index in a collection; the font folders without
fontconfig."""

from __future__ import annotations

import os
from pathlib import Path

import optimizer.fonts
from optimizer.fonts import CJK_FONTS, Face, cjk_face, pick_face

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_the_face_comes_first_in_the_families_order_regular_before_bold():
    bold = Face("/f/noto-bold.ttc", 2, ("Noto Sans CJK SC",), "Bold")
    regular = Face("/f/noto.ttc", 2, ("Noto Sans CJK SC", "Noto Sans CJK SC Regular"), "Regular")
    wqy = Face("/f/wqy.ttc", 0, ("WenQuanYi Zen Hei",), "Regular")
    other = Face("/f/other.ttf", 0, ("Some Song",), "Regular")
    assert pick_face([wqy, bold, regular, other]) == regular
    assert pick_face([other, wqy]) == wqy
    assert pick_face([other]) == other, "a face that covers Chinese beats boxes"
    assert pick_face([]) is None


def test_fontconfig_lists_the_faces_and_their_index_in_a_collection(tmp_path, monkeypatch):
    fake = tmp_path / "fc-list"
    lines = [
        "/f/wqy-zenhei.ttc\t0\tWenQuanYi Zen Hei,文泉驿正黑\tRegular",
        "/f/NotoSansCJK-Bold.ttc\t2\tNoto Sans CJK SC\tBold",
        "/f/NotoSansCJK-Regular.ttc\t2\tNoto Sans CJK SC,Noto Sans CJK SC Regular\tRegular,Book",
        "a line fontconfig would not print",
    ]
    fake.write_text("#!/bin/sh\nprintf '%s\\n' " + " ".join(f"'{line}'" for line in lines) + "\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert cjk_face() == Face("/f/NotoSansCJK-Regular.ttc", 2, ("Noto Sans CJK SC", "Noto Sans CJK SC Regular"), "Regular,Book")  # fmt: skip
    assert cjk_face(("WenQuanYi Zen Hei", *CJK_FONTS)).path == "/f/wqy-zenhei.ttc"


def test_without_fontconfig_the_font_folders_give_the_same_face(monkeypatch):
    found = cjk_face()
    assert found is not None and found.family == "Noto Sans CJK SC", "scripts/test installs fonts-noto-cjk"
    monkeypatch.setattr(optimizer.fonts.shutil, "which", lambda name: None)
    scanned = cjk_face()
    assert scanned is not None and (scanned.path, scanned.index, scanned.family) == (
        found.path,
        found.index,
        found.family,
    )
    if Path(NOTO).exists():
        assert scanned.path == NOTO and scanned.index == 2
