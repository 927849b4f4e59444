"""Charts as inline SVG: pure functions from numbers to an ``<svg>`` string.

The HTML report must open anywhere without a network, so charts are drawn here in Python
rather than by a JavaScript library from a CDN. Every function takes plain numbers (``float``,
``int`` or ``Decimal``) and labels, and returns one self-contained ``<svg>`` element that
scales to its container (``viewBox`` + ``width="100%"``) and inherits the page's font. All
text is escaped, so product titles and chat excerpts cannot inject markup.

Charts: :func:`stacked_bars` (a total split into parts per category), :func:`line_chart`
(series over categories with an optional threshold line), :func:`step_chart` (step
functions such as Kaplan–Meier curves, optionally on a logarithmic x axis) and
:func:`horizontal_bars` (ranked values with their labels). Colours come from :data:`PALETTE`
unless a series names its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Final

__all__ = [
    "PALETTE",
    "Series",
    "StepSeries",
    "Tick",
    "clip_text",
    "horizontal_bars",
    "line_chart",
    "nice_ticks",
    "stacked_bars",
    "step_chart",
]

Number = float | int | Decimal
Format = Callable[[float], str]

PALETTE: Final = (
    "#2f6fbd",  # blue
    "#e8833a",  # orange
    "#3a9e6f",  # green
    "#8a63c7",  # violet
    "#d64550",  # red
    "#8c8c8c",  # grey
    "#c9a227",  # ochre
    "#2aa3b8",  # teal
)
"""Distinct, print-safe colours, used in order when a series has none."""

INK: Final = "#1f2933"
MUTED: Final = "#6b7785"
GRID: Final = "#e3e7ec"
ALERT: Final = "#d64550"

_FONT: Final = 12
_TITLE_FONT: Final = 13
_LEGEND_Y: Final = 36
_PLOT_TOP: Final = 58
"""The title is on the first line, the legend on the next (never over the title), then the
plot."""


@dataclass(frozen=True, slots=True)
class Series:
    """A named row of values, one per category; ``colour`` defaults to the palette's."""

    name: str
    values: Sequence[Number | None]
    colour: str | None = None
    markers: bool = True
    """Line charts: a dot per value (red above the threshold); off for a trend line."""
    highlights: Sequence[bool] | None = None
    """Line charts: which dots are drawn red (the alert days); default: those above the
    threshold."""


