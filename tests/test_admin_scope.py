"""The Django admin, scoped per organization (issue 14, kpi/admin_scope.py).

An organization's admin (staff status) uses the admin and sees only their own organization's
rows: changelists, change, delete and history pages, list filters and foreign-key choices.
Another organization's object answers 404. Users, groups and organizations' changes are the
site administrator's (a superuser), who sees everything.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model

from kpi.admin_scope import organization_path
from kpi.models import Department, Kpi, Unit
from tests import test_org_permissions as org_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict:
    """The two organizations of tests/test_org_permissions.py, and a site administrator."""
    world = {key: org_matrix._build(key) for key in org_matrix.ORGS}
    world["site"] = get_user_model().objects.create(
        username="site", is_staff=True, is_superuser=True
    )
    return world


SCOPED = [
    ("initiatives", "organization"),
    ("initiatives", "plan"),
    ("initiatives", "pillar"),
    ("initiatives", "initiativeitem"),
    ("initiatives", "plansection"),
    ("kpi", "department"),
    ("kpi", "unit"),
    ("kpi", "kpi"),
    ("kpi", "kpivalue"),
    ("kpi", "targetrevision"),
    ("kpi", "staffprofile"),
    ("kpi", "publishedreport"),
    ("narratives", "ratingscale"),
    ("narratives", "itemdepartment"),
    ("narratives", "itemkpi"),
    ("narratives", "initiativeprogress"),
    ("narratives", "kpicommentary"),
]


def _rows(world, key, app, model_name):
    model = apps.get_model(app, model_name)
    path = organization_path(model)
    return list(model.objects.filter(**{path: world[key]["org"].pk}).values_list("pk", flat=True))


def _change_url(app, model_name, pk):
    return f"/admin/{app}/{model_name}/{pk}/change/"


def test_every_registered_model_is_scoped_or_the_site_administrators():
    from kpi.admin_scope import OrganizationScoped, SuperuserOnly

    for model, model_admin in django_admin.site._registry.items():
        assert isinstance(model_admin, OrganizationScoped | SuperuserOnly), model
        if isinstance(model_admin, OrganizationScoped):
            assert organization_path(model), model
            for inline in model_admin.inlines:
                assert issubclass(inline, OrganizationScoped), inline


@pytest.mark.parametrize(("app", "model_name"), SCOPED)
def test_an_organizations_admin_lists_only_their_own_rows(client, world, app, model_name):
    client.force_login(world["a"]["users"]["admin"])
    response = client.get(f"/admin/{app}/{model_name}/")
    assert response.status_code == 200
    html = response.content.decode()
    for pk in _rows(world, "b", app, model_name):
        assert _change_url(app, model_name, pk) not in html
    for pk in _rows(world, "a", app, model_name):
        assert _change_url(app, model_name, pk) in html


@pytest.mark.parametrize(("app", "model_name"), SCOPED)
def test_another_organizations_objects_are_not_found(client, world, app, model_name):
    client.force_login(world["a"]["users"]["admin"])
    for pk in _rows(world, "b", app, model_name):
        for page in ("change", "delete", "history"):
            url = f"/admin/{app}/{model_name}/{pk}/{page}/"
            assert client.get(url).status_code == 404, url
    for pk in _rows(world, "a", app, model_name):
        assert client.get(_change_url(app, model_name, pk)).status_code == 200


def test_list_filters_offer_only_their_own_organizations_choices(client, world):
    client.force_login(world["a"]["users"]["admin"])
    for url in ("/admin/kpi/kpi/", "/admin/kpi/department/", "/admin/initiatives/plan/"):
        html = client.get(url).content.decode()
        assert "浜松市" not in html and "plan-b" not in html, url
        assert "札幌市" in html, url


def test_foreign_key_choices_are_their_own_organizations(client, world):
    client.force_login(world["a"]["users"]["admin"])
    kpi = Kpi.objects.get(plan=world["a"]["plan"], code="g1-1")
    html = client.get(_change_url("kpi", "kpi", kpi.pk)).content.decode()
    assert "札幌市情報課" in html
    assert "浜松市情報課" not in html and "テスト計画 plan-b" not in html
    options = re.findall(r'<select name="unit"[^>]*>(.*?)</select>', html, re.S)
    unit_b = world["b"]["plan"].units.get().pk
    assert options and f'value="{unit_b}"' not in options[0]


def test_a_forged_foreign_key_of_another_organization_is_refused(client, world):
    client.force_login(world["a"]["users"]["admin"])
    unit = Unit.objects.filter(plan=world["a"]["plan"]).first()
    other_plan = world["b"]["plan"]
    url = _change_url("kpi", "unit", unit.pk)
    fields = {
        "label": unit.label,
        "code": unit.code,
        "plan": other_plan.pk,
        "base_label": unit.base_label,
        "scale": unit.scale,
        "decimals": unit.decimals,
        "kind": unit.kind,
    }
    response = client.post(url, fields)
    assert response.status_code == 200  # the form's error: not one of the choices
    unit.refresh_from_db()
    assert unit.plan == world["a"]["plan"]


def test_staff_profiles_are_read_not_changed_by_an_organizations_admin_in_the_admin(client, world):
    client.force_login(world["a"]["users"]["admin"])
    staff_b = world["b"]["users"]["editor"].staff_profile
    profile = world["a"]["users"]["editor"].staff_profile
    before = profile.department_id
    url = _change_url("kpi", "staffprofile", profile.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, {"user": staff_b.user_id, "department": staff_b.department_id})
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.department_id == before


def test_an_organizations_admin_changes_their_own_department_and_keeps_its_organization(
    client, world
):
    client.force_login(world["a"]["users"]["admin"])
    department = Department.objects.get(code="dept-a")
    response = client.post(
        _change_url("kpi", "department", department.pk),
        {"code": "dept-a", "name": "新しい名前", "organization": world["b"]["org"].pk},
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "新しい名前"
    assert department.organization == world["a"]["org"]


def test_a_department_added_in_the_admin_belongs_to_the_admins_organization(client, world):
    client.force_login(world["a"]["users"]["admin"])
    response = client.post(
        "/admin/kpi/department/add/",
        {"code": "added", "name": "追加課", "organization": world["b"]["org"].pk},
    )
    assert response.status_code == 302
    assert Department.objects.get(code="added").organization == world["a"]["org"]


def test_a_plans_organization_is_fixed_for_an_organizations_admin(client, world):
    client.force_login(world["a"]["users"]["admin"])
    html = client.get(_change_url("initiatives", "plan", world["a"]["plan"].pk)).content.decode()
    assert '<select name="organization"' not in html


def test_organizations_are_changed_only_by_the_site_administrator(client, world):
    org_a = world["a"]["org"]
    client.force_login(world["a"]["users"]["admin"])
    assert client.get(_change_url("initiatives", "organization", org_a.pk)).status_code == 200
    response = client.post(
        _change_url("initiatives", "organization", org_a.pk),
        {"slug": "org-a", "name": "書き換え", "kind": "municipality", "code": "011002"},
    )
    assert response.status_code == 403
    assert client.get("/admin/initiatives/organization/add/").status_code == 403
    org_a.refresh_from_db()
    assert org_a.name == "札幌市"


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/"])
def test_users_and_groups_are_the_site_administrators(client, world, url):
    client.force_login(world["a"]["users"]["admin"])
    assert client.get(url).status_code == 403
    client.force_login(world["site"])
    assert client.get(url).status_code == 200


def test_the_site_administrator_sees_every_organization(client, world):
    client.force_login(world["site"])
    html = client.get("/admin/kpi/kpi/").content.decode()
    for key in ("a", "b"):
        for pk in Kpi.objects.filter(plan=world[key]["plan"]).values_list("pk", flat=True):
            assert _change_url("kpi", "kpi", pk) in html


@pytest.mark.parametrize("role", ["editor", "reviewer", "viewer"])
def test_staff_without_staff_status_are_sent_to_the_admin_login(client, world, role):
    client.force_login(world["a"]["users"][role])
    assert client.get("/admin/kpi/kpi/").status_code == 302


def test_a_staff_user_of_no_organization_cannot_use_the_admin(client, world):
    loose = get_user_model().objects.create(username="loose", is_staff=True)
    client.force_login(loose)
    assert client.get("/admin/").status_code == 302
