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
