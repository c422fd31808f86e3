"""Staff and department pages (/manage/, issue 14): an organization's admins manage their own
staff and departments, and nothing of another organization's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from kpi import roles, staff
from kpi.models import Department, StaffProfile
from tests.factories import home_organization, make_organization

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "kita-no-daichi-2026"


def _member(username, org, *role_names, department=None, **extra):
    user = User.objects.create(username=username, **extra)
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


def _state() -> tuple:
    """Everything the staff and department pages could change."""
    return (
        sorted(
            User.objects.values_list("username", "is_active", "is_staff", "last_name", "first_name")
        ),
        sorted(
            StaffProfile.objects.values_list("user__username", "organization_id", "department_id")
        ),
        sorted(User.groups.through.objects.values_list("user__username", "group__name")),
        sorted(Department.objects.values_list("code", "name", "organization_id")),
    )


def _edit(cast, user, **over):
    profile = user.staff_profile
    data = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "department": profile.department_id or "",
        "roles": staff.role_names(user),
        "is_active": "on" if user.is_active else "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v != ""}


# --- an admin manages their own organization's staff ---------------------------------------


def test_admin_lists_only_their_own_organizations_staff(client, cast):
    client.force_login(cast["admin_a"])
    html = client.get("/manage/staff/").content.decode()
    assert "editor-a" in html and "reviewer-a" in html and "情報政策課" in html
    assert "editor-b" not in html and "admin-b" not in html and "デジタル課" not in html


def test_staff_list_costs_a_fixed_number_of_queries(client, cast, django_assert_max_num_queries):
    client.force_login(cast["admin_a"])
    client.get("/manage/staff/")
    for i in range(5):
        _member(f"extra-{i}", cast["a"], roles.VIEWER, department=cast["dept_a"])
    with django_assert_max_num_queries(12):
        assert client.get("/manage/staff/").status_code == 200


def test_admin_adds_a_member_with_department_and_roles(client, cast):
    client.force_login(cast["admin_a"])
    response = client.post("/manage/staff/new/", _new_member(cast["dept_a"]))
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.check_password(GOOD_PASSWORD)
    assert user.staff_profile.organization == cast["a"]
    assert user.staff_profile.department == cast["dept_a"]
    assert staff.role_names(user) == [roles.EDITOR]
    assert (
        user.is_active and not user.is_staff and (user.last_name, user.first_name) == ("北", "花子")
    )


def test_a_new_admin_gets_staff_status_for_the_scoped_django_admin(client, cast):
    client.force_login(cast["admin_a"])
    client.post("/manage/staff/new/", _new_member(cast["dept_a"], roles=[roles.ADMIN]))
    assert User.objects.get(username="newcomer").is_staff


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"password": "short", "password_again": "short"}, "password"),
        ({"password": "password", "password_again": "password"}, "password"),
        ({"password_again": "something-else-2026"}, "password_again"),
        ({"username": "editor-a"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"username": ""}, "username"),
        ({"roles": ["superuser"]}, "roles"),
        ({"last_name": "<script>x</script>"}, "last_name"),
        ({"first_name": "花\x00子"}, "first_name"),
        ({"first_name": "花\u202e子"}, "first_name"),
        ({"last_name": "北\x07"}, "last_name"),
    ],
)
def test_bad_input_for_a_new_member_is_said_and_saves_nothing(client, cast, over, field):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/staff/new/", _new_member(cast["dept_a"], **over))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    assert _state() == before


def test_admin_changes_a_members_department_roles_and_deactivates_them(client, cast):
    other = Department.objects.create(code="jinji-a", name="人事課", organization=cast["a"])
    editor = cast["editor_a"]
    client.force_login(cast["admin_a"])
    response = client.post(
        f"/manage/staff/{editor.pk}/",
        _edit(
            cast, editor, department=other.pk, roles=[roles.VIEWER, roles.REVIEWER], is_active=""
        ),
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.staff_profile.department == other
    assert staff.role_names(editor) == [roles.VIEWER, roles.REVIEWER]
    assert not editor.is_active
    assert User.objects.filter(pk=editor.pk).exists()  # deactivated, never deleted


def test_other_groups_of_a_member_are_kept(client, cast):
    extra = Group.objects.create(name="広報担当")
    editor = cast["editor_a"]
    editor.groups.add(extra)
    client.force_login(cast["admin_a"])
    client.post(f"/manage/staff/{editor.pk}/", _edit(cast, editor, roles=[roles.VIEWER]))
    assert set(editor.groups.values_list("name", flat=True)) == {"広報担当", roles.VIEWER}


def test_admin_cannot_remove_their_own_admin_role(client, cast):
    admin = cast["admin_a"]
    client.force_login(admin)
    before = _state()
    response = client.post(f"/manage/staff/{admin.pk}/", _edit(cast, admin, roles=[roles.VIEWER]))
    assert response.status_code == 400
    assert str(staff.OWN_ADMIN_ROLE) in response.content.decode()
    assert _state() == before


def test_admin_cannot_deactivate_themselves(client, cast):
    admin = cast["admin_a"]
    client.force_login(admin)
    before = _state()
    response = client.post(f"/manage/staff/{admin.pk}/", _edit(cast, admin, is_active=""))
    assert response.status_code == 400
    assert str(staff.OWN_DEACTIVATION) in response.content.decode()
    assert _state() == before


def test_admin_may_remove_another_admins_role(client, cast):
    second = _member("admin-a2", cast["a"], roles.ADMIN, is_staff=True)
    client.force_login(cast["admin_a"])
    client.post(f"/manage/staff/{second.pk}/", _edit(cast, second, roles=[roles.VIEWER]))
    second.refresh_from_db()
    assert staff.role_names(second) == [roles.VIEWER] and not second.is_staff


# --- nothing of another organization --------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_member_is_not_found(client, cast, method):
    client.force_login(cast["admin_a"])
    before = _state()
    target = cast["editor_b"]
    url = f"/manage/staff/{target.pk}/"
    response = (
        client.post(url, _edit(cast, target, is_active="", roles=[roles.ADMIN]))
        if method == "post"
        else client.get(url)
    )
    assert response.status_code == 404
    assert _state() == before


def test_a_superuser_is_not_managed_by_an_organizations_admin(client, cast):
    site = User.objects.create(username="the-site-admin", is_superuser=True, is_staff=True)
    StaffProfile.objects.create(user=site, organization=cast["a"])
    client.force_login(cast["admin_a"])
    assert client.get(f"/manage/staff/{site.pk}/").status_code == 404
    assert "the-site-admin" not in client.get("/manage/staff/").content.decode()


def test_another_organizations_department_cannot_be_given_to_a_new_member(client, cast):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/staff/new/", _new_member(cast["dept_b"]))
    assert response.status_code == 403
    assert _state() == before


def test_another_organizations_department_cannot_be_given_to_a_member(client, cast):
    client.force_login(cast["admin_a"])
    before = _state()
    editor = cast["editor_a"]
    response = client.post(
        f"/manage/staff/{editor.pk}/", _edit(cast, editor, department=cast["dept_b"].pk)
    )
    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_department_is_not_found(client, cast, method):
    client.force_login(cast["admin_a"])
    before = _state()
    url = f"/manage/departments/{cast['dept_b'].pk}/"
    response = client.post(url, {"name": "書き換え"}) if method == "post" else client.get(url)
    assert response.status_code == 404
    delete = client.post(f"/manage/departments/{cast['dept_b'].pk}/delete/")
    assert delete.status_code == 404
    assert _state() == before


def test_the_org_parameter_does_not_let_an_organizations_admin_elsewhere(client, cast):
    client.force_login(cast["admin_a"])
    html = client.get("/manage/staff/?org=other-pref").content.decode()
    assert "editor-b" not in html and "editor-a" in html
    client.post("/manage/departments/new/?org=other-pref", {"code": "new-dept", "name": "新課"})
    assert Department.objects.get(code="new-dept").organization == cast["a"]


# --- who may ---------------------------------------------------------------------------------


PAGES = [
    ("get", "/manage/staff/"),
    ("get", "/manage/staff/new/"),
    ("post", "/manage/staff/new/"),
    ("get", "/manage/staff/{editor}/"),
    ("post", "/manage/staff/{editor}/"),
    ("get", "/manage/departments/"),
    ("get", "/manage/departments/new/"),
    ("post", "/manage/departments/new/"),
    ("get", "/manage/departments/{dept}/"),
    ("post", "/manage/departments/{dept}/"),
    ("post", "/manage/departments/{dept}/delete/"),
]


def _post_data(cast, path):
    if path.startswith("/manage/staff/new"):
        return _new_member(cast["dept_a"])
    if path.startswith("/manage/staff/"):
        return _edit(cast, cast["editor_a"], roles=[roles.ADMIN])
    return {"code": "new-dept", "name": "書き換え"}


@pytest.mark.parametrize("role", ["editor_a", "viewer_a", "reviewer_a"])
@pytest.mark.parametrize(("method", "path"), PAGES)
def test_staff_who_are_not_admins_are_refused(client, cast, role, method, path):
    client.force_login(cast[role])
    url = path.format(editor=cast["editor_a"].pk, dept=cast["dept_a"].pk)
    before = _state()
    response = client.post(url, _post_data(cast, path)) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_visitors_are_sent_to_login(client, cast, method, path):
    url = path.format(editor=cast["editor_a"].pk, dept=cast["dept_a"].pk)
    before = _state()
    response = client.post(url, _post_data(cast, path)) if method == "post" else client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _state() == before


def test_an_admin_who_lost_the_role_is_refused(client, cast):
    admin = cast["admin_a"]
    admin.groups.clear()
    client.force_login(admin)
    assert client.get("/manage/staff/").status_code == 403


# --- departments ----------------------------------------------------------------------------


def test_admin_adds_and_renames_a_department(client, cast):
    client.force_login(cast["admin_a"])
    response = client.post("/manage/departments/new/", {"code": "kikaku", "name": "企画課"})
    assert response.status_code == 302
    department = Department.objects.get(code="kikaku")
    assert department.organization == cast["a"]
    response = client.post(f"/manage/departments/{department.pk}/", {"name": "企画政策課"})
    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.code, department.name) == ("kikaku", "企画政策課")


def test_departments_list_only_their_own_organizations(client, cast):
    client.force_login(cast["admin_a"])
    html = client.get("/manage/departments/").content.decode()
    assert "情報政策課" in html and "joho-a" in html
    assert "デジタル課" not in html and "joho-b" not in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "joho-a", "name": "重複"}, "code"),
        ({"code": "bad code!", "name": "課"}, "code"),
        ({"code": "", "name": "課"}, "code"),
        ({"code": "ok-code", "name": ""}, "name"),
        ({"code": "ok-code", "name": "x" * 101}, "name"),
    ],
)
def test_bad_input_for_a_department_is_said_and_saves_nothing(client, cast, data, field):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/departments/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    assert _state() == before


def test_a_department_in_use_cannot_be_deleted(client, cast):
    client.force_login(cast["admin_a"])
    before = _state()
    page = client.get(f"/manage/departments/{cast['dept_a'].pk}/").content.decode()
    assert "削除できません" in page and "この所管課を削除する" not in page
    response = client.post(f"/manage/departments/{cast['dept_a'].pk}/delete/", follow=True)
    assert response.status_code == 200
    assert str(staff.DEPARTMENT_IN_USE) in response.content.decode()
    assert _state() == before


def test_an_unused_department_can_be_deleted(client, cast):
    unused = Department.objects.create(code="unused", name="未使用課", organization=cast["a"])
    client.force_login(cast["admin_a"])
    response = client.post(f"/manage/departments/{unused.pk}/delete/")
    assert response.status_code == 302
    assert not Department.objects.filter(pk=unused.pk).exists()


def test_a_department_owning_kpis_counts_as_in_use(cast):
    from kpi.models import Kpi
    from tests.factories import make_plan

    unused = Department.objects.create(code="kpi-owner", name="指標課", organization=cast["a"])
    assert not staff.department_in_use(unused)
    plan = make_plan("own", organization=cast["a"], pillars=1, kpis_per_pillar=1)
    Kpi.objects.filter(plan=plan).update(department=unused)
    assert staff.department_in_use(unused)


# --- the site administrator -----------------------------------------------------------------


def test_the_site_administrator_chooses_the_organization(client, cast):
    site = User.objects.create(username="site", is_superuser=True, is_staff=True)
    client.force_login(site)
    html = client.get("/manage/staff/?org=other-pref").content.decode()
    assert "editor-b" in html and "editor-a" not in html
    response = client.post(
        "/manage/departments/new/?org=other-pref", {"code": "b-new", "name": "新しい課"}
    )
    assert response.status_code == 302 and "org=other-pref" in response["Location"]
    assert Department.objects.get(code="b-new").organization == cast["b"]
    target = cast["editor_b"]
    response = client.post(f"/manage/staff/{target.pk}/", _edit(cast, target, is_active=""))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert client.get("/manage/staff/?org=no-such-org").status_code == 404


def test_the_header_offers_staff_and_departments_to_admins_only(client, cast):
    client.force_login(cast["admin_a"])
    assert 'href="/manage/staff/"' in client.get("/plans/").content.decode()
    client.force_login(cast["editor_a"])
    assert 'href="/manage/staff/"' not in client.get("/plans/").content.decode()


# Full-width letters are read as half-width (NFKC) before the comparison.
@pytest.mark.parametrize(
    "username", ["EDITOR-B", "Editor-B", "editor-B", "ＥＤＩＴＯＲ-Ｂ", "Ｅｄｉｔｏｒ－ｂ"]
)
def test_a_user_name_that_differs_from_another_only_in_case_is_refused(client, cast, username):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/staff/new/", _new_member(cast["dept_a"], username=username))
    assert response.status_code == 400
    assert (
        "大文字・小文字の違いだけで同じになるユーザー名がすでにあります。"
        in response.content.decode()
    )
    assert _state() == before


@pytest.mark.parametrize("username", ["еditor-b", "やまだ", "yamada太郎", "ａ b"])
def test_a_user_name_in_letters_other_than_half_width_latin_is_refused(client, cast, username):
    # A Cyrillic е looks like a Latin e: "еditor-b" would pass for another person.
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/staff/new/", _new_member(cast["dept_a"], username=username))
    assert response.status_code == 400
    assert "ユーザー名は半角の英字・数字と" in response.content.decode()
    assert _state() == before


def test_a_full_width_user_name_equal_to_another_is_refused_as_taken(client, cast):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post(
        "/manage/staff/new/", _new_member(cast["dept_a"], username="ｅｄｉｔｏｒ－ｂ")
    )
    assert (
        response.status_code == 400
        and "同じユーザー名が既に登録済みです" in response.content.decode()
    )
    assert _state() == before


def test_a_full_width_user_name_is_saved_half_width(client, cast):
    from django.contrib.auth import get_user_model

    client.force_login(cast["admin_a"])
    response = client.post(
        "/manage/staff/new/", _new_member(cast["dept_a"], username="ＹＡＭＡＤＡ")
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="YAMADA").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/manage/staff/9223372036854775808/",
        "/manage/staff/99999999999999999999999/",
        "/manage/departments/9223372036854775808/",
        "/manage/departments/99999999999999999999999/delete/",
    ],
)
def test_an_id_past_any_column_is_not_found(client, cast, path):
    client.force_login(cast["admin_a"])
    assert client.get(path).status_code == 404
    assert client.post(path, {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/plans/hokkaido-smart-docho-3/pillars/99999999999999999999/",
        "/plans/hokkaido-smart-docho-3/pillars/1/items/99999999999999999999/",
        "/plans/hokkaido-smart-docho-3/reports/2025/v/99999999999999999999/",
        "/plans/hokkaido-smart-docho-3/reports/2025/v/2147483648/report.xlsx",
    ],
)
def test_a_huge_number_in_a_plan_address_is_not_found(client, policy, path):
    assert client.get(path).status_code == 404


def test_the_django_admin_lets_no_organization_admin_delete_or_change_staff_profiles(client, cast):
    client.force_login(cast["admin_a"])
    profile = cast["editor_a"].staff_profile
    before = _state()
    url = f"/admin/kpi/staffprofile/{profile.pk}/"
    assert client.get(url + "change/").status_code == 200  # they may read it
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    own = cast["admin_a"].staff_profile
    assert (
        client.post(f"/admin/kpi/staffprofile/{own.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.post(url + "change/", {"department": ""}).status_code == 403
    assert _state() == before


def test_the_django_admin_keeps_a_department_in_use(client, cast):
    from kpi.models import Kpi
    from tests.factories import make_plan

    client.force_login(cast["admin_a"])
    plan = make_plan("dept-plan", organization=cast["a"])
    Kpi.objects.filter(plan=plan).update(department=cast["dept_a"])
    StaffProfile.objects.filter(department=cast["dept_a"]).update(department=None)
    url = f"/admin/kpi/department/{cast['dept_a'].pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Department.objects.filter(pk=cast["dept_a"].pk).exists()
    changelist = client.get("/admin/kpi/department/").content.decode()
    assert "delete_selected" not in changelist
    unused = Department.objects.create(code="unused", name="未使用課", organization=cast["a"])
    client.post(f"/admin/kpi/department/{unused.pk}/delete/", {"post": "yes"})
    assert not Department.objects.filter(pk=unused.pk).exists()


def test_a_department_code_typed_in_full_width_is_folded(client, cast):
    client.force_login(cast["admin_a"])
    response = client.post(
        "/manage/departments/new/", {"code": "ｋｉｋａｋｕ－２", "name": "企画課"}
    )
    assert response.status_code == 302
    assert Department.objects.get(organization=cast["a"], code="kikaku-2").name == "企画課"


@pytest.mark.parametrize("code", ["a b", "課", "a/b", "<x>"])
def test_a_department_code_with_other_characters_says_which_are_allowed(client, cast, code):
    client.force_login(cast["admin_a"])
    before = _state()
    response = client.post("/manage/departments/new/", {"code": code, "name": "課"})
    html = response.content.decode()
    assert response.status_code == 400 and "半角の英数字・ハイフン（-）・下線（_）だけ" in html
    assert "slug" not in html.lower().split("<main", 1)[1]
    assert _state() == before


def test_the_department_list_takes_the_same_queries_for_few_or_many_departments(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast["admin_a"])

    def count() -> int:
        client.get("/manage/departments/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/manage/departments/").status_code == 200
        return len(queries)

    few = count()
    Department.objects.bulk_create(
        Department(code=f"d{i}", name=f"課{i}", organization=cast["a"]) for i in range(30)
    )
    assert count() == few
    html = client.get("/manage/departments/").content.decode()
    assert "課29" in html


# --- a new password set by the organization's admin (review of issue 14) -----------------------


def _password_url(user) -> str:
    return f"/manage/staff/{user.pk}/password/"


def test_an_admin_sets_a_new_password_and_the_member_signs_in_with_it(client, cast):
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    editor = cast["editor_a"]
    AccessAttempt.objects.create(
        username=editor.username, ip_address="10.0.0.1", failures_since_start=9
    )
    client.force_login(cast["admin_a"])
    assert _password_url(editor) in client.get(f"/manage/staff/{editor.pk}/").content.decode()
    assert client.get(_password_url(editor)).status_code == 200
    new = "Kita-no-daichi-2026"
    response = client.post(_password_url(editor), {"password": new, "password_again": new})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password(new)
    assert not AccessAttempt.objects.filter(username=editor.username).exists()  # lockout lifted
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=editor.username, password=new) == editor


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "Kita-no-daichi-2026", "password_again": "Kita-no-daichi-2027"}, "一致"),
        ({"password": "12345678", "password_again": "12345678"}, "パスワード"),
        ({"password": "editor-a", "password_again": "editor-a"}, "パスワード"),
        ({"password": "", "password_again": ""}, "必須"),
    ],
)
def test_a_refused_password_is_said_and_changes_nothing(client, cast, data, message):
    editor = cast["editor_a"]
    before = User.objects.get(pk=editor.pk).password
    client.force_login(cast["admin_a"])
    response = client.post(_password_url(editor), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.get(pk=editor.pk).password == before


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "admin_b"])
def test_only_the_members_own_organizations_admin_sets_their_password(client, cast, who):
    target = cast["editor_a"]
    before = User.objects.get(pk=target.pk).password
    client.force_login(cast[who])
    new = "Kita-no-daichi-2026"
    response = client.post(_password_url(target), {"password": new, "password_again": new})
    assert response.status_code in (403, 404)
    assert User.objects.get(pk=target.pk).password == before


def test_an_organizations_admin_cannot_set_a_site_administrators_password(client, cast, orgs):
    site = User.objects.create(username="the-site", is_superuser=True, is_staff=True)
    StaffProfile.objects.create(user=site, organization=orgs[0])
    client.force_login(cast["admin_a"])
    new = "Kita-no-daichi-2026"
    assert (
        client.post(_password_url(site), {"password": new, "password_again": new}).status_code
        == 404
    )
    site.refresh_from_db()
    assert not site.check_password(new)


def test_an_admin_setting_their_own_password_stays_signed_in(client, cast):
    admin = cast["admin_a"]
    client.force_login(admin)
    new = "Kita-no-daichi-2026"
    response = client.post(_password_url(admin), {"password": new, "password_again": new})
    assert response.status_code == 302
    assert client.get("/manage/staff/").status_code == 200  # still signed in
    admin.refresh_from_db()
    assert admin.check_password(new)


def test_a_nul_in_a_name_is_refused_with_the_words_every_form_uses(client, cast):
    from kpi.forms import NULL_CHARACTER

    client.force_login(cast["admin_a"])
    response = client.post("/manage/staff/new/", _new_member(cast["dept_a"], first_name="花\x00子"))
    assert response.status_code == 400
    assert NULL_CHARACTER in response.content.decode()
