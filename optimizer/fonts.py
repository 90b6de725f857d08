"""Font files for the report's charts, found without matplotlib: a face that draws Chinese, else a plain one.

``cjk_face`` asks fontconfig for the faces that cover Chinese (``fc-list
:lang=zh-cn``, ~15 ms) and takes the first family of ``CJK_FONTS``, a regular
style first; any other face that covers Chinese comes next. Where fontconfig is
missing (macOS, Windows, slim images) it reads the usual font folders instead:
the files whose names look like CJK fonts, each face of a ``.ttc`` collection by
its index. ``latin_face`` is fontconfig's ``sans-serif``, for a machine without
a CJK font: Chinese then prints as boxes (the report page says so).
``Fonts`` loads one face at the pixel sizes a chart asks for; without any face,
Pillow's own font.

``cjk_font`` is the same question put to matplotlib (a family name in its font
list, rebuilt once when it predates the font), for the charts still drawn with
matplotlib (``optimizer.experiment.report``); it imports matplotlib when called.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

__all__ = ["CJK_FONTS", "Face", "Fonts", "cjk_face", "cjk_font", "latin_face", "pick_face"]

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
    "AR PL UMing CN",
)
"""Families that draw Chinese, the preferred first."""

FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
    "C:/Windows/Fonts",
)
"""Where fonts are installed, read when fontconfig is missing."""

_CJK_FILE_HINTS = (
    "cjk",
    "sourcehan",
    "notosanssc",
    "wqy",
    "msyh",
    "simhei",
    "simsun",
    "pingfang",
    "heiti",
    "hiraginosansgb",
    "uming",
    "droidsansfallback",
)
"""Parts of the file names of CJK fonts (lower case, without spaces, dashes and underscores)."""
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
_REGULAR_STYLES = frozenset({"regular", "book", "normal", "medium"})
_FC_FORMAT = "%{file}\t%{index}\t%{family}\t%{style}\n"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Face:
    """One face of a font file: ``index`` picks it in a ``.ttc`` collection."""

    path: str
    index: int
    families: tuple[str, ...]
    style: str = ""

    @property
    def family(self) -> str:
        return self.families[0] if self.families else Path(self.path).stem

    @property
    def regular(self) -> bool:
        return not self.style or any(s.strip().lower() in _REGULAR_STYLES for s in self.style.split(","))


def pick_face(faces: Iterable[Face], families: Sequence[str] = CJK_FONTS) -> Face | None:
    """The face of the first of ``families`` that is in ``faces`` (regular styles first), else the first face."""
    ordered = sorted(faces, key=lambda f: (not f.regular, f.path, f.index))
    for name in families:
        for face in ordered:
            if name in face.families:
                return face
    return ordered[0] if ordered else None


def cjk_face(families: Sequence[str] = CJK_FONTS) -> Face | None:
    """An installed face that draws Chinese (the first of ``families`` there is), or ``None``."""
    faces = _fontconfig("fc-list", ":lang=zh-cn")
    return pick_face(_scanned_faces() if faces is None else faces, families)


def latin_face() -> Face | None:
    """fontconfig's ``sans-serif`` face, or ``None`` without fontconfig."""
    faces = _fontconfig("fc-match", "sans-serif")
    return faces[0] if faces else None


def _fontconfig(command: str, pattern: str) -> list[Face] | None:
    """The faces a fontconfig command lists for ``pattern``; ``None`` when fontconfig is not there."""
    exe = shutil.which(command)
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "--format", _FC_FORMAT, pattern], capture_output=True, text=True, timeout=20, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    faces = []
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] and parts[1].isdigit():
            names = tuple(name.strip() for name in parts[2].split(",") if name.strip())
            faces.append(Face(parts[0], int(parts[1]), names, parts[3]))
    return faces


def _scanned_faces(folders: Sequence[str] = FONT_DIRS) -> list[Face]:
    """The faces of the files in ``folders`` whose names look like CJK fonts (every face of a collection)."""
    found: list[Face] = []
    for folder in folders:
        root = Path(folder).expanduser()
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                name = path.name.lower().replace(" ", "").replace("-", "").replace("_", "")
                if name.endswith(_FONT_SUFFIXES) and any(hint in name for hint in _CJK_FILE_HINTS):
                    found.extend(_faces_in(path))
    return found


def _faces_in(path: Path) -> Iterator[Face]:
    """Every face of one font file, named as the file names it (Pillow reads the name table)."""
    for index in range(64):  # a .ttc holds a few to a few dozen faces; a .ttf one
        try:
            family, style = ImageFont.truetype(str(path), 10, index=index).getname()
        except (OSError, ValueError):
            return
        yield Face(str(path), index, (family,) if family else (), style or "")


class Fonts:
    """One face loaded at the pixel sizes a chart asks for."""

    def __init__(self, face: Face | None) -> None:
        self.face = face
        self._loaded: dict[float, Font] = {}
        self._widths: dict[tuple[str, float], float] = {}

    def at(self, size: float) -> Font:
        """The font at ``size`` pixels (rounded to a whole pixel)."""
        if size not in self._loaded:
            pixels = max(1, round(size))
            if self.face is None:
                self._loaded[size] = ImageFont.load_default(pixels)
            else:
                self._loaded[size] = ImageFont.truetype(self.face.path, pixels, index=self.face.index)
        return self._loaded[size]

    def width(self, text: str, size: float) -> float:
        """How wide ``text`` is at ``size`` pixels (remembered: tick labels repeat)."""
        if (text, size) not in self._widths:
            self._widths[text, size] = float(self.at(size).getlength(text))
        return self._widths[text, size]


def cjk_font() -> str | None:
    """The name of an installed font that can draw Chinese, or ``None``."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in installed:
                return name
        if attempt == 0:
            # matplotlib caches the font list: fonts installed after it was built (apt-get install
            # fonts-noto-cjk) are missing until it is rebuilt, once, here
            _rescan_fonts()
    return None


def _rescan_fonts() -> None:
    """Rebuild matplotlib's font list in place (every user of ``fontManager`` sees it) and save it."""
    import contextlib

    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    manager.__init__()  # type: ignore[misc]
    for cached in (getattr(manager, "_findfont_cached", None), getattr(font_manager, "_get_font", None)):
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
    with contextlib.suppress(OSError):
        path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
        font_manager.json_dump(manager, path)
