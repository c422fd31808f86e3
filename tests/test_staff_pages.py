"""Staff and department pages (/manage/, issue 14): an organization's admins manage their own
staff and departments, and nothing of another organization's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from initiatives.models import Organization
from kpi import roles, staff
from kpi.models import Department, StaffProfile
from tests.factories import home_organization, make_organization

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "kita-no-daichi-2026"


def _member(username, org, *role_names, department=None, **extra):
    user = User.objects.create_user(username, password="pw-" + username, **extra)
    for name in role_names:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    StaffProfile.objects.create(user=user, organization=org, department=department)
    return user


@pytest.fixture
def orgs(db):
    a = home_organization()
    b = make_organization("other-pref", "テスト県", code="")
    return a, b


@pytest.fixture
def cast(orgs):
    a, b = orgs
    dept_a = Department.objects.create(code="joho-a", name="情報政策課", organization=a)
    dept_b = Department.objects.create(code="joho-b", name="デジタル課", organization=b)
    return {
        "a": a,
        "b": b,
        "dept_a": dept_a,
        "dept_b": dept_b,
        "admin_a": _member("admin-a", a, roles.ADMIN, is_staff=True),
        "editor_a": _member("editor-a", a, roles.EDITOR, department=dept_a),
        "viewer_a": _member("viewer-a", a, roles.VIEWER),
        "reviewer_a": _member("reviewer-a", a, roles.REVIEWER, department=dept_a),
        "editor_b": _member("editor-b", b, roles.EDITOR, department=dept_b),
        "admin_b": _member("admin-b", b, roles.ADMIN, is_staff=True),
    }


def _new_member(department, **over):
    data = {
        "username": "newcomer",
        "last_name": "北",
        "first_name": "花子",
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
        "department": department.pk,
        "roles": [roles.EDITOR],
        "is_active": "on",
    }
    data.update(over)
    return data


def test_smoke(client, cast):
    client.force_login(cast["admin_a"])
    for url in ["/manage/staff/", "/manage/staff/new/", "/manage/departments/", "/manage/departments/new/",
                f"/manage/staff/{cast['editor_a'].pk}/", f"/manage/departments/{cast['dept_a'].pk}/"]:
        r = client.get(url)
        assert r.status_code == 200, url
    r = client.post("/manage/staff/new/", _new_member(cast["dept_a"]))
    assert r.status_code == 302
    r = client.post("/manage/staff/new/", _new_member(cast["dept_a"], password="abc", password_again="abd"))
    assert r.status_code == 200
    print(r.content.decode().split('<main')[1][:3000])
