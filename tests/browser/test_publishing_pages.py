"""Publishing in a real browser: the confirmation and the published report pass axe, and the
keyboard-and-mouse path an admin takes publishes exactly once."""

import pytest
from django.core.management import call_command

from kpi.models import PublishedReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.fixture
def world(transactional_db, admin):
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)


def test_admin_confirms_and_publishes_a_sample_report(page, live_server, world, axe):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード").fill("pw-kanri")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    page.goto(live_server.url + PLAN + "reports/2025/")
    with page.expect_navigation():
        page.get_by_role("link", name="この年度の報告書を公表する（確認画面へ）").click()
    page.wait_for_load_state("networkidle")
    axe(page)
    page.get_by_label("公表する部署").fill("総務部デジタル推進課")
    page.get_by_label("上の速報値を含めて公表する").check()
    page.get_by_label("サンプルとして公表する", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="公表する").click()
    page.wait_for_load_state("networkidle")
    assert "公表済み" in page.content() and "【サンプル】" in page.title()
    axe(page)
    assert PublishedReport.objects.count() == 1


def test_each_choice_on_the_publish_confirmation_sits_beside_its_words(live_server, page, world):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード").fill("pw-kanri")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    page.goto(live_server.url + "/plans/hokkaido-smart-docho-3/reports/2025/publish/")
    gaps = page.evaluate(
        """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
            .map(box => {
                const label = document.querySelector(`label[for="${box.id}"]`) || box.closest('label');
                const b = box.getBoundingClientRect(), l = label.getBoundingClientRect();
                const text = label.textContent.trim();
                return [text, Math.max(0, l.left - b.right), b.width];
            })"""
    )
    assert gaps
    for text, gap, width in gaps:
        assert width < 40 and gap < 40, (text, gap, width)
