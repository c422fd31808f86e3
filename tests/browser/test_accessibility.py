"""Every page type passes axe (WCAG 2.0/2.1 A and AA), titles are unique, focus is visible,
and the entry form works with the keyboard alone."""

import pytest
from django.core.management import call_command

from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"

ADMIN_PAGES = [
    "/plans/",
    PLAN,
    PLAN + "pillars/1/",
    PLAN + "kpis/2-3/",
    PLAN + "kpis/2-3/?history_date=2026-01-01",
    PLAN + "about/",
    PLAN + "reports/2025/",
    "/methodology/",
    PLAN + "entry/2024/",
    PLAN + "entry/2024/status/",
    PLAN + "entry/2024/upload/",
    PLAN + "kpis/3-1/revise/",
    "/manage/import-plan/",
    PLAN + "no-such-page/",
]


@pytest.fixture
def world(transactional_db, departments, editor, admin):
    call_command("loaddata", "sample_values", verbosity=0)


def test_every_page_type_passes_axe_and_titles_are_unique(page, live_server, world, axe):
    login(page, live_server, "kanri", "pw-kanri")
    titles = {}
    for path in ADMIN_PAGES:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        axe(page)
        titles[path] = page.title()
    distinct = [t for p, t in titles.items() if "history_date" not in p]
    assert len(set(distinct)) == len(distinct), titles


def test_login_and_locked_out_pages_pass_axe(page, live_server, world, axe):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill("editor")
    page.get_by_label("パスワード").fill("wrong")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("networkidle")
    assert "正しくありません" in page.content()
    axe(page)


def _tab_to(page, predicate_js, limit=200):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"never reached: {predicate_js}")


def test_the_entry_form_works_with_the_keyboard_alone_and_focus_is_visible(
    page, live_server, world
):
    page.goto(live_server.url + PLAN)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")  # the skip link is the first thing the keyboard reaches
    assert page.evaluate("document.activeElement.textContent.trim()") == "本文へスキップ"
    page.goto(live_server.url + "/accounts/login/")
    page.wait_for_load_state("networkidle")
    # The login page puts the keyboard in the user name field.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("editor")
    page.keyboard.press("Tab")
    page.keyboard.type("pw-editor")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")

    page.goto(live_server.url + PLAN + "entry/2025/")
    _tab_to(
        page,
        "document.activeElement.name === 'v-' + "
        "[...document.querySelectorAll('fieldset')].findIndex(f => f.id === 'row-2-1') + '-value'",
    )
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Control+a")
    page.keyboard.type("１５５")
    _tab_to(
        page,
        "document.activeElement.type === 'submit' && document.activeElement.classList.contains('primary')",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "2-1 ICTツールの業務への導入数: 152 → 155" in page.locator(".messages").inner_text()