@dataclass(frozen=True, slots=True)
class StepSeries:
    """A step function: ``ys[i]`` holds from ``xs[i]`` until ``xs[i + 1]``."""

    name: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: str | None = None
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis mark at ``value`` with its text."""

    value: float
    label: str


@dataclass(frozen=True, slots=True)
class _Frame:
    """The plot area inside the margins of a chart of ``width`` × ``height``."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float, top: float) -> float:
        """The vertical position of ``value`` on a 0…``top`` axis."""
        share = value / top if top else 0.0
        return self.top + self.inner_height * (1 - share)


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (1, 2, 2.5 or 5 × a power of ten),
    about ``count`` of them; ``[0, 1]`` when ``maximum`` is not positive."""
    if not math.isfinite(maximum) or maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    y_format: Format = lambda value: f"{value:,.0f}",
    width: int = 900,
    height: int = 364,
) -> str:
    """One bar per category, split into the ``series`` stacked bottom to top (negative
    values count as 0). Each segment has a tooltip with its series, category and value."""
    totals = [sum(max(_num(s.values[i]), 0.0) for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0.0))
    frame = _Frame(width, height, left=72, right=16, top=_PLOT_TOP, bottom=_bottom(categories))
    slot = frame.inner_width / max(len(categories), 1)
    bar = max(min(slot * 0.72, 48), 1.5)
    parts = [_y_axis(frame, ticks, y_format, y_label)]
    for i, category in enumerate(categories):
        x = frame.left + slot * i + (slot - bar) / 2
        base = 0.0
        for k, item in enumerate(series):
            value = max(_num(item.values[i]), 0.0)
            if value <= 0:
                continue
            y0, y1 = frame.y(base, ticks[-1]), frame.y(base + value, ticks[-1])
            tip = f"{item.name} · {category}: {y_format(value)}"
            parts.append(
                f'<rect x="{x:.2f}" y="{y1:.2f}" width="{bar:.2f}" height="{y0 - y1:.2f}" '
                f'fill="{_colour(item.colour, k)}"><title>{escape(tip)}</title></rect>'
            )
            base += value
    parts.append(_x_labels(frame, categories, slot))
    legend = [(s.name, _colour(s.colour, k), False) for k, s in enumerate(series)]
    return _svg(width, height, title, [*parts, _legend(frame, legend)])


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    y_format: Format = lambda value: f"{value:,.0f}",
    threshold: float | None = None,
    threshold_label: str = "",
    y_max: float | None = None,
    width: int = 900,
    height: int = 324,
) -> str:
    """Series as lines with a dot per value over the categories (a missing value breaks the
    line), and an optional dashed ``threshold`` (named in the legend); dots above the
    threshold, or those a series' ``highlights`` names, are drawn red. A series with
    ``markers=False`` is a plain line."""
    values = [_num(v) for s in series for v in s.values if v is not None]
    top = max([*values, threshold or 0.0, 0.0])
    ticks = nice_ticks(y_max if y_max is not None else top)
    frame = _Frame(width, height, left=64, right=16, top=_PLOT_TOP, bottom=_bottom(categories))
    slot = frame.inner_width / max(len(categories), 1)
    parts = [_y_axis(frame, ticks, y_format, y_label)]
    if threshold is not None:
        y = frame.y(threshold, ticks[-1])
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.2f}" '
            f'y2="{y:.2f}" stroke="{ALERT}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{escape(threshold_label)}</title></line>"
        )
    for k, item in enumerate(series):
        colour = _colour(item.colour, k)
        points = [
            (frame.left + slot * (i + 0.5), frame.y(_num(v), ticks[-1]), _num(v), i)
            for i, v in enumerate(item.values)
            if v is not None
        ]
        for run in _runs(points):
            path = " ".join(f"{x:.2f},{y:.2f}" for x, y, _, _ in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                'stroke-linejoin="round"/>'
            )
        for x, y, value, i in points if item.markers else ():
            if item.highlights is not None:
                above = bool(item.highlights[i])
            else:
                above = threshold is not None and value > threshold
            tip = f"{item.name} · {categories[i]}: {y_format(value)}"
            parts.append(
                f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{4 if above else 2.5}" '
                f'fill="{ALERT if above else colour}"><title>{escape(tip)}</title></circle>'
            )
    parts.append(_x_labels(frame, categories, slot))
    legend = [(s.name, _colour(s.colour, k), False) for k, s in enumerate(series)]
    if threshold is not None:
        legend.append((threshold_label, ALERT, True))
    return _svg(width, height, title, [*parts, _legend(frame, legend)])


def step_chart(
    series: Sequence[StepSeries],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_ticks: Sequence[Tick],
    y_format: Format = lambda value: f"{value:.0%}",
    log_x: bool = False,
    width: int = 900,
    height: int = 344,
) -> str:
    """Step functions over a shared x range (the first to the last of ``x_ticks``), y from
    0 to 1; with ``log_x`` the x axis is logarithmic (values at or below the first tick are
    drawn at its position)."""
    if len(x_ticks) < 2:
        raise ValueError("a step chart needs at least two x ticks")
    low, high = x_ticks[0].value, x_ticks[-1].value
    if log_x and low <= 0:
        raise ValueError("a logarithmic x axis needs a first tick above 0")
    frame = _Frame(width, height, left=64, right=20, top=_PLOT_TOP, bottom=58)

    def x_of(value: float) -> float:
        value = min(max(value, low), high)
        if log_x:
            share = (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
        else:
            share = (value - low) / (high - low)
        return frame.left + frame.inner_width * share

    ticks = [i / 4 for i in range(5)]
    parts = [_y_axis(frame, ticks, y_format, y_label)]
    bottom = frame.height - frame.bottom
    for tick in x_ticks:
        x = x_of(tick.value)
        parts.append(
            f'<line x1="{x:.2f}" x2="{x:.2f}" y1="{frame.top}" y2="{bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.2f}" y="{bottom + 16}" text-anchor="middle" font-size="{_FONT}" '
            f'fill="{MUTED}">{escape(tick.label)}</text>'
        )
    parts.append(
        f'<text x="{frame.left + frame.inner_width / 2:.2f}" y="{frame.height - 8}" '
        f'text-anchor="middle" font-size="{_FONT}" fill="{MUTED}">{escape(x_label)}</text>'
    )
    for k, item in enumerate(series):
        if len(item.xs) != len(item.ys):
            raise ValueError(f"series {item.name!r}: {len(item.xs)} xs but {len(item.ys)} ys")
        if not item.xs:
            continue
        path = _step_path(item, x_of, lambda v: frame.y(v, 1.0), high)
        dash = ' stroke-dasharray="5 4"' if item.dashed else ""
        parts.append(
            f'<path d="{path}" fill="none" stroke="{_colour(item.colour, k)}" '
            f'stroke-width="2"{dash}><title>{escape(item.name)}</title></path>'
        )
    legend = [(s.name, _colour(s.colour, k), s.dashed) for k, s in enumerate(series)]
    return _svg(width, height, title, [*parts, _legend(frame, legend)])


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    value_labels: Sequence[str] | None = None,
    colours: Sequence[str] | None = None,
    width: int = 900,
    row_height: int = 26,
    label_width: int = 200,
) -> str:
    """One bar per label, longest = largest value, with ``value_labels`` (default: the
    value) at the bar's end; ``colours`` per bar or the palette's first colour."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    texts = list(value_labels) if value_labels is not None else [f"{_num(v):,g}" for v in values]
    height = 40 + row_height * max(len(labels), 1)
    top = max((_num(v) for v in values), default=0.0) or 1.0
    span = width - label_width - 150
    parts = []
    for i, (full, value) in enumerate(zip(labels, values, strict=True)):
        label = clip_text(full, label_width - 12)
        y = 34 + i * row_height
        length = max(_num(value), 0.0) / top * span
        colour = escape(colours[i]) if colours is not None else PALETTE[0]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.62:.2f}" text-anchor="end" '
            f'font-size="{_FONT}" fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.2f}" '
            f'height="{row_height - 8}" rx="2" fill="{colour}">'
            f"<title>{escape(full)}: {escape(texts[i])}</title></rect>"
            f'<text x="{label_width + length + 6:.2f}" y="{y + row_height * 0.62:.2f}" '
            f'font-size="{_FONT}" fill="{MUTED}">{escape(texts[i])}</text>'
        )
    return _svg(width, height, title, parts)


