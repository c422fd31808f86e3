"""An editor enters a value in a browser; a second window holding the old version is refused."""

import json

import pytest
from django.core.management import call_command

from tests.browser.helpers import login, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.fixture
def world(transactional_db, departments, editor):
    call_command("loaddata", "sample_values", verbosity=0)
    return editor


def _chart_value(page, live_server, fy):
    page.goto(live_server.url + PLAN + "kpis/2-3/")
    wait_for_charts(page)
    figure = json.loads(page.locator("#chart-2-3-data").text_content())
    points = {}
    for trace in figure["data"]:
        if trace.get("name", "").startswith("実績値（") and trace.get("mode") == "markers":
            points.update(zip(trace["x"], trace["y"], strict=True))
    drawn = page.evaluate(
        "fy => document.getElementById('chart-2-3').data"
        ".filter(t => (t.name || '').startsWith('実績値（') && t.mode === 'markers')"
        ".flatMap(t => t.x.map((x, i) => [x, t.y[i]])).filter(p => p[0] === fy).map(p => p[1])",
        fy,
    )
    return points.get(fy), drawn


def test_editor_types_full_width_digits_and_the_chart_moves(browser, live_server, world, page, axe):
    login(page, live_server, "editor", "pw-editor")
    before, _ = _chart_value(page, live_server, 2025)
    assert before == 2720.0

    # A second window opens the same form now, and will hold the old version.
    other = browser.new_context(locale="ja-JP").new_page()
    login(other, live_server, "editor", "pw-editor")
    other.goto(live_server.url + PLAN + "entry/2025/")

    page.goto(live_server.url + PLAN + "entry/2025/")
    axe(page)
    page.locator("#row-2-3").get_by_label("実績値（百件）").fill("２，８１０")
    page.get_by_role("button", name="R7（2025年度）の実績値を保存する").click()
    page.wait_for_load_state("networkidle")
    assert "実績値を保存しました" in page.locator(".messages").inner_text()
    assert "2,720 → 2,810" in page.locator(".messages").inner_text()

    after, drawn = _chart_value(page, live_server, 2025)
    assert after == 2810.0
    assert drawn == [2810]

    other.locator("#row-2-3").get_by_label("実績値（百件）").fill("2900")
    other.get_by_role("button", name="R7（2025年度）の実績値を保存する").click()
    other.wait_for_load_state("networkidle")
    error = other.locator("#row-2-3 .form-error").first.inner_text()
    assert "保存できませんでした" in error and "editor さん" in error and "「2,810」" in error
    assert "何も保存されていません" in other.locator(".messages").inner_text()
    after_conflict, _ = _chart_value(page, live_server, 2025)
    assert after_conflict == 2810.0
    other.context.close()


def test_a_failed_save_focuses_an_error_summary_whose_links_reach_the_fields(
    live_server, world, page, axe
):
    login(page, live_server, "editor", "pw-editor")
    page.goto(live_server.url + PLAN + "entry/2025/")
    page.locator("#row-1-4").get_by_label("実績値（%）").fill("120")
    page.get_by_role("button", name="R7（2025年度）の実績値を保存する").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    axe(page)
    link = summary.get_by_role("link").first
    assert "1-4" in link.inner_text()
    link.click()
    target = link.get_attribute("href")[1:]
    assert page.evaluate("location.hash") == "#" + target
    assert page.locator("#" + target).get_attribute("aria-invalid") == "true"
    # The field has focus, and its row's name and its label are on screen with it.
    assert page.evaluate("document.activeElement.id") == target
    for part in ("#row-1-4 legend", f'label[for="{target}"]', "#" + target):
        box = page.locator(part).bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"], part
