"""What plotly.js actually draws, read from the SVG in Chromium (issue 16).

Preliminary values must be visible (a coloured, non-zero stroke) and named in the legend, and
axes must show large numbers in full with separators (100,000), never abbreviated (100k).
"""

import re

import pytest
from django.core.management import call_command
from django.db.models import F

from kpi.models import Kpi, KpiValue
from tests.browser.helpers import ALL_CHARTS_DRAWN, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"
WHITE = {"rgb(255, 255, 255)", "#ffffff", "white", "none", ""}


@pytest.fixture
def world(transactional_db, departments, admin):
    call_command("loaddata", "sample_values", verbosity=0)


def _login(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード").fill("pw-kanri")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()


def _open(page, live_server, path):
    assert page.goto(live_server.url + path).status == 200
    wait_for_charts(page)


# For the chart `chart_id`, the drawn points and legend symbol of the trace named `name`:
# each with the computed stroke colour and width of its SVG path.
TRACE_STYLES = """([chartId, name]) => {
  const gd = document.getElementById(chartId);
  const index = gd._fullData.findIndex(t => t.name === name);
  if (index < 0) return null;
  const style = el => {
    const s = getComputedStyle(el);
    return {stroke: s.stroke, width: parseFloat(s.strokeWidth || "0"), fill: s.fill};
  };
  const trace = gd.querySelectorAll('.scatterlayer .trace')[index];
  const points = Array.from(trace.querySelectorAll('path.point')).map(style);
  const entry = Array.from(gd.querySelectorAll('.legend .traces'))
    .find(g => g.querySelector('text.legendtext').textContent === name);
  const legend = entry ? Array.from(entry.querySelectorAll('.legendpoints path')).map(style) : [];
  return {points, legend};
}"""


def _visible(styles: list[dict]) -> bool:
    return any(s["stroke"] not in WHITE and s["width"] > 0 for s in styles)


def test_preliminary_values_are_visible_and_in_the_legend(page, live_server, world):
    _login(page, live_server)
    _open(page, live_server, PLAN + "kpis/1-1/")
    drawn = page.evaluate(TRACE_STYLES, ["chart-1-1", "実績値（速報値）"])
    assert drawn is not None, "no trace of preliminary values"
    assert len(drawn["points"]) == 1  # R7's 速報値
    assert _visible(drawn["points"]), drawn
    assert drawn["legend"] and _visible(drawn["legend"]), drawn


def test_preliminary_components_are_visible_and_named_in_the_legend(page, live_server, world):
    _login(page, live_server)
    _open(page, live_server, PLAN + "kpis/1-3/")
    component = page.evaluate(TRACE_STYLES, ["chart-1-3-components", "人事給与システム"])
    assert len(component["points"]) == 4
    assert all(_visible([p]) for p in component["points"]), component  # R7 is preliminary
    legend = page.evaluate(TRACE_STYLES, ["chart-1-3-components", "速報値（白抜きの印）"])
    assert legend is not None and _visible(legend["legend"]), legend


def test_small_charts_have_a_legend_and_keep_the_kpi_code(page, live_server, world):
    _login(page, live_server)
    _open(page, live_server, PLAN + "pillars/1/")
    chart = page.locator("#chart-1-1-small")
    legend = chart.locator(".legend .traces text.legendtext").all_text_contents()
    assert {"実績値（確定値）", "実績値（速報値）", "基準値"} <= set(legend), legend
    title = chart.locator(".gtitle").first
    assert title.text_content().startswith("1-1 ")
    # The title starts inside the chart: nothing cut off on the left.
    box, canvas = title.bounding_box(), chart.bounding_box()
    assert box["x"] >= canvas["x"]
    assert box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1


def test_large_numbers_are_not_abbreviated_on_the_axis(page, live_server, world):
    kpi = Kpi.objects.get(code="2-3")
    KpiValue.objects.filter(kpi=kpi).update(value=F("value") * 100)
    Kpi.objects.filter(pk=kpi.pk).update(
        baseline_value=F("baseline_value") * 100, target_value=F("target_value") * 100
    )
    _open(page, live_server, PLAN + "kpis/2-3/")
    ticks = page.locator("#chart-2-3 .yaxislayer-above .ytick text").all_text_contents()
    numbers = [t.replace("\u2212", "-") for t in ticks]
    assert numbers, "no y-axis ticks drawn"
    assert not [t for t in numbers if re.search(r"\d\s*[kMGT]$", t)], numbers
    big = [t for t in numbers if float(t.replace(",", "")) >= 10000]
    assert big and all("," in t for t in big), numbers


def test_plotly_is_fetched_on_the_readers_first_action_and_then_every_chart_drawn(
    page, live_server, world
):
    # Issue 15: no 1.2 MB parse while the page loads; the data tables carry the numbers.
    assert page.goto(live_server.url + PLAN + "pillars/1/").status == 200
    page.wait_for_load_state("load")
    assert page.evaluate("() => typeof Plotly") == "undefined"
    assert page.locator(".chart-table").count() >= 1
    wait_for_charts(page)  # moves the pointer
    assert page.evaluate("() => typeof Plotly") == "object"


def test_charts_are_drawn_a_few_seconds_after_load_without_any_action(page, live_server, world):
    assert page.goto(live_server.url + PLAN + "kpis/1-1/").status == 200
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=15000)