# -- drawing pieces ------------------------------------------------------------------------


def _svg(width: int, height: int, title: str, parts: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>"
        f'<text x="0" y="16" font-size="{_TITLE_FONT}" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>{''.join(parts)}</svg>"
    )


def _y_axis(frame: _Frame, ticks: Sequence[float], fmt: Format, label: str) -> str:
    parts = []
    right = frame.width - frame.right
    for tick in ticks:
        y = frame.y(tick, ticks[-1])
        parts.append(
            f'<line x1="{frame.left}" x2="{right}" y1="{y:.2f}" y2="{y:.2f}" stroke="{GRID}"/>'
            f'<text x="{frame.left - 6}" y="{y + 4:.2f}" text-anchor="end" font-size="{_FONT}" '
            f'fill="{MUTED}">{escape(fmt(tick))}</text>'
        )
    middle = frame.top + frame.inner_height / 2
    parts.append(
        f'<text transform="translate(12 {middle:.2f}) rotate(-90)" text-anchor="middle" '
        f'font-size="{_FONT}" fill="{MUTED}">{escape(label)}</text>'
    )
    return "".join(parts)


def _bottom(categories: Sequence[str]) -> float:
    return 64 if len(categories) > 16 else 40


def _x_labels(frame: _Frame, categories: Sequence[str], slot: float) -> str:
    """Category labels under the plot; thinned so they never overlap, slanted when many."""
    every = max(1, math.ceil(len(categories) / max(frame.inner_width / 46, 1)))
    slanted = len(categories) > 16
    base = frame.height - frame.bottom + 16
    parts = []
    for i, category in enumerate(categories):
        if i % every:
            continue
        x = frame.left + slot * (i + 0.5)
        if slanted:
            parts.append(
                f'<text transform="translate({x:.2f} {base}) rotate(-40)" text-anchor="end" '
                f'font-size="{_FONT - 1}" fill="{MUTED}">{escape(category)}</text>'
            )
        else:
            parts.append(
                f'<text x="{x:.2f}" y="{base}" text-anchor="middle" font-size="{_FONT}" '
                f'fill="{MUTED}">{escape(category)}</text>'
            )
    return "".join(parts)


