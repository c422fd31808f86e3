"""Steps many browser tests take."""

from __future__ import annotations


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the login form, as a person would, and wait for the next page."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("networkidle")


# A function, not an expression: Playwright evaluates an expression string with eval, which the
# site's CSP (script-src 'self') refuses once it has to poll (charts draw one per task).
ALL_CHARTS_DRAWN = (
    "() => Array.from(document.querySelectorAll('[data-figure]')).every(e => e.dataset.drawnTraces)"
)


def wait_for_charts(page) -> None:
    """Move the pointer over the page, as a reader does, and wait until every chart is drawn:
    static/js/charts.js fetches plotly.js on the reader's first action (or 5 s after load) and
    draws one chart per task."""
    page.mouse.move(5, 5)
    page.mouse.move(10, 10)
    page.wait_for_function(ALL_CHARTS_DRAWN)
