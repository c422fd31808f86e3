"""Plotly figures of a KPI's path toward its target, built from plain numbers.

Free of Django: callers pass plain data and get back the figure as a JSON-ready dict, which a
page hands to plotly.js through `json_script` (no inline script, nothing from a CDN). Every
series is told apart by marker shape and line dash as well as by colour, and every figure has a
table of the same numbers beside it (`rows`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smartdocho.fiscal import era_label

Translate = Callable[[str], str]


def _same(message: str) -> str:
    return message


# Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILION, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#555555",
)
SERIES_COLOURS = (BLUE, VERMILION, GREEN, PURPLE, ORANGE, GREY)
SERIES_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "x")


@dataclass(frozen=True)
class Point:
    fy: int
    value: float
    preliminary: bool = False


@dataclass(frozen=True)
class TargetMark:
    label: str  # "目標" or "再設定後の目標（R6から）"
    fy: int
    value: float


@dataclass(frozen=True)
class KpiChart:
    title: str
    unit: str
    baseline: Point | None  # None for a new KPI (新規) with no baseline
    values: Sequence[Point] = ()
    targets: Sequence[TargetMark] = ()
    # The expected path: straight from baseline to target, or through the yearly targets.
    path: Sequence[Point] = ()
    projection: Sequence[Point] = ()  # from the latest value to the projected target-year value
    band: tuple[float, float] | None = None  # the tolerance band of a "maintain" target
    # The targets set for single years (年度別目標値, an annual target's years, a schedule's
    # steps), drawn as one series and listed in the table's 目標 column.
    yearly: Sequence[Point] = ()
    yearly_label: str = ""
    band_label: str = ""  # "" for the maintain band's own label
    path_label: str = ""  # "" for the straight path's own label
    first_fy: int | None = None
    last_fy: int | None = None
    sample: bool = False
    decimals: int = 0


@dataclass(frozen=True)
class ComponentsChart:
    title: str
    unit: str
    series: Sequence[tuple[str, Sequence[Point]]]
    target: TargetMark | None = None
    # Each component's baseline, in the order of `series` (None where a component has none).
    baselines: Sequence[Point | None] = ()
    first_fy: int | None = None
    last_fy: int | None = None
    sample: bool = False
    decimals: int = 0


def _scatter(*, x: Sequence, y: Sequence, **properties) -> dict:
    """A plotly.js scatter trace as plain data, its numbers as floats (JSON numbers).

    Figures are built as plain dicts, not through plotly.graph_objects, whose validation of
    every property cost about 70% of a report page (issue 15; bench/run.py measures both).
    tests/kpi/test_charts.py checks that plotly.py accepts every figure unchanged; without its
    template, which repeats plotly.js's own defaults in about 10 KB per chart.
    """
    return {
        "type": "scatter",
        "x": list(x),
        "y": [None if v is None else float(v) for v in y],
        **properties,
    }


def tick_label(fy: int) -> str:
    """Axis label with both calendars: "R6<br>2024"."""
    return f"{era_label(fy)}<br>{fy}"


def escaped(value: str) -> str:
    """Text from the database as plotly.js must receive it: `<`, `>`, `&` escaped.

    plotly.js draws a subset of HTML in every text property (titles, axis titles, legend
    names, hover text, annotations): `<a href=…>` in a KPI name became a live link in the chart
    (issue 10). It decodes the entities back when drawing, so the reader sees the name as typed.
    Our own markup (`<br>` in tick labels, `<extra>` in hover templates) is added around it.
    """
    return html.escape(str(value), quote=False)


TARGET_COLOUR = "#1a1a1a"  # the components' target: no component is drawn in black
# Characters per title line before it wraps: small charts (pillar, report) are narrower.
TITLE_LINE = {True: 24, False: 48}
TITLE_LINES = 2


def wrapped_title(title: str, *, small: bool) -> list[str]:
    """The title in at most two lines, cut only at the end ("…"): the KPI code leads and stays.

    plotly.js centres a title and lets a long one run past both edges of a small chart, which
    hid the code (issue 16). Lines are counted in characters, which fits Japanese text.
    """
    width = TITLE_LINE[small]
    lines = [title[i : i + width] for i in range(0, len(title), width)] or [""]
    if len(lines) > TITLE_LINES:
        lines = lines[:TITLE_LINES]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def y_range(values: Sequence[float]) -> tuple[float, float]:
    """The vertical axis [low, high] that shows what a judgement is about.

    `values` are every number the chart draws (baseline, values, targets, band edges, path,
    projection). The axis starts at zero when zero is near the numbers anyway (within one span
    of the lowest); otherwise it hugs them, so a maintain band of 4,682–5,174 or a fall from
    100 to 99.2 is not flattened into a line at the top of an axis from zero. Padding is a
    tenth of the span on each side (a twentieth of the value when all numbers are equal).
    """
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    span = hi - lo
    pad = span * 0.1 if span else (abs(hi) * 0.05 or 1.0)
    low = lo - pad
    if 0 <= lo <= max(span, pad) or (lo >= 0 > low):
        low = 0.0
    high = hi + pad
    if hi <= 0 and high > 0:
        high = 0.0
    return low, high


def starts_at_zero(axis: tuple[float, float]) -> bool:
    """Whether an axis from y_range includes zero, so that heights compare as ratios."""
    return axis[0] <= 0 <= axis[1]


def _kpi_numbers(chart: KpiChart) -> list[float]:
    numbers = [p.value for p in chart.values]
    if chart.baseline is not None:
        numbers.append(chart.baseline.value)
    numbers += [t.value for t in chart.targets] + [p.value for p in chart.yearly]
    numbers += [p.value for p in chart.path] + [p.value for p in chart.projection]
    if chart.band:
        numbers += list(chart.band)
    return numbers


def _components_numbers(chart: ComponentsChart) -> list[float]:
    numbers = [p.value for _name, points in chart.series for p in points]
    numbers += [b.value for b in chart.baselines if b is not None]
    if chart.target:
        numbers.append(chart.target.value)
    return numbers


def kpi_axis(chart: KpiChart) -> tuple[float, float]:
    """The KPI figure's vertical range, for the figure and for its caption."""
    return y_range(_kpi_numbers(chart))


