"""An anonymous repeat visit is answered 304 before the heavier middleware (issue 15), only
when the page is still what that reader was given; anyone else passes on to the view."""

from __future__ import annotations

import pytest
from django.conf import settings

from kpi.models import Kpi, KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.mark.parametrize(
    "url", [PLAN, PLAN + "kpis/1-1/", PLAN + "reports/2025/", "/organizations/"]
)
def test_an_anonymous_repeat_visit_is_answered_early(
    client, sample_values, url, django_assert_max_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_max_num_queries(1):  # the data version
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Content-Language"] == first["Content-Language"] == "ja"
    assert set(again["Vary"].split(", ")) == set(first["Vary"].split(", "))
    # Answered before the CSP middleware (which the full answer passes) ran.
    assert "Content-Security-Policy" in first and "Content-Security-Policy" not in again


def test_after_a_change_the_old_tag_gets_the_new_page(client, sample_values):
    first = client.get(PLAN + "kpis/1-1/")
    value = KpiValue.objects.filter(
        kpi=Kpi.objects.get(code="1-1", plan__slug=sample_values.slug)
    ).first()
    value.value = 4321
    value.status = "final"
    value.save()
    again = client.get(PLAN + "kpis/1-1/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_a_signed_in_reader_sending_the_public_tag_gets_their_own_page(
    client, sample_values, viewer
):
    public = client.get(PLAN)
    client.force_login(viewer)
    response = client.get(PLAN, HTTP_IF_NONE_MATCH=public["ETag"])
    assert response.status_code == 200 and "viewer さん" in response.content.decode()


def test_the_tag_of_the_japanese_page_does_not_answer_for_the_english_one(client, sample_values):
    japanese = client.get(PLAN)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(PLAN, HTTP_IF_NONE_MATCH=japanese["ETag"])
    assert response.status_code == 200 and response["Content-Language"] == "en"


def test_a_site_that_requires_a_login_never_answers_early(client, sample_values):
    tag = client.get(PLAN)["ETag"]
    settings.REQUIRE_LOGIN = True
    try:
        response = client.get(PLAN, HTTP_IF_NONE_MATCH=tag)
    finally:
        settings.REQUIRE_LOGIN = False
    # Passed on to the whole stack (where LoginRequiredMiddleware stands when the setting is
    # made at start): the CSP middleware ran.
    assert "Content-Security-Policy" in response


def test_a_made_up_tag_is_not_answered_early(client, sample_values):
    response = client.get(PLAN, HTTP_IF_NONE_MATCH='"0123456789abcdef0123456789abcdef"')
    assert response.status_code == 200
