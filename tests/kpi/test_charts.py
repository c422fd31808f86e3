"""The figure dicts of kpi/charts.py (issue 16): what plotly.js is asked to draw."""

from __future__ import annotations

import pytest

from kpi import charts
from kpi.charts import ComponentsChart, KpiChart, Point, TargetMark


def _trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t.get("name") == name)


def _chart(**kwargs) -> KpiChart:
    defaults = {
        "title": "1-2 情報システム診断・相談数",
        "unit": "件",
        "baseline": Point(2020, 258),
        "values": (Point(2022, 265), Point(2023, 270), Point(2024, 281), Point(2025, 290, True)),
        "targets": (TargetMark("目標", 2025, 288),),
        "path": (Point(2020, 258), Point(2025, 288)),
        "projection": (Point(2024, 281), Point(2025, 289.5)),
        "first_fy": 2022,
        "last_fy": 2025,
    }
    return KpiChart(**{**defaults, **kwargs})


def test_preliminary_values_have_a_coloured_open_marker_and_a_legend_entry():
    figure = charts.kpi_figure(_chart())
    trace = _trace(figure, "実績値（速報値）")
    marker = trace["marker"]
    assert marker["color"].lower() != "#ffffff"
    assert marker["line"]["color"].lower() != "#ffffff" and marker["line"]["width"] >= 2
    assert trace.get("showlegend", True) is not False
    assert figure["layout"]["showlegend"] is True


def test_small_charts_have_a_legend_too():
    assert charts.kpi_figure(_chart(), small=True)["layout"]["showlegend"] is True


def test_axes_show_whole_numbers_with_separators():
    axis = charts.kpi_figure(_chart())["layout"]["yaxis"]
    assert axis["exponentformat"] == "none"
    assert axis["separatethousands"] is True
    assert "rangemode" not in axis


def test_a_maintain_band_fills_the_axis_rather_than_a_strip_from_zero():
    chart = _chart(
        baseline=Point(2022, 4928),
        values=(Point(2022, 4928), Point(2023, 5012)),
        targets=(),
        path=(),
        projection=(),
        band=(4681.6, 5174.4),
    )
    low, high = charts.kpi_figure(chart)["layout"]["yaxis"]["range"]
    assert 4000 < low < 4681.6 and 5174.4 < high < 5300
    assert not charts.starts_at_zero((low, high))


def test_a_small_fall_is_visible_and_the_axis_includes_every_number():
    chart = _chart(
        baseline=Point(2021, 100),
        values=(Point(2022, 100), Point(2024, 99.2)),
        targets=(TargetMark("目標", 2025, 100),),
        path=(Point(2021, 100), Point(2025, 100)),
        projection=(),
    )
    low, high = charts.kpi_axis(chart)
    assert 98 < low < 99.2 and 100 < high < 101
    assert (high - low) < 2  # a fall of 0.8 is a large part of the axis


def test_an_axis_starts_at_zero_when_zero_is_near_the_numbers():
    assert charts.y_range([3, 20, 45])[0] == 0
    assert charts.starts_at_zero(charts.y_range([3, 20, 45]))
    assert charts.y_range([-5, 10])[0] < -5  # negative values keep their room


def test_the_projection_is_drawn_last_without_a_marker_on_the_latest_value():
    figure = charts.kpi_figure(_chart())
    assert figure["data"][-1]["name"] == "見通し（最小二乗直線）"
    sizes = figure["data"][-1]["marker"]["size"]
    assert sizes[0] == 0 and sizes[-1] > 0
    assert figure["data"][-1]["marker"]["symbol"].endswith("-open")


def test_hover_and_table_use_the_units_decimals():
    chart = _chart()
    figure = charts.kpi_figure(chart)
    assert all("%{y:,.0f}" in t["hovertemplate"] for t in figure["data"] if "hovertemplate" in t)
    _columns, rows = charts.kpi_table(chart)
    last = rows[-1]
    assert last[5] == "290"  # the projection 289.5 at the unit's 0 decimals, not "289.5"
    assert all("." not in cell for cell in last[1:4] if cell[0].isdigit())


def test_a_long_title_keeps_its_code_and_is_cut_only_at_the_end():
    title = "1-3 " + "基幹系システムの利用満足度" * 6
    lines = charts.wrapped_title(title, small=True)
    assert lines[0].startswith("1-3 ")
    assert len(lines) == 2 and lines[-1].endswith("…")
    layout = charts.kpi_figure(_chart(title=title), small=True)["layout"]
    assert layout["title"]["xanchor"] == "left" and layout["title"]["x"] == 0
    assert layout["title"]["text"].startswith("1-3 ")


def _components(preliminary: bool = True) -> ComponentsChart:
    return ComponentsChart(
        title="基幹系システムの利用満足度の構成要素",
        unit="%",
        series=[
            (f"システム{i}", (Point(2022, 50 + i), Point(2025, 60 + i, preliminary)))
            for i in range(5)
        ],
        target=TargetMark("目標（80%以上）", 2025, 80),
        baselines=[Point(2021, 40 + i) for i in range(5)],
        first_fy=2022,
        last_fy=2025,
    )


