"""The chart kit under the report (``optimizer.chart``): round ticks that hold the data, text that fits."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from optimizer import chart
from optimizer.fonts import cjk_face


@given(
    low=st.floats(-1e9, 1e9, allow_nan=False),
    span=st.floats(0, 1e9, allow_nan=False),
    count=st.integers(3, 8),
)
def test_ticks_are_round_evenly_spaced_and_hold_the_values(low, span, count):
    values = np.array([low, low + span])
    ticks = chart.axis_ticks(values, count=count)
    step = ticks[1] - ticks[0]
    assert max(2, count - 2) <= len(ticks) <= count + 3
    assert ticks[0] <= values.min() and ticks[-1] >= values.max()
    assert np.allclose(np.diff(ticks), step, rtol=1e-9, atol=1e-12 * np.abs(ticks).max())
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
    if low >= 0:
        assert ticks[0] >= 0, "a money axis does not go below 0"


def test_ticks_read_like_an_axis_a_person_would_draw():
    assert chart.tick_labels(chart.axis_ticks([1934, 4266])) == ["1,500", "2,000", "2,500", "3,000", "3,500", "4,000", "4,500"]  # fmt: skip
    assert chart.tick_labels(chart.axis_ticks([36_000, 49_800], count=6, zero=True)) == [
        "0", "10,000", "20,000", "30,000", "40,000", "50,000", "60,000"
    ]  # fmt: skip
    assert chart.tick_labels(chart.axis_ticks([0.2, 0.9])) == ["0.00", "0.25", "0.50", "0.75", "1.00"]
    assert chart.tick_labels(chart.axis_ticks([0.0, 0.0])) == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25"]
    assert chart.tick_labels(chart.axis_ticks([np.nan, np.inf])) == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25"]


def test_a_long_name_is_cut_to_its_width_with_an_ellipsis():
    canvas = chart.new_canvas(100, 100, cjk_face())
    name = "双十一直播间·女装旗舰店·秋冬新品短视频引流"
    cut = chart.fit_text(canvas, name, 13, 120)
    assert cut.endswith("…") and name.startswith(cut[:-1]) and chart.text_width(canvas, cut, 13) <= 120
    assert chart.fit_text(canvas, "计划8", 13, 120) == "计划8"