def components_axis(chart: ComponentsChart) -> tuple[float, float]:
    """The components figure's vertical range, for the figure and for its caption."""
    return y_range(_components_numbers(chart))


def value_format(decimals: int) -> str:
    """A d3 format for hover text with the unit's decimals: ",.0f" shows 4,928."""
    return f",.{decimals}f"


def _years(chart_years: Sequence[int], first: int | None, last: int | None) -> list[int]:
    lo = min([*chart_years, *(y for y in (first,) if y is not None)])
    hi = max([*chart_years, *(y for y in (last,) if y is not None)])
    return list(range(lo, hi + 1))


def _layout(
    title: str,
    unit: str,
    years: list[int],
    small: bool,
    sample: bool,
    _: Translate,
    axis: tuple[float, float],
) -> dict:
    lines = [escaped(line) for line in wrapped_title(title, small=small)]
    if sample:
        lines.append(escaped(_("（サンプル値：架空の数値）")))
    title_height = 18 * len(lines)
    legend_room = 80 if small else 60
    return {
        "title": {
            "text": "<br>".join(lines),
            "font": {"size": 13 if small else 16},
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
        },
        "xaxis": {
            # automargin: the title goes below the two-line year labels, however narrow the
            # chart (at 390 px it sat on them).
            "title": {"text": _("年度（令和／西暦）"), "standoff": 8},
            "automargin": True,
            "tickmode": "array",
            "tickvals": years,
            "ticktext": [tick_label(y) for y in years],
            "range": [years[0] - 0.5, years[-1] + 0.5],
        },
        "yaxis": {
            "title": {"text": escaped(unit)},
            # 100,000 rather than 100k (plotly.js abbreviates numbers from 10,000 on).
            "exponentformat": "none",
            "separatethousands": True,
            "range": list(axis),
            "autorange": False,
        },
        "height": (260 if small else 420) + title_height + legend_room,
        "margin": {"l": 70, "r": 20, "t": 30 + title_height, "b": 60 + legend_room},
        "showlegend": True,
        "legend": {
            "orientation": "h",
            # Below the year labels, in the margin kept for it.
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "font": {"size": 11 if small else 12},
        },
        "font": {"family": "sans-serif"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }


def _hover(decimals: int, name: str) -> str:
    return "%{y:" + value_format(decimals) + "}<extra>" + name + "</extra>"


def kpi_figure(chart: KpiChart, *, small: bool = False, translate: Translate = _same) -> dict:
    """A KPI's values against its baseline, target(s), straight path, projection and band.

    Returns plotly's JSON shape: {"data": [trace, …], "layout": {…}}; y values are in the
    KPI's unit. Drawn in this order, later on top: path, baseline, targets, values, projection.
    """
    _ = translate
    d = chart.decimals
    traces: list[dict] = []
    final = [p for p in chart.values if not p.preliminary]
    preliminary = [p for p in chart.values if p.preliminary]
    if chart.path:
        traces.append(
            _scatter(
                name=escaped(chart.path_label) or _("基準値から目標への直線"),
                x=[p.fy for p in chart.path],
                y=[p.value for p in chart.path],
                mode="lines",
                line={"color": GREY, "dash": "dot", "width": 2},
                hovertemplate=_hover(d, escaped(chart.path_label) or _("直線の経路")),
            )
        )
    # Baseline and targets under the values: a value near its target must not hide behind
    # the target's star (issue 16), least of all an open 速報値 marker.
    if chart.baseline is not None:
        traces.append(
            _scatter(
                name=_("基準値"),
                x=[chart.baseline.fy],
                y=[chart.baseline.value],
                mode="markers",
                marker={"color": GREY, "symbol": "diamond", "size": 12},
                hovertemplate=_hover(d, _("基準値")),
            )
        )
    if chart.yearly:
        traces.append(
            _scatter(
                name=escaped(chart.yearly_label),
                x=[p.fy for p in chart.yearly],
                y=[p.value for p in chart.yearly],
                mode="markers",
                marker={
                    "color": VERMILION,
                    "symbol": "triangle-down-open",
                    "size": 12,
                    "line": {"color": VERMILION, "width": 2},
                },
                hovertemplate=_hover(d, escaped(chart.yearly_label)),
            )
        )
    for i, target in enumerate(chart.targets):
        traces.append(
            _scatter(
                name=escaped(target.label),
                x=[target.fy],
                y=[target.value],
                mode="markers",
                marker={
                    "color": VERMILION if i == 0 else GREEN,
                    "symbol": "star" if i == 0 else "star-open",
                    "size": 16,
                    "line": {"color": VERMILION if i == 0 else GREEN, "width": 2},
                },
                hovertemplate=_hover(d, escaped(target.label)),
            )
        )
    if chart.values:
        traces.append(
            _scatter(
                name=_("実績値（線）"),
                x=[p.fy for p in chart.values],
                y=[p.value for p in chart.values],
                mode="lines",
                line={"color": BLUE, "width": 2},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    if final:
        traces.append(
            _scatter(
                name=_("実績値（確定値）"),
                x=[p.fy for p in final],
                y=[p.value for p in final],
                mode="markers",
                marker={"color": BLUE, "symbol": "circle", "size": 10},
                hovertemplate=_hover(d, _("確定値")),
            )
        )
    if preliminary:
        # An open circle: plotly.js strokes an "-open" symbol in the marker's colour, so the
        # colour must be the series' (white was invisible on the white plot, issue 16).
        traces.append(
            _scatter(
                name=_("実績値（速報値）"),
                x=[p.fy for p in preliminary],
                y=[p.value for p in preliminary],
                mode="markers",
                marker={
                    "color": BLUE,
                    "symbol": "circle-open",
                    "size": 12,
                    "line": {"color": BLUE, "width": 2.5},
                },
                hovertemplate=_hover(d, _("速報値")),
            )
        )
    if chart.projection:
        # Last, so on top; no marker where it starts (the latest value is drawn there) and an
        # open triangle where it ends, so a value or target of that year shows through.
        sizes = [0] + [11] * (len(chart.projection) - 1)
        traces.append(
            _scatter(
                name=_("見通し（最小二乗直線）"),
                x=[p.fy for p in chart.projection],
                y=[p.value for p in chart.projection],
                mode="lines+markers",
                line={"color": PURPLE, "dash": "dash", "width": 2},
                marker={
                    "color": PURPLE,
                    "symbol": "triangle-up-open",
                    "size": sizes,
                    "line": {"color": PURPLE, "width": 2},
                },
                hovertemplate=_hover(d, _("見通し")),
            )
        )
    years = _years(
        _chart_years(chart),
        chart.first_fy,
        chart.last_fy,
    )
    layout = _layout(chart.title, chart.unit, years, small, chart.sample, _, kpi_axis(chart))
    if chart.band:
        low, high = chart.band
        layout["shapes"] = [
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": low,
                "y1": high,
                "fillcolor": "rgba(0, 158, 115, 0.15)",
                "line": {"color": GREEN, "width": 1, "dash": "dash"},
                "layer": "below",
            }
        ]
        layout["annotations"] = [
            {
                "text": escaped(chart.band_label) or _("維持の許容幅"),
                "xref": "paper",
                "x": 0.01,
                "y": high,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#1a1a1a"},
            }
        ]
    return {"data": traces, "layout": layout}


def components_figure(
    chart: ComponentsChart, *, small: bool = False, translate: Translate = _same
) -> dict:
    """Several components on one chart, against their common target.

    Returns plotly's JSON shape; y values are in the parent KPI's unit. A preliminary value is
    a white-filled marker ringed in its component's colour, named in the legend by a trace of
    its own; the target is a black long-dashed line that no component shares.
    """
    _ = translate
    d = chart.decimals
    traces: list[dict] = []
    all_years: list[int] = [b.fy for b in chart.baselines if b is not None]
    if any(p.preliminary for _n, points in chart.series for p in points):
        # A legend entry for the white-filled markers. plotly.js leaves a trace without data
        # out of the legend, so its one point lies below the axis range, clipped from view.
        low, high = components_axis(chart)
        p0 = next(p for _n, points in chart.series for p in points if p.preliminary)
        traces.append(
            _scatter(
                name=_("速報値（白抜きの印）"),
                x=[p0.fy],
                y=[low - (high - low)],
                cliponaxis=True,
                mode="markers",
                marker={
                    "color": "#ffffff",
                    "symbol": "circle",
                    "size": 10,
                    "line": {"color": GREY, "width": 2},
                },
                hoverinfo="skip",
            )
        )
    for i, (name, points) in enumerate(chart.series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        symbol = SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]
        traces.append(
            _scatter(
                name=escaped(name),
                x=[p.fy for p in points],
                y=[p.value for p in points],
                mode="lines+markers",
                line={
                    "color": colour,
                    "width": 2,
                    "dash": ("solid", "dash", "dot", "dashdot")[i % 4],
                },
                marker={
                    "symbol": symbol,
                    "size": 10,
                    "color": [("#ffffff" if p.preliminary else colour) for p in points],
                    "line": {"color": colour, "width": 2},
                },
                hovertemplate=_hover(d, escaped(name)),
            )
        )
        all_years += [p.fy for p in points]
    baselines = [
        (name, b) for (name, _p), b in zip(chart.series, chart.baselines, strict=False) if b
    ]
    if baselines:
        traces.append(
            _scatter(
                name=_("基準値"),
                x=[b.fy for _n, b in baselines],
                y=[b.value for _n, b in baselines],
                text=[escaped(n) for n, _b in baselines],
                mode="markers",
                marker={"color": GREY, "symbol": "diamond", "size": 11},
                hovertemplate="%{text} %{y:"
                + value_format(d)
                + "}<extra>"
                + _("基準値")
                + "</extra>",
            )
        )
    years = _years(
        all_years or [chart.target.fy if chart.target else chart.first_fy or 2000],
        chart.first_fy,
        chart.last_fy,
    )
    axis = components_axis(chart)
    layout = _layout(chart.title, chart.unit, years, small, chart.sample, _, axis)
    if chart.target:
        traces.append(
            _scatter(
                name=escaped(chart.target.label),
                x=[years[0], years[-1]],
                y=[chart.target.value, chart.target.value],
                mode="lines",
                line={"color": TARGET_COLOUR, "dash": "longdash", "width": 2},
                hovertemplate=_hover(d, escaped(chart.target.label)),
            )
        )
    return {"data": traces, "layout": layout}


def _fmt(value: float | None, decimals: int) -> str:
    return "—" if value is None else f"{value:,.{decimals}f}"


def _interpolate(points: Sequence[Point], fy: int) -> float | None:
    """The value of a path (straight between neighbouring points) at a year inside it."""
    for a, b in zip(points, points[1:], strict=False):
        if a.fy <= fy <= b.fy and a.fy != b.fy:
            return a.value + (b.value - a.value) * (fy - a.fy) / (b.fy - a.fy)
    return None


def _chart_years(chart: KpiChart) -> list[int]:
    years = [p.fy for p in chart.values] + [t.fy for t in chart.targets]
    years += [p.fy for p in chart.yearly]
    if chart.baseline is not None:
        years.append(chart.baseline.fy)
    return years


def _year_cell(fy: int, _: Translate) -> str:
    return _("%(era)s（%(fy)s年度）") % {"era": era_label(fy), "fy": fy}


def kpi_table(
    chart: KpiChart, *, translate: Translate = _same
) -> tuple[list[str], list[list[str]]]:
    """The figure's numbers as a table: one row per year, the same values as the traces."""
    _ = translate
    years = _years(
        _chart_years(chart),
        chart.first_fy,
        chart.last_fy,
    )
    by_year = {p.fy: p for p in chart.values}
    projected = {p.fy: p.value for p in chart.projection[1:]}
    columns = [
        _("年度"),
        _("実績値（%(unit)s）") % {"unit": chart.unit},
        _("区分"),
        _("経路上の値") if len(chart.path) > 2 else _("直線上の値"),
        _("目標"),
        _("見通し"),
    ]
    rows = []
    for fy in years:
        point = by_year.get(fy)
        kind = "—" if point is None else (_("速報値") if point.preliminary else _("確定値"))
        if chart.baseline is not None and fy == chart.baseline.fy:
            kind = f"{_('基準値')} {_fmt(chart.baseline.value, chart.decimals)}" + (
                f"／{kind}" if point else ""
            )
        marks = [(chart.yearly_label, p.value) for p in chart.yearly if p.fy == fy]
        marks += [(t.label, t.value) for t in chart.targets if t.fy == fy]
        targets = "／".join(f"{label} {_fmt(value, chart.decimals)}" for label, value in marks)
        rows.append(
            [
                _year_cell(fy, _),
                _fmt(point.value if point else None, chart.decimals),
                kind,
                _fmt(_interpolate(chart.path, fy), chart.decimals),
                targets or "—",
                _fmt(projected.get(fy), chart.decimals),
            ]
        )
    return columns, rows


def components_table(
    chart: ComponentsChart, *, translate: Translate = _same
) -> tuple[list[str], list[list[str]]]:
    """One row per year, one column per component; preliminary values are marked."""
    _ = translate
    all_years = [p.fy for _name, points in chart.series for p in points]
    baselines = list(chart.baselines) + [None] * (len(chart.series) - len(chart.baselines))
    all_years += [b.fy for b in baselines if b is not None]
    if not all_years:
        return [_("年度")], []
    years = _years(all_years, chart.first_fy, chart.last_fy)
    columns = [_("年度"), *(name for name, _points in chart.series)]
    rows = []
    for fy in years:
        row = [_year_cell(fy, _)]
        for (_name, points), baseline in zip(chart.series, baselines, strict=True):
            point = next((p for p in points if p.fy == fy), None)
            text = _fmt(point.value if point else None, chart.decimals)
            if point and point.preliminary:
                text = _("%(value)s（速報値）") % {"value": text}
            if baseline is not None and baseline.fy == fy:
                base = f"{_('基準値')} {_fmt(baseline.value, chart.decimals)}"
                text = base if point is None else f"{base}／{text}"
            row.append(text)
        rows.append(row)
    return columns, rows
