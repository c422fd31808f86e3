"""The committee's pages in a real browser: charts drawn, nothing from outside, WCAG 2.1 AA."""

import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from tests.browser.helpers import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.fixture
def data(transactional_db):
    # live_server flushes the database after each test, so each test loads what it needs.
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)


def _open(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    return page


def _drawn(page) -> list[int]:
    wait_for_charts(page)
    return page.eval_on_selector_all(
        "[data-figure]", "els => els.map(e => Number(e.dataset.drawnTraces))"
    )


def _only_local(page, live_server):
    host = urlparse(live_server.url).hostname
    outside = [u for u in page.requests if urlparse(u).hostname not in (host, "127.0.0.1")]
    assert outside == []
    assert host == "127.0.0.1"


@pytest.mark.parametrize(
    ("path", "charts"),
    [(PLAN, 0), (PLAN + "pillars/2/", 4), (PLAN + "kpis/1-3/", 2), (PLAN + "reports/2025/", 10)],
)
def test_page_draws_its_charts_from_local_files_and_passes_axe(
    page, live_server, data, axe, path, charts
):
    _open(page, live_server, path)
    traces = _drawn(page) if charts else []
    assert len(traces) == charts
    assert all(n >= 2 for n in traces)
    svg_traces = page.locator(".chart-canvas .scatterlayer .trace").count()
    assert svg_traces >= sum(traces) - charts  # every chart put its traces in the SVG
    _only_local(page, live_server)
    assert page.console_errors == []
    axe(page)


def test_methodology_and_login_pages_pass_axe(page, live_server, data, axe):
    for path in ("/methodology/", "/accounts/login/", PLAN + "about/"):
        _open(page, live_server, path)
        axe(page)
    _only_local(page, live_server)


def test_sorting_the_overview_table_by_status_works_by_keyboard(page, live_server, data):
    _open(page, live_server, PLAN)
    link = page.get_by_role("link", name=re.compile(r"^判定\s*（並べ替え）$"))
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=status**")
    first_status = page.locator("table.kpi-table tbody tr").first.locator(".status")
    assert "達成" in first_status.inner_text()


def test_english_interface_passes_axe(page, live_server, data, axe):
    _open(page, live_server, PLAN)
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    for path in (PLAN, PLAN + "kpis/1-3/", PLAN + "reports/2025/"):
        _open(page, live_server, path)
        assert page.locator("html").get_attribute("lang") == "en"
        axe(page)
