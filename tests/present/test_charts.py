"""SVG chart primitives: well-formed, escaped, and drawn to the numbers they are given."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from winback.present.charts import (
    PALETTE,
    Series,
    StepSeries,
    Tick,
    horizontal_bars,
    line_chart,
    nice_ticks,
    stacked_bars,
    step_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_nice_ticks_cover_the_maximum_with_round_steps() -> None:
    assert nice_ticks(87) == [0, 25, 50, 75, 100]
    assert nice_ticks(70) == [0, 20, 40, 60, 80]
    assert nice_ticks(0.47) == [0, 0.2, 0.4, 0.6]
    assert nice_ticks(1234.5)[-1] >= 1234.5
    assert nice_ticks(0) == [0.0, 1.0]
    assert nice_ticks(float("nan")) == [0.0, 1.0]


def test_stacked_bars_draw_each_part_in_proportion_and_stack_to_the_total() -> None:
    svg = stacked_bars(
        ["07-30", "07-31"],
        [Series("paid", [Decimal("60.00"), Decimal(0)]), Series("closed", [Decimal(40), 100])],
        title="Decomposition",
        y_label="amount",
    )
    rects = parse(svg).findall(f"{SVG}rect")
    bars = [r for r in rects if r.find(f"{SVG}title") is not None]
    # three non-zero segments: 60 and 40 on the first day, 100 on the second
    assert len(bars) == 3
    heights = [float(r.get("height", "0")) for r in bars]
    assert heights[0] == pytest.approx(heights[1] * 1.5)
    assert heights[2] == pytest.approx(heights[0] + heights[1])
    # the two parts of day one touch: the upper starts where the lower ends
    assert float(bars[1].get("y", "0")) + heights[1] == pytest.approx(float(bars[0].get("y", "0")))
    assert bars[0].get("fill") == PALETTE[0] and bars[1].get("fill") == PALETTE[1]


def test_every_text_is_escaped_so_labels_cannot_inject_markup() -> None:
    hostile = '<script>alert("x")</script> & 连衣裙'
    svg = horizontal_bars([hostile], [3], title=hostile, value_labels=[hostile])
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    texts = "".join(root.itertext())
    assert '<script>alert("x")</script> & 连衣裙' in texts


def test_line_chart_marks_values_above_the_threshold_in_red_and_draws_the_threshold() -> None:
    svg = line_chart(
        ["a", "b", "c"],
        [Series("lost ratio", [0.2, 0.45, None])],
        title="Lost",
        y_label="ratio",
        threshold=0.3,
        threshold_label="alert 30%",
    )
    root = parse(svg)
    dots = root.findall(f"{SVG}circle")
    assert len(dots) == 2  # the missing value draws no dot
    assert [d.get("fill") for d in dots] == [PALETTE[0], "#d64550"]
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert dashed, "the threshold is a dashed line"
    assert "alert 30%" in "".join(root.itertext())


def test_a_trend_series_without_markers_is_a_plain_line() -> None:
    svg = line_chart(
        ["a", "b"],
        [Series("ratio", [0.2, 0.5]), Series("trend", [0.4, 0.45], markers=False)],
        title="Lost",
        y_label="ratio",
        threshold=0.3,
    )
    root = parse(svg)
    assert len(root.findall(f"{SVG}circle")) == 2  # only the first series has dots
    assert len(root.findall(f"{SVG}polyline")) == 2


def test_step_chart_draws_a_path_of_horizontal_then_vertical_steps() -> None:
    svg = step_chart(
        [StepSeries("all", [0.0, 60.0, 600.0], [0.0, 0.5, 0.9])],
        title="Paid",
        x_label="time",
        y_label="share",
        x_ticks=[Tick(60, "1 min"), Tick(3600, "1 h")],
        log_x=True,
    )
    (path,) = parse(svg).findall(f"{SVG}path")
    d = path.get("d", "")
    assert d.startswith("M") and d.count("V") == 2
    assert re.fullmatch(r"M[\d.]+,[\d.]+(H[\d.]+V[\d.]+)+H[\d.]+", d)


def test_step_chart_refuses_a_log_axis_from_zero_and_mismatched_series() -> None:
    with pytest.raises(ValueError, match="logarithmic"):
        step_chart(
            [],
            title="t",
            x_label="x",
            y_label="y",
            x_ticks=[Tick(0, "0"), Tick(1, "1")],
            log_x=True,
        )
    with pytest.raises(ValueError, match="2 xs but 1 ys"):
        step_chart(
            [StepSeries("s", [0, 1], [0])],
            title="t",
            x_label="x",
            y_label="y",
            x_ticks=[Tick(0, "0"), Tick(1, "1")],
        )


def test_horizontal_bars_scale_to_the_largest_value() -> None:
    svg = horizontal_bars(["a", "b"], [Decimal(10), Decimal(5)], title="Reasons")
    widths = [float(r.get("width", "0")) for r in parse(svg).findall(f"{SVG}rect")]
    assert widths[0] == pytest.approx(widths[1] * 2)
