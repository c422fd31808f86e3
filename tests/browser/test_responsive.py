"""Phones and tablets (issue 16, point 3): at 390 px and 768 px no page scrolls sideways,
wide tables scroll in their own named, focusable frame, and names are not cut into columns of
two characters."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"

PAGE_TYPES = {
    "overview": PLAN,
    "about": PLAN + "about/",
    "pillar": PLAN + "pillars/1/",
    "kpi": PLAN + "kpis/1-3/",
    "kpi with history": PLAN + "kpis/2-3/?history_date=2026-01-01",
    "report": PLAN + "reports/2025/",
    "report publish": PLAN + "reports/2025/publish/",
    "item": PLAN + "pillars/1/items/1/",
    "item progress form": PLAN + "pillars/1/items/1/progress/2025/",
    "kpi commentary form": PLAN + "kpis/1-3/commentary/2025/",
    "narratives status board": PLAN + "entry/2025/narratives/",
    "methodology": "/methodology/",
    "plan list": "/plans/",
    "entry": PLAN + "entry/2025/",
    "entry status": PLAN + "entry/2025/status/",
    "upload": PLAN + "entry/2025/upload/",
    "import": "/manage/import-plan/",
    "staff": "/manage/staff/",
    "new staff member": "/manage/staff/new/",
    "departments": "/manage/departments/",
    "organizations": "/organizations/",
    "organization": "/organizations/hokkaido/",
    "revise target": PLAN + "kpis/3-1/revise/",
    "not found": PLAN + "no-such-page/",
    "admin index": "/admin/",
    "admin KPI list": "/admin/kpi/kpi/",
}

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def world(transactional_db, departments, editor, admin):
    call_command("loaddata", "sample_values", verbosity=0)


def _sized(browser, width):
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 800})
    return context, context.new_page()


def _login(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード").fill("pw-kanri")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()


@pytest.mark.parametrize("width", [390, 768])
def test_no_page_scrolls_sideways_on_phones_and_tablets(browser, live_server, world, width):
    context, page = _sized(browser, width)
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.wait_for_load_state("networkidle")
        overflow = {"login": page.evaluate(SIDEWAYS)}
        _login(page, live_server)
        statuses = {}
        for name, path in PAGE_TYPES.items():
            statuses[name] = page.goto(live_server.url + path).status
            page.wait_for_load_state("networkidle")
            overflow[name] = page.evaluate(SIDEWAYS)
        assert {name: px for name, px in overflow.items() if px > 0} == {}
        # Each page measured is the page itself, not a refusal in its place.
        expected = {name: 404 if name == "not found" else 200 for name in PAGE_TYPES}
        assert statuses == expected
    finally:
        context.close()


def test_wide_tables_scroll_in_a_named_focusable_frame(browser, live_server, world):
    context, page = _sized(browser, 390)
    try:
        page.goto(live_server.url + PLAN + "kpis/2-3/")
        page.wait_for_load_state("networkidle")
        frames = page.evaluate(
            """() => [...document.querySelectorAll('table')].map(t => {
                 let f = t.parentElement;
                 const wide = t.getBoundingClientRect().width > document.documentElement.clientWidth - 24;
                 return {wide, framed: f.classList.contains('table-scroll'), role: f.getAttribute('role'),
                         tab: f.getAttribute('tabindex'), name: f.getAttribute('aria-label')};
               })"""
        )
        framed = [f for f in frames if f["framed"]]
        assert framed, frames
        assert all(f["role"] == "region" and f["tab"] == "0" and f["name"] for f in framed)
        # A frame that scrolls can be scrolled with the keyboard alone.
        index = page.evaluate(
            "[...document.querySelectorAll('.table-scroll')]"
            ".findIndex(e => e.scrollWidth > e.clientWidth)"
        )
        assert index >= 0, "some table on this page is wider than a phone"
        frame = page.locator(".table-scroll").nth(index)
        frame.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        # Chromium scrolls by keyboard smoothly, over several frames: on a busy machine
        # the first frames land after the last key press, so wait for the scroll to show.
        page.wait_for_function(
            "i => document.querySelectorAll('.table-scroll')[i].scrollLeft > 0",
            arg=index,
            timeout=5000,
        )
    finally:
        context.close()


@pytest.mark.parametrize("path", [PLAN, PLAN + "pillars/1/"])
def test_pillar_names_are_not_cut_into_two_character_lines(browser, live_server, world, path):
    context, page = _sized(browser, 390)
    try:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        # Each row heading of the count table is at least six characters wide.
        widths = page.evaluate(
            """() => [...document.querySelectorAll('.status-summary th[scope=row], .kpi-table .kpi-name')]
                 .map(e => e.getBoundingClientRect().width / parseFloat(getComputedStyle(e).fontSize))"""
        )
        assert widths and min(widths) >= 6, widths
    finally:
        context.close()


def test_kpi_tables_stack_into_cards_with_their_headers_on_phones(browser, live_server, world):
    context, page = _sized(browser, 390)
    try:
        page.goto(live_server.url + PLAN + "pillars/1/")
        page.wait_for_load_state("networkidle")
        labels = page.evaluate(
            """() => [...document.querySelectorAll('.kpi-table tbody tr:first-child td')]
                 .map(td => getComputedStyle(td, '::before').content)"""
        )
        assert '"単位"' in labels and '"判定"' in labels
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_report_numbers_and_codes_keep_whole_on_phones_and_desktops(
    browser, live_server, world, width
):
    """The report's KPI table scrolls in its frame on a phone instead of squeezing its columns
    to a character or two, and no code or number breaks mid-token ("106. / 7%")."""
    context, page = _sized(browser, width)
    try:
        page.goto(live_server.url + PLAN + "reports/2025/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(SIDEWAYS) <= 0
        broken = page.evaluate(
            """() => [...document.querySelectorAll(
                    '.report-kpis td:first-child, .report-kpis td.num:nth-child(6)')]
                .filter(td => {
                    const range = document.createRange();
                    range.selectNodeContents(td);
                    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                    return tops.size > 1;  // the one token runs over two lines or more
                })
                .map(td => td.textContent.trim())"""
        )
        assert broken == []
        frames = page.locator(".table-scroll:has(.report-kpis)")
        assert frames.count() >= 3
        assert frames.first.get_attribute("tabindex") == "0"
        assert frames.first.get_attribute("aria-label")
    finally:
        context.close()


@pytest.mark.parametrize("width", [700, 768, 900])
def test_no_sortable_table_widens_the_page_in_english_on_tablets(
    browser, live_server, world, width
):
    """Longer English headers make the tables scroll in their frames; the visually hidden
    "(sort)" texts must scroll with them, not widen the page."""
    context, page = _sized(browser, width)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    try:
        for url in (PLAN, PLAN + "pillars/1/", PLAN + "pillars/2/"):
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            assert page.evaluate(SIDEWAYS) <= 0, url
    finally:
        context.close()
