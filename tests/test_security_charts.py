"""Text from the database reaches plotly.js escaped: a KPI name cannot become a link or markup.

plotly.js draws a subset of HTML in titles, axis titles, legend names, hover text and
annotations, so every database string in a figure carries `<`, `>`, `&` as entities.
"""

from __future__ import annotations

import json
import re

import pytest

from kpi import charts
from kpi.models import Kpi, Unit

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
LINK = '<a href="https://evil.example/">詳しく</a>'
HOSTILE = [
    LINK,
    "<b>太字</b>と<i>斜体</i>",
    "<img src=x onerror=alert(1)>",
    "A&B <br>改行",
    '<span style="font-size:90px">大</span>',
    "<sup>上</sup><sub>下</sub>",
]


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _figures(html: str) -> list[dict]:
    found = re.findall(
        r'<script id="chart-[^"]*-data" type="application/json">(.*?)</script>', html
    )
    assert found, "no figure on the page"
    return [json.loads(f) for f in found]


def _assert_no_markup_from_the_database(figure: dict):
    for s in _strings(figure):
        # Our own markup is <br> in tick labels and <extra> in hover templates, nothing else.
        rest = re.sub(r"<br>|</?extra>", "", s)
        assert "<" not in rest and ">" not in rest, s


@pytest.mark.parametrize("name", HOSTILE)
def test_kpi_name_with_markup_is_escaped_in_the_figure_and_shown_once_escaped_in_the_table(
    client, sample_values, name
):
    Kpi.objects.filter(code="2-1").update(name=name)
    html = client.get(PLAN + "kpis/2-1/").content.decode()
    figures = _figures(html)
    for figure in figures:
        _assert_no_markup_from_the_database(figure)
    escaped = charts.escaped(name)
    assert any(escaped in f["layout"]["title"]["text"] for f in figures)
    # The page's own text is escaped once by the template, not twice.
    assert "&amp;lt;" not in html


def test_unit_label_and_component_names_and_target_text_are_escaped(client, sample_values):
    parent = Kpi.objects.get(code="1-3")
    components = list(parent.components.all()) if hasattr(parent, "components") else []
    components = components or list(Kpi.objects.filter(parent=parent))
    assert components
    for i, c in enumerate(components):
        c.name = f"{LINK}{i}"
        c.save()
    Kpi.objects.filter(pk=parent.pk).update(target_text="<a href=x>目標</a>")
    Unit.objects.filter(pk=parent.unit_id).update(label="<a href=x>件</a>")
    html = client.get(PLAN + f"kpis/{parent.code}/").content.decode()
    figures = _figures(html)
    for figure in figures:
        _assert_no_markup_from_the_database(figure)
    names = [t.get("name", "") for f in figures for t in f["data"]]
    assert any(charts.escaped(LINK) in n for n in names)
    assert any(
        f["layout"]["yaxis"]["title"]["text"] == "&lt;a href=x&gt;件&lt;/a&gt;" for f in figures
    )


def test_figure_builders_escape_every_text_they_are_given():
    hostile = "<a href='x'>&</a>"
    chart = charts.KpiChart(
        title=hostile,
        unit=hostile,
        baseline=charts.Point(2020, 1.0),
        values=[charts.Point(2021, 2.0), charts.Point(2022, 3.0, True)],
        targets=[charts.TargetMark(hostile, 2025, 5.0), charts.TargetMark(hostile, 2026, 6.0)],
        path=[charts.Point(2020, 1.0), charts.Point(2025, 5.0)],
        projection=[charts.Point(2022, 3.0), charts.Point(2025, 4.0)],
        band=(1.0, 2.0),
        first_fy=2020,
        last_fy=2026,
        sample=True,
        decimals=0,
    )
    _assert_no_markup_from_the_database(charts.kpi_figure(chart))
    components = charts.ComponentsChart(
        title=hostile,
        unit=hostile,
        series=[(hostile, [charts.Point(2021, 1.0)]), (hostile + "2", [charts.Point(2022, 2.0)])],
        target=charts.TargetMark(hostile, 2025, 5.0),
        first_fy=2020,
        last_fy=2026,
        sample=False,
        decimals=0,
    )
    _assert_no_markup_from_the_database(charts.components_figure(components))
    # The tables beside the figures keep the raw text: the template escapes it once.
    columns, _rows = charts.components_table(components)
    assert hostile in columns
