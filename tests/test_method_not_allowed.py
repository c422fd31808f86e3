"""An address that takes only a form's POST, followed as a link, says so (405 with a page)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/manage/departments/1/delete/", "/accounts/logout/"])
def test_a_get_of_an_address_that_takes_only_posts_says_why(client, admin, path):
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 405
    assert "ボタンから送る操作だけを受け付けます" in response.content.decode()
    assert "POST" in response["Allow"]


def test_the_405_page_is_headed_as_what_it_is(client, admin):
    client.force_login(admin)
    html = client.get("/accounts/logout/").content.decode()
    assert "<h1>この操作はリンクからは行えません</h1>" in html
    assert "リクエストに誤りがあります" not in html