def _legend(frame: _Frame, items: Sequence[tuple[str, str, bool]]) -> str:
    """Legend entries right-aligned between the title and the plot, 6 at most per line."""
    parts = []
    per_line = 6
    for row_start in range(0, len(items), per_line):
        row = items[row_start : row_start + per_line]
        widths = [24 + _text_width(name) + 14 for name, _, _ in row]
        x = frame.width - frame.right - sum(widths)
        y = _LEGEND_Y + (row_start // per_line) * 16
        for (name, colour, dashed), step in zip(row, widths, strict=True):
            mark = (
                f'<line x1="{x:.2f}" x2="{x + 16:.2f}" y1="{y:.2f}" y2="{y:.2f}" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
                if dashed
                else f'<rect x="{x:.2f}" y="{y - 5:.2f}" width="16" height="10" rx="2" '
                f'fill="{colour}"/>'
            )
            parts.append(
                f'{mark}<text x="{x + 22:.2f}" y="{y + 4:.2f}" font-size="{_FONT}" '
                f'fill="{INK}">{escape(name)}</text>'
            )
            x += step
    return f'<g class="legend">{"".join(parts)}</g>'


def clip_text(text: str, width: float) -> str:
    """``text`` cut (with "…") to fit ``width`` pixels at the chart font."""
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _text_width(text: str) -> float:
    """An estimate of ``text``'s width at the chart font: CJK glyphs are square."""
    return sum(_FONT if ord(char) > 0x2E80 else _FONT * 0.58 for char in text)


def _step_path(
    item: StepSeries, x_of: Callable[[float], float], y_of: Callable[[float], float], end: float
) -> str:
    moves = [f"M{x_of(item.xs[0]):.2f},{y_of(item.ys[0]):.2f}"]
    for i in range(1, len(item.xs)):
        x = x_of(item.xs[i])
        moves.append(f"H{x:.2f}V{y_of(item.ys[i]):.2f}")
    moves.append(f"H{x_of(end):.2f}")
    return "".join(moves)


def _runs(
    points: Sequence[tuple[float, float, float, int]],
) -> list[list[tuple[float, float, float, int]]]:
    """Consecutive points (by category index) as separate polylines."""
    runs: list[list[tuple[float, float, float, int]]] = []
    for point in points:
        if runs and runs[-1][-1][3] == point[3] - 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _colour(colour: str | None, index: int) -> str:
    return escape(colour or PALETTE[index % len(PALETTE)])


def _num(value: Number | None) -> float:
    if value is None:
        return 0.0
    number = float(value)
    return number if math.isfinite(number) else 0.0
