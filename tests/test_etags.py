"""A repeat visit is answered 304 until the data, the reader, the language or the page changes."""

import pytest
from django.conf import settings

from kpi import services
from kpi.models import KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.mark.parametrize(
    "url",
    [
        PLAN,
        PLAN + "pillars/2/",
        PLAN + "kpis/2-3/",
        PLAN + "reports/2025/",
        PLAN + "export.json",
        "/methodology/",
    ],
)
def test_repeat_visit_is_not_modified(client, sample_values, url):
    first = client.get(url)
    etag = first["ETag"]
    repeat = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304
    assert repeat.content == b""


def test_a_new_value_changes_the_tag(client, sample_values, admin):
    etag = client.get(PLAN)["ETag"]
    # R7's sample values are preliminary, so still open (a final one would need reopening).
    current = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025)
    services.values_save(
        user=admin,
        fiscal_year=2025,
        rows=[
            services.ValueInput(
                kpi=current.kpi, value=current.value + 1, status="final", version=current.version
            )
        ],
    )
    assert client.get(PLAN, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_tag_differs_by_reader_language_and_address(client, sample_values, viewer):
    anonymous = client.get(PLAN)["ETag"]
    assert client.get(PLAN + "?as_of=2023")["ETag"] != anonymous
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(PLAN)["ETag"]
    assert english != anonymous
    client.force_login(viewer)
    assert client.get(PLAN)["ETag"] not in (anonymous, english)
    assert client.get(PLAN, HTTP_IF_NONE_MATCH=anonymous).status_code == 200


def test_anonymous_readers_share_one_rendered_copy_without_any_csrf_token(
    client, sample_values, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    first = client.get(PLAN)
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "csrftoken" not in first.cookies
    with django_assert_max_num_queries(1):  # the data version; nothing is rendered again
        second = client.get(PLAN)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert "Content-Security-Policy" in second


def test_signed_in_readers_are_never_served_a_shared_copy(client, sample_values, viewer):
    from django.core.cache import cache

    cache.clear()
    client.get(PLAN)
    client.force_login(viewer)
    html = client.get(PLAN).content.decode()
    assert "viewer さん" in html


@pytest.mark.parametrize(
    "url",
    [
        PLAN + "export.json?as_of=1999",
        PLAN + "export.csv?as_of=abc",
        PLAN + "?as_of=R99",
        PLAN + "kpis/2-3/?as_of=0",
    ],
)
def test_a_refused_query_carries_no_tag_and_is_never_answered_304(client, sample_values, url):
    good = client.get(url.split("?")[0])
    refused = client.get(url)
    assert refused.status_code == 400
    assert not refused.has_header("ETag")
    # Even with a tag the reader holds for a page, the refused address is refused again.
    again = client.get(url, HTTP_IF_NONE_MATCH=good["ETag"])
    assert again.status_code == 400


def _lose_viewer_role(user):
    user.groups.clear()


def _gain_admin_role(user):
    from django.contrib.auth.models import Group

    from kpi import roles

    user.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])


def _become_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])


@pytest.mark.parametrize("change", [_lose_viewer_role, _gain_admin_role, _become_staff])
def test_a_change_of_roles_outside_the_data_changes_a_signed_in_readers_tag(
    client, sample_values, viewer, change
):
    """The Django admin's user page changes groups and flags without moving the data version;
    what the page shows follows the roles, so must its tag (no 304 for a changed page)."""
    from django.contrib.auth import get_user_model

    client.force_login(viewer)
    url = PLAN + "kpis/1-2/"
    before = client.get(url)["ETag"]
    change(get_user_model().objects.get(pk=viewer.pk))
    again = client.get(url, HTTP_IF_NONE_MATCH=before)
    assert again.status_code == 200
    assert again["ETag"] != before