def test_the_components_target_looks_like_no_component():
    figure = charts.components_figure(_components())
    target = _trace(figure, "目標（80%以上）")["line"]
    components = [_trace(figure, f"システム{i}")["line"] for i in range(5)]
    assert target["color"] not in {c["color"] for c in components}
    assert target["dash"] not in {c["dash"] for c in components}


def test_the_components_chart_shows_the_baselines_and_their_year():
    chart = _components()
    figure = charts.components_figure(chart)
    baselines = _trace(figure, "基準値")
    assert baselines["x"] == [2021] * 5
    assert 2021 in figure["layout"]["xaxis"]["tickvals"]
    _columns, rows = charts.components_table(chart)
    assert rows[0][1] == "基準値 40"


def test_preliminary_components_are_named_in_the_legend_only_when_present():
    figure = charts.components_figure(_components())
    entry = _trace(figure, "速報値（白抜きの印）")
    low, _high = figure["layout"]["yaxis"]["range"]
    assert entry["y"][0] < low  # clipped from the plot, kept in the legend
    final = charts.components_figure(_components(preliminary=False))
    assert "速報値（白抜きの印）" not in [t["name"] for t in final["data"]]


def test_the_year_axis_title_keeps_clear_of_the_two_line_year_labels():
    axis = charts.kpi_figure(_chart(), small=True)["layout"]["xaxis"]
    assert axis["automargin"] is True
    assert axis["ticktext"][0] == "R2<br>2020"  # the baseline year


# --- plain figures that plotly accepts unchanged (issue 15) ------------------------------------


def _accepted_unchanged(figure: dict) -> None:
    """plotly.py validates every property of `figure` (it raises on any it does not know) and
    writes back the same data: what kpi/charts.py builds by hand is what graph_objects would."""
    import json

    import plotly.graph_objects as go

    validated = go.Figure(figure).to_plotly_json()
    validated["layout"].pop("template", None)
    # Through JSON, as the page hands it to plotly.js: tuples and lists compare alike.
    assert json.loads(json.dumps(validated)) == json.loads(json.dumps(figure))


def test_every_kind_of_figure_is_one_plotly_accepts_unchanged():
    band = _chart(band=(80, 90), band_label="維持の範囲", targets=(), projection=())
    yearly = _chart(yearly=(Point(2023, 275), Point(2024, 280)), yearly_label="年度別目標値")
    revised = _chart(targets=(TargetMark("目標", 2025, 288), TargetMark("再設定後", 2025, 300)))
    components = ComponentsChart(
        title="2-1 構成",
        unit="%",
        series=(("A", (Point(2022, 1.5), Point(2023, 2.5, True))), ("B", (Point(2022, 3),))),
        target=TargetMark("目標", 2025, 5),
        baselines=(Point(2020, 1), None),
        first_fy=2022,
        last_fy=2025,
        sample=True,
        decimals=1,
    )
    for chart in (_chart(), _chart(sample=True, decimals=1), band, yearly, revised):
        for small in (False, True):
            _accepted_unchanged(charts.kpi_figure(chart, small=small))
    _accepted_unchanged(charts.kpi_figure(_chart(baseline=None, values=(), path=())))
    _accepted_unchanged(charts.components_figure(components))
    _accepted_unchanged(charts.components_figure(components, small=True))


def test_figure_numbers_are_json_numbers_whatever_number_type_they_came_as():
    from decimal import Decimal

    figure = charts.kpi_figure(_chart(values=(Point(2022, Decimal("265.5")),)))
    assert _trace(figure, "実績値（確定値）")["y"] == [265.5]
    assert all(isinstance(y, float) for t in figure["data"] for y in t["y"])


def test_the_report_pages_figures_are_all_accepted_by_plotly(client, sample_values):
    import json
    import re

    html = client.get(f"/plans/{sample_values.slug}/reports/2024/").content.decode()
    scripts = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S)
    figures = [json.loads(s) for s in scripts]
    figures = [f for f in figures if isinstance(f, dict) and "data" in f]
    assert len(figures) >= 10
    for figure in figures:
        _accepted_unchanged(figure)


@pytest.mark.parametrize(
    "axis, decimals, shown",
    [
        ((99.12, 100.08), 1, "99.1～100.1"),
        ((4650.4, 5210.7), 0, "4,650～5,211"),
        ((99.6, 100.4), 0, "99.6～100.4"),  # whole numbers would read 100～100
        ((0.123, 0.456), 2, "0.12～0.46"),
        ((99.12, 100.08), None, "99.12～100.08"),  # no unit given: the span decides
    ],
)
def test_the_axis_note_writes_its_ends_as_the_unit_writes_values(axis, decimals, shown):
    from kpi.figures import axis_note

    assert f"（{shown}）" in axis_note(axis, decimals)
