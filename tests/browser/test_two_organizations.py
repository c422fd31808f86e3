"""Two organizations in one installation, in a real browser (issue 14): the invented city's
admin imports a plan, enters a value and publishes the city's report, and is refused
Hokkaido's entry page and publish action; Hokkaido's editor is refused the city's entry page."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from initiatives.models import Plan
from kpi.models import KpiValue, PublishedReport
from tests.browser.helpers import login
from tests.conftest import ROOT
from tests.factories import workbook_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITY = "/plans/sample-city-dx-1/"
HOKKAIDO = "/plans/hokkaido-smart-docho-3/"
PLAN_XLSX = ROOT / "fixtures" / "examples" / "example_prefecture_plan.xlsx"


@pytest.fixture
def demo(transactional_db, settings):
    """What the README's first command sets up: both organizations, their plans and users."""
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    settings.DEBUG = False


def _post_form(page, url: str, data: dict) -> int:
    """A POST from the signed-in page, with its CSRF token, as a crafted form would send it."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        url,
        form={"csrfmiddlewaretoken": token, **data},
        headers={"Referer": url, "X-CSRFToken": token},
    )
    return response.status


def test_city_admin_imports_enters_and_publishes_only_in_the_city(
    browser, live_server, demo, page, tmp_path
):
    city = Plan.objects.get(slug="sample-city-dx-1").organization
    login(page, live_server, "city-admin", "smartdocho-city-admin")
    # The front door opens the admin's own organization's plan, and the header says whose.
    page.goto(live_server.url + "/")
    assert page.url == live_server.url + CITY
    assert "サンプル市（架空）" in page.locator(".plan-context").inner_text()

    # Import a plan written for the city: it becomes the city's.
    workbook = tmp_path / "city_plan.xlsx"
    workbook.write_bytes(workbook_for(PLAN_XLSX, 団体名="サンプル市（架空）"))
    page.goto(live_server.url + "/manage/import-plan/")
    page.get_by_label("ファイル").set_input_files(str(workbook))
    with page.expect_navigation():
        page.get_by_role("button", name="検証する").click()
    assert "確認結果（まだ書き込んでいません）" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で読み込む").click()
    assert "読み込みました" in page.content()
    assert Plan.objects.get(slug="example-prefecture-dx").organization == city

    # Enter a value for the city.
    page.goto(live_server.url + CITY + "entry/2025/")
    page.locator("#row-1-1").get_by_label("実績値（%）").fill("61.2")
    page.get_by_role("button", name="R7（2025年度）の実績値を保存する").click()
    page.wait_for_load_state("networkidle")
    assert "実績値を保存しました" in page.locator(".messages").inner_text()
    saved = KpiValue.objects.get(
        kpi__plan__slug="sample-city-dx-1", kpi__code="1-1", fiscal_year=2025
    )
    assert str(saved.value) in ("61.2", "61.20", "61.2000")

    # Publish the city's R7 report.
    page.goto(live_server.url + CITY + "reports/2025/publish/")
    page.get_by_label("公表する部署").fill("デジタル推進課（サンプル市）")
    page.get_by_label("上の速報値を含めて公表する").check()
    page.get_by_label("サンプルとして公表する", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="公表する").click()
    page.wait_for_load_state("networkidle")
    assert "公表済み" in page.content()
    assert (
        PublishedReport.objects.filter(plan__slug="sample-city-dx-1", fiscal_year=2025).count() == 1
    )

    # The same session is refused Hokkaido's entry page and publish action.
    response = page.goto(live_server.url + HOKKAIDO + "entry/2025/")
    assert response.status == 403
    response = page.goto(live_server.url + HOKKAIDO + "reports/2025/publish/")
    assert response.status == 403
    before = KpiValue.objects.filter(kpi__plan__slug="hokkaido-smart-docho-3").count()
    status = _post_form(
        page,
        live_server.url + HOKKAIDO + "reports/2025/publish/",
        {"confirm": "1", "office": "なりすまし", "values": "include", "as_sample": "on"},
    )
    assert status == 403
    assert not PublishedReport.objects.filter(plan__slug="hokkaido-smart-docho-3").exists()
    status = _post_form(
        page,
        live_server.url + HOKKAIDO + "entry/2025/",
        {"kpi": "1-1", "value": "1", "fiscal_year": "2025"},
    )
    assert status == 403
    assert KpiValue.objects.filter(kpi__plan__slug="hokkaido-smart-docho-3").count() == before


def test_hokkaidos_editor_is_refused_the_citys_entry_page(browser, live_server, demo, page):
    login(page, live_server, "editor", "smartdocho-editor")
    assert page.goto(live_server.url + HOKKAIDO + "entry/2025/").status == 200
    response = page.goto(live_server.url + CITY + "entry/2025/")
    assert response.status == 403
    assert "権限" in page.content() or "できません" in page.content()
    # The city's public pages stay open to everyone.
    assert page.goto(live_server.url + CITY).status == 200
