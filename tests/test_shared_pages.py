"""Signed-in readers of one class share one rendered page (issue 15, smartdocho/etags.py):
rendered once per data version, language, address and reader class, served to every reader of
that class with their own name and CSRF token, and never to a reader of another class."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from kpi import roles
from kpi.models import Kpi, KpiValue
from tests.conftest import _user

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
KPI = PLAN + "kpis/1-1/"
REVISE = "目標を再設定する（管理者）"
PRELIMINARY = "5,301"  # 1-1's R7 速報値 in the sample values: staff see it, the public not


def _html(client, url: str = KPI) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_two_viewers_share_one_rendering_each_with_their_own_name(
    client, sample_values, django_assert_max_num_queries
):
    first = _user("viewer-one", roles.VIEWER)
    second = _user("viewer-two", roles.VIEWER)
    client.force_login(first)
    html_first = _html(client)
    client.force_login(second)
    client.get("/organizations/")  # the new session's first save (its idle timeout starts)
    # Session, user, data version, the reader's groups and staff profile: none of the page's
    # own queries (about 20 when it is rendered), and no session write within the minute.
    with django_assert_max_num_queries(5):
        html_second = _html(client)
    assert "viewer-two さん" in html_second and "viewer-one" not in html_second
    assert "viewer-one さん" in html_first
    assert "<!--smartdocho:reader-->" not in html_second
    assert PRELIMINARY in html_second


def test_the_logout_form_of_a_shared_page_carries_a_token_valid_for_its_reader(sample_values):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(_user("viewer-one", roles.VIEWER))
    second.force_login(_user("viewer-two", roles.VIEWER))
    _html(first)
    html = _html(second)  # served from the copy rendered for viewer-one
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = second.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)  # not 403: the token is viewer-two's own
    assert "_auth_user_id" not in second.session


@pytest.mark.parametrize("order", ["public first", "staff first"])
def test_the_public_is_never_served_a_staff_copy_nor_staff_a_public_one(
    client, sample_values, order
):
    from django.test import Client

    staff = Client()
    staff.force_login(_user("viewer-one", roles.VIEWER))
    if order == "public first":
        public, signed_in = _html(client), _html(staff)
    else:
        signed_in, public = _html(staff), _html(client)
    assert PRELIMINARY in signed_in and PRELIMINARY not in public


@pytest.mark.parametrize("order", ["admin first", "viewer first"])
def test_an_admins_copy_is_not_a_viewers(sample_values, order):
    from django.test import Client

    admin, viewer = Client(), Client()
    admin.force_login(_user("kanri-one", roles.ADMIN, is_staff=True))
    viewer.force_login(_user("viewer-one", roles.VIEWER))
    pages = {}
    for name in order.split(" ")[:1] + [("viewer" if order.startswith("admin") else "admin")]:
        pages[name] = _html(admin if name == "admin" else viewer)
    assert REVISE in pages["admin"] and REVISE not in pages["viewer"]


def test_another_organizations_viewer_gets_the_public_page_not_the_staff_one(client, sample_values):
    from tests.factories import make_organization

    home = Client_for(_user("viewer-one", roles.VIEWER))
    other = Client_for(_user("viewer-elsewhere", roles.VIEWER, organization=make_organization()))
    assert PRELIMINARY in _html(home)
    assert PRELIMINARY not in _html(other)


def Client_for(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_a_role_taken_away_counts_at_once(client, sample_values):
    from django.contrib.auth.models import Group

    user = _user("viewer-one", roles.VIEWER)
    client.force_login(user)
    assert PRELIMINARY in _html(client)
    user.groups.remove(Group.objects.get(name=roles.VIEWER))
    assert PRELIMINARY not in _html(client)


def test_a_saved_value_is_on_the_shared_page_at_once(client, sample_values):
    client.force_login(_user("viewer-one", roles.VIEWER))
    before = _html(client)
    value = KpiValue.objects.get(kpi=Kpi.objects.get(code="1-1", plan__slug=sample_values.slug),
                                 fiscal_year=2025)  # fmt: skip
    value.value = 6789
    value.save()
    after = _html(client)
    assert "6,789" in after and "6,789" not in before


def test_an_export_is_kept_byte_for_byte(client, sample_values):
    client.force_login(_user("viewer-one", roles.VIEWER))
    first = client.get(PLAN + "export.csv")
    client.force_login(_user("viewer-two", roles.VIEWER))
    second = client.get(PLAN + "export.csv")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]


def test_an_item_page_is_kept_per_reader(client, sample_values):
    # Its review panel depends on who submitted what: never another reader's copy.
    first = _user("viewer-one", roles.VIEWER)
    second = _user("viewer-two", roles.VIEWER)
    url = PLAN + "pillars/1/items/1/"
    client.force_login(first)
    _html(client, url)
    keys_after_first = set(cache._cache.keys()) if hasattr(cache, "_cache") else None
    client.force_login(second)
    html = _html(client, url)
    assert "viewer-two さん" in html
    if keys_after_first is not None:
        assert len(set(cache._cache.keys()) - keys_after_first) == 1  # a copy of its own
