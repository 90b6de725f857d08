"""A small chart kit over Pillow for the report's PNGs: axes, round ticks, lines, bands, dots, bars, legends.

matplotlib costs 0.3-0.4 s to import and as much again to draw two charts; these
primitives cost a few milliseconds each. A ``Canvas`` draws its shapes at
``SCALE`` times its size and reduces them by a box filter (``finish``), so lines,
bands and dots come out antialiased (Pillow draws them aliased); its text is kept
until then and drawn on the final image (FreeType antialiases text itself, and a
quarter of the pixels costs a quarter of the time). Every coordinate and size a
caller gives is in pixels of the final image. ``Axes`` maps data to pixels in its
box; ``axis_ticks`` picks round tick values (1, 2, 2.5 or 5 x 10^k apart) whose
first and last are the axis limits. Text is drawn with one face
(``optimizer.fonts``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from optimizer.fonts import Face, Font, Fonts

__all__ = [
    "SCALE",
    "Axes",
    "Canvas",
    "axis_ticks",
    "band",
    "bar",
    "dot",
    "finish",
    "fit_text",
    "frame",
    "legend",
    "line",
    "new_canvas",
    "save_png",
    "text",
    "text_width",
    "tick_labels",
    "vertical_text",
]

SCALE = 2
"""The canvas draws at this multiple of the final size (2: antialiased, and 4x fewer pixels than 4)."""

Color = tuple[int, ...]
WHITE: Color = (255, 255, 255)
INK: Color = (34, 34, 34)
MUTED: Color = (96, 96, 96)
GRID: Color = (232, 232, 232)
SPINE: Color = (150, 150, 150)


@dataclass(frozen=True)
class Label:
    """Text to draw on the final image: at ``xy`` by Pillow's ``anchor``, or turned a quarter and centred there."""

    xy: tuple[float, float]
    text: str
    size: float
    fill: Color
    anchor: str = "la"
    vertical: bool = False


@dataclass(frozen=True)
class Canvas:
    """Shapes drawn at ``scale`` times the final size; ``labels`` wait for the final image (``finish``)."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    fonts: Fonts
    scale: int
    labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class Axes:
    """A box in final pixels (``left < right``, ``top < bottom``) showing data ``x`` and ``y`` (low, high)."""

    left: float
    top: float
    right: float
    bottom: float
    x: tuple[float, float]
    y: tuple[float, float]

    def px(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Final-image pixel coordinates of data points ``(x, y)``."""
        fx = (np.asarray(x, dtype=float) - self.x[0]) / ((self.x[1] - self.x[0]) or 1.0)
        fy = (np.asarray(y, dtype=float) - self.y[0]) / ((self.y[1] - self.y[0]) or 1.0)
        return self.left + fx * (self.right - self.left), self.bottom - fy * (self.bottom - self.top)


def new_canvas(width: int, height: int, face: Face | None, scale: int = SCALE) -> Canvas:
    """A white canvas of ``width`` x ``height`` final pixels whose text is drawn with ``face``."""
    image = Image.new("RGB", (width * scale, height * scale), WHITE)
    return Canvas(image, ImageDraw.Draw(image, "RGBA"), Fonts(face), scale)


def finish(canvas: Canvas) -> Image.Image:
    """The final image: the shapes reduced to the final size (each pixel the mean of ``scale`` x ``scale``), then
    the labels drawn on it (each distinct text rendered once: tick labels and axis titles repeat)."""
    final = canvas.image.reduce(canvas.scale) if canvas.scale > 1 else canvas.image.copy()
    draw = ImageDraw.Draw(final)
    masks: dict[tuple[str, float, str, bool], tuple[Image.Image, int, int]] = {}
    for label in canvas.labels:
        key = (label.text, label.size, label.anchor, label.vertical)
        if key not in masks:
            masks[key] = _mask(canvas.fonts.at(label.size), label)
        mask, dx, dy = masks[key]
        draw.bitmap((round(label.xy[0]) + dx, round(label.xy[1]) + dy), mask, fill=label.fill)
    return final


