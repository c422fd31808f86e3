"""An item's progress goes through review in a browser: write, submit, return, fix, approve."""

import pytest

from tests.browser.helpers import login
from tests.narratives.conftest import owned_items, reviewer  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "/plans/hokkaido-smart-docho-3/"
ITEM = PLAN + "pillars/1/items/1/"
PROGRESS = ITEM + "progress/2024/"


def _login(page, live_server, username, password):
    page.context.clear_cookies()  # the next person signs in on the same page
    login(page, live_server, username, password)


def _click(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()
    page.wait_for_load_state("networkidle")


def test_editor_submits_reviewer_returns_editor_fixes_reviewer_approves(
    live_server,
    page,
    axe,
    editor,
    reviewer,  # noqa: F811
):
    _login(page, live_server, "editor", "pw-editor")
    page.goto(live_server.url + PROGRESS)
    axe(page)
    page.get_by_label("情報システム診断の実施や情報システムの運用等に関する相談対応").check()
    page.get_by_label("進捗の評価").select_option("B")
    page.get_by_label("取組実績").fill("診断を12件、相談を280件行った。")
    page.get_by_label("成果").fill("相談件数が増えた。")
    page.get_by_label("予算額（千円）").fill("１，２００")
    _click(page, "保存して提出する")
    assert "提出しました" in page.locator(".messages").inner_text()

    _login(page, live_server, "shonin", "pw-shonin")
    page.goto(live_server.url + PROGRESS)
    axe(page)
    assert "診断を12件" in page.locator("main").inner_text()
    page.get_by_label("コメント（差し戻しでは必須）").fill("成果を数値で示してください。")
    _click(page, "差し戻す")
    assert "差し戻しました" in page.locator(".messages").inner_text()

    _login(page, live_server, "editor", "pw-editor")
    page.goto(live_server.url + PROGRESS)
    assert "成果を数値で示してください。" in page.locator("#review-comment").inner_text()
    page.get_by_label("成果").fill("相談件数が前年度より2割増えた。")
    _click(page, "保存して提出する")

    _login(page, live_server, "shonin", "pw-shonin")
    page.goto(live_server.url + PROGRESS)
    _click(page, "承認する")
    assert "承認しました" in page.locator(".messages").inner_text()
    history = page.locator(".history-table").inner_text()
    for step in ("新規作成（提出）", "差し戻し: 成果を数値で示してください。", "提出", "承認"):
        assert step in history

    page.context.clear_cookies()
    page.goto(live_server.url + ITEM)
    axe(page)
    main = page.locator("main").inner_text()
    assert "相談件数が前年度より2割増えた。" in main
    assert "B おおむね計画どおり" in main
    assert "1,200" in main
    page.goto(live_server.url + PLAN + "pillars/1/")
    assert "B おおむね計画どおり" in page.locator("main").inner_text()
    # The committee's report for the year carries the approved text and rating (issue 13).
    page.goto(live_server.url + PLAN + "reports/2024/")
    report = page.locator("main").inner_text()
    assert "相談件数が前年度より2割増えた。" in report
    assert "診断を12件、相談を280件行った。" in report
    assert "おおむね計画どおり" in report
    assert "成果を数値で示してください。" not in report  # the review comment is not the report's
