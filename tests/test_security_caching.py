"""Answers to signed-in users are never stored by a browser or proxy; public pages still are.

Signed-in readers see preliminary values, history and entry forms: every answer to them is
`Cache-Control: private, no-store`. Anonymous public pages keep their ETag and 304s.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"

READ_PAGES = [
    PLAN,
    PLAN + "pillars/1/",
    PLAN + "kpis/1-3/",
    PLAN + "kpis/2-1/",
    PLAN + "about/",
    PLAN + "reports/2025/",
    PLAN + "reports/2025/report.xlsx",
    PLAN + "export.csv",
    PLAN + "export.json",
    "/methodology/",
    "/plans/",
    "/",
    PLAN + "kpis/nope/",  # a 404 for a signed-in reader
]
SIGNED_IN_PAGES = [
    *[("viewer", url) for url in READ_PAGES],
    ("editor", PLAN + "entry/2024/"),
    ("editor", PLAN + "entry/2024/upload/"),
    ("editor", PLAN + "entry/2024/template.csv"),
    ("editor", PLAN + "kpis/2-1/"),
    ("admin", PLAN + "entry/2024/status/"),
    ("admin", PLAN + "kpis/2-1/revise/"),
    ("admin", "/manage/import-plan/"),
    ("admin", "/admin/"),
    ("admin", "/admin/kpi/kpivalue/"),
    ("viewer", PLAN + "entry/2024/"),  # 403
    ("viewer", "/accounts/password_change/"),
]


def _directives(response) -> set[str]:
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize(
    ("role", "url"), SIGNED_IN_PAGES, ids=[f"{r} {u}" for r, u in SIGNED_IN_PAGES]
)
def test_every_answer_to_a_signed_in_user_is_private_and_not_stored(
    client, request, sample_values, departments, role, url
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code < 500
    directives = _directives(response)
    assert {"private", "no-store"} <= directives, (response.status_code, directives)
    assert "public" not in directives and "s-maxage" not in directives


def test_a_304_to_a_signed_in_user_is_private_and_not_stored(client, viewer, sample_values):
    client.force_login(viewer)
    first = client.get(PLAN)
    assert first.has_header("ETag")
    again = client.get(PLAN, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert {"private", "no-store"} <= _directives(again)


def test_the_answer_to_a_sign_in_is_private_and_not_stored(client, editor):
    response = client.post(reverse("login"), {"username": "editor", "password": "pw-editor"})
    assert response.status_code == 302
    assert {"private", "no-store"} <= _directives(response)


def test_posts_of_signed_in_users_are_private_too(client, editor):
    client.force_login(editor)
    response = client.post(PLAN + "entry/2024/", {})
    assert response.status_code == 400
    assert {"private", "no-store"} <= _directives(response)


@pytest.mark.parametrize("url", READ_PAGES[:-1])
def test_anonymous_public_pages_keep_their_caching(client, sample_values, url):
    response = client.get(url)
    assert "no-store" not in _directives(response)
    if url.endswith("/") and url != "/":
        assert response.has_header("ETag")
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