def _mask(font: Font, label: Label) -> tuple[Image.Image, int, int]:
    """``label``'s text as a coverage mask, and where the mask's top-left corner lies from the label's point."""
    anchor = "mm" if label.vertical else label.anchor
    left, top, right, bottom = font.getbbox(label.text, anchor=anchor)
    x0, y0 = math.floor(left), math.floor(top)
    mask = Image.new("L", (max(1, math.ceil(right) - x0), max(1, math.ceil(bottom) - y0)), 0)
    ImageDraw.Draw(mask).text((-x0, -y0), label.text, font=font, fill=255, anchor=anchor)
    if label.vertical:
        mask = mask.rotate(90, expand=True)
        return mask, -(mask.width // 2), -(mask.height // 2)
    return mask, x0, y0


def save_png(image: Image.Image, path: Path) -> None:
    """``image`` as PNG at ``path`` (zlib level 3: a third faster than the default 6, the file ~10 % larger)."""
    image.save(path, format="PNG", compress_level=3)


def axis_ticks(values: np.ndarray | Sequence[float], count: int = 5, zero: bool = False) -> np.ndarray:
    """Round ticks, about ``count`` of them, whose first and last hold ``values`` with a 3 % margin.

    Of the round spacings (1, 2, 2.5 or 5 x 10^k) the one whose ticks waste the least
    room around the values, each tick away from ``count`` counting as a tenth of the
    room and fewer than ``count - 1`` or more than ``count + 2`` as all of it (where
    another spacing avoids that); non-finite values are left out. An axis of values that
    are all >= 0 does not go below 0; ``zero`` also takes 0 in.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    floor = 0.0 if lo >= 0 else -math.inf
    if hi - lo <= 1e-6 * max(abs(lo), abs(hi), 1e-3):  # one value (a flat curve), give or take rounding
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    pad = 0.03 * (hi - lo)
    lo, hi = max(lo - pad, floor), hi + pad
    power = 10.0 ** math.floor(math.log10((hi - lo) / max(count - 1, 1)))
    fits = []
    for step in (m * power * scale for scale in (0.1, 1.0, 10.0) for m in (1.0, 2.0, 2.5, 5.0)):
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        ticks = last - first + 1
        waste = (last - first) * step / (hi - lo) + 0.1 * abs(ticks - count) + (not count - 1 <= ticks <= count + 2)
        fits.append((waste, last - first, first, step))
    _, intervals, first, step = min(fits)  # the least waste, then the fewest ticks
    return (first + np.arange(intervals + 1)) * step


def tick_labels(ticks: np.ndarray) -> list[str]:
    """The ticks as text with thousands separators and as many decimals as their spacing needs."""
    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    if not 1e-4 <= step < 1e12:
        return [f"{t:.3g}" for t in ticks]
    decimals = next((d for d in range(7) if abs(round(step, d) - step) < 1e-9 * max(1.0, step)), 6)
    return [f"{0.0 if abs(t) < step * 1e-9 else t:,.{decimals}f}" for t in ticks]


def text(canvas: Canvas, xy: tuple[float, float], s: str, size: float, fill: Color = INK, anchor: str = "la") -> None:
    """``s`` at ``xy``; ``anchor`` as Pillow's: "la" left-ascender, "mt" middle-top, "rm" right-middle ..."""
    canvas.labels.append(Label(xy, s, size, fill, anchor))


def text_width(canvas: Canvas, s: str, size: float) -> float:
    """How wide ``s`` is."""
    return canvas.fonts.width(s, size)


def fit_text(canvas: Canvas, s: str, size: float, width: float) -> str:
    """``s``, or as much of it as fits in ``width`` followed by an ellipsis."""
    if text_width(canvas, s, size) <= width:
        return s
    for end in range(len(s) - 1, 0, -1):
        if text_width(canvas, s[:end] + "…", size) <= width:
            return s[:end] + "…"
    return "…"


def vertical_text(canvas: Canvas, centre: tuple[float, float], s: str, size: float, fill: Color = MUTED) -> None:
    """``s`` turned a quarter anticlockwise (an axis label read bottom to top), centred on ``centre``."""
    canvas.labels.append(Label(centre, s, size, fill, vertical=True))


def frame(canvas: Canvas, axes: Axes, yticks: np.ndarray, size: float, xticks: np.ndarray | None = None) -> None:
    """Horizontal grid lines and labels at ``yticks``, the left and bottom spines, and ``xticks`` under them."""
    s = canvas.scale
    _, ys = axes.px(axes.x[0], yticks)
    for y, label in zip(ys, tick_labels(yticks), strict=True):
        canvas.draw.line([(axes.left * s, y * s), (axes.right * s, y * s)], fill=GRID, width=s)
        text(canvas, (axes.left - 6, y), label, size, MUTED, "rm")
    if xticks is not None:
        xs, _ = axes.px(xticks, axes.y[0])
        labels = tick_labels(xticks)
        keep = _every(labels, canvas, size, (axes.right - axes.left) / max(len(labels) - 1, 1))
        for i, (x, label) in enumerate(zip(xs, labels, strict=True)):
            canvas.draw.line([(x * s, axes.bottom * s), (x * s, (axes.bottom + 4) * s)], fill=SPINE, width=s)
            if i % keep == 0:
                text(canvas, (x, axes.bottom + 6), label, size, MUTED, "mt")
    corner = [(axes.left * s, axes.top * s), (axes.left * s, axes.bottom * s), (axes.right * s, axes.bottom * s)]
    canvas.draw.line(corner, fill=SPINE, width=s)


def _every(labels: list[str], canvas: Canvas, size: float, spacing: float) -> int:
    """Label every k-th tick so that neighbouring labels keep a gap."""
    widest = max((text_width(canvas, label, size) for label in labels), default=0.0)
    return max(1, math.ceil((widest + 8) / max(spacing, 1e-9)))


def line(canvas: Canvas, axes: Axes, x: np.ndarray, y: np.ndarray, color: Color, width: float = 2.0) -> None:
    """A polyline through the finite points ``(x, y)``."""
    px, py = axes.px(x, y)
    ok = np.isfinite(px) & np.isfinite(py)
    points = [(a * canvas.scale, b * canvas.scale) for a, b in zip(px[ok], py[ok], strict=True)]
    if len(points) > 1:
        canvas.draw.line(points, fill=color, width=max(1, round(width * canvas.scale)), joint="curve")


def band(canvas: Canvas, axes: Axes, x: np.ndarray, low: np.ndarray, high: np.ndarray, color: Color) -> None:
    """The area between ``low`` and ``high`` over ``x`` (``color`` may carry an alpha)."""
    ok = np.isfinite(x) & np.isfinite(low) & np.isfinite(high)
    xs, top = axes.px(x[ok], high[ok])
    _, bottom = axes.px(x[ok], low[ok])
    s = canvas.scale
    outline = [(a * s, b * s) for a, b in zip(xs, top, strict=True)]
    outline += [(a * s, b * s) for a, b in zip(xs[::-1], bottom[::-1], strict=True)]
    if len(outline) > 2:
        canvas.draw.polygon(outline, fill=color)


def dot(canvas: Canvas, axes: Axes, x: float, y: float, color: Color, radius: float = 4.5) -> None:
    """A filled circle at data ``(x, y)`` with a thin white ring, so a dot on a line stays visible."""
    px, py = axes.px(x, y)
    if np.isfinite(px) and np.isfinite(py):
        _disc(canvas, float(px), float(py), color, radius)


def _disc(canvas: Canvas, x: float, y: float, color: Color, radius: float) -> None:
    s = canvas.scale
    box = ((x - radius) * s, (y - radius) * s, (x + radius) * s, (y + radius) * s)
    canvas.draw.ellipse(box, fill=color, outline=WHITE, width=s)


def bar(canvas: Canvas, axes: Axes, left: float, right: float, value: float, color: Color) -> None:
    """A bar from 0 (or the bottom of the axes) to ``value`` between data ``left`` and ``right``."""
    (x0, x1), (y0, y1) = axes.px(np.array([left, right]), np.array([max(axes.y[0], 0.0), value]))
    if np.isfinite([x0, x1, y0, y1]).all() and value > 0:
        s = canvas.scale
        canvas.draw.rectangle((x0 * s, y1 * s, x1 * s, y0 * s), fill=color)


def legend(canvas: Canvas, right: float, y: float, items: Sequence[tuple[str, Color, str]], size: float) -> None:
    """``items`` (label, colour, "dot" or "box") in a row that ends at ``right``, centred on height ``y``."""
    widths = [14 + 5 + text_width(canvas, label, size) for label, _, _ in items]
    x = right - sum(widths) - 16 * (len(items) - 1)
    s = canvas.scale
    for (label, color, kind), width in zip(items, widths, strict=True):
        if kind == "dot":
            _disc(canvas, x + 7, y, color, 5)
        else:
            canvas.draw.rectangle(((x + 1) * s, (y - 6) * s, (x + 13) * s, (y + 6) * s), fill=color)
        text(canvas, (x + 19, y), label, size, INK, "lm")
        x += width + 16
