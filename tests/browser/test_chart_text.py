"""Markup in a KPI name is drawn as text by plotly.js: no link, no element of its own."""

import pytest
from django.core.management import call_command

from kpi.models import Kpi
from tests.browser.helpers import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"
NAME = '<a href="https://evil.example/">罠</a><b>太</b>'


def test_markup_in_a_kpi_name_is_not_drawn_as_a_link_in_the_chart(page, live_server):
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)
    Kpi.objects.filter(code__startswith="1-3-").update(name=NAME)
    Kpi.objects.filter(code="1-3").update(name=NAME)
    response = page.goto(live_server.url + PLAN + "kpis/1-3/")
    assert response.status == 200
    wait_for_charts(page)
    svg = ".chart-canvas svg"
    assert page.locator(f"{svg} a").count() == 0
    assert page.locator(f"{svg} [href*='evil.example']").count() == 0
    assert page.locator(f"{svg} text", has_text="<b>太</b>").count() >= 1  # shown as typed
