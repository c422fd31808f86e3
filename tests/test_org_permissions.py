"""Organizations (issue 14): every role acts only inside its own organization.

Two organizations, A and B, each with a plan, a department owning its KPIs and led items, a
preliminary value, a final value, a submitted progress entry and a submitted commentary, and a
user in every role. For every non-public view and every action, the test asks as each role of A,
of A's own plan (the answer the role gives) and of B's (refused, 403, and nothing changes). The
public pages of B stay open to A's staff, with final values only. A check that forgets the
organization answers B's request as it answers A's, and fails here.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from initiatives.models import InitiativeItem, Organization
from kpi import plan_io
from kpi import roles as kpi_roles
from kpi.models import Department, Kpi, KpiValue, PublishedReport, StaffProfile, TargetRevision
from narratives import roles as narrative_roles
from narratives import services as narrative_services
from narratives.models import InitiativeProgress, ItemDepartment, KpiCommentary
from tests.factories import make_plan

pytestmark = pytest.mark.django_db

ROLES = ["admin", "editor", "reviewer", "viewer"]
GROUPS = {
    "admin": kpi_roles.ADMIN,
    "editor": kpi_roles.EDITOR,
    "reviewer": narrative_roles.REVIEWER,
    "viewer": kpi_roles.VIEWER,
}
ORGS = {"a": ("札幌市", "011002"), "b": ("浜松市", "221309")}
PRELIMINARY = "7,777"  # KPI g1-1's preliminary R6 value, as pages show it
DRAFT_TEXT = "提出中の取組実績（未承認）"
FY = 2024


def _build(key: str) -> dict:
    name, code = ORGS[key]
    org = Organization.objects.create(slug=f"org-{key}", name=name, kind="municipality", code=code)
    plan = make_plan(f"plan-{key}", organization=org, pillars=1, kpis_per_pillar=2)
    dept = Department.objects.create(code=f"dept-{key}", name=f"{name}情報課", organization=org)
    Kpi.objects.filter(plan=plan).update(department=dept)
    KpiValue.objects.filter(kpi__plan=plan, kpi__code="g1-1", fiscal_year=FY).update(
        value=Decimal(7777), status="preliminary"
    )
    item = InitiativeItem.objects.select_related("pillar__plan").get(pillar__plan=plan)
    ItemDepartment.objects.create(item=item, department=dept, is_lead=True)
    users = {}
    for role, group in GROUPS.items():
        user = get_user_model().objects.create(username=f"{role}-{key}", is_staff=role == "admin")
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        department = None if role == "viewer" else dept
        StaffProfile.objects.create(user=user, organization=org, department=department)
        users[role] = user
    narrative_services.progress_save(
        user=users["editor"],
        item=item,
        fiscal_year=FY,
        data=narrative_services.ProgressInput(done=DRAFT_TEXT, rating="B"),
        version=0,
        submit=True,
    )
    narrative_services.commentary_save(
        user=users["editor"],
        kpi=Kpi.objects.select_related("plan").get(plan=plan, code="g1-1"),
        fiscal_year=FY,
        data=narrative_services.CommentaryInput(reason="要因の分析（未承認）"),
        version=0,
        submit=True,
    )
    return {"org": org, "plan": plan, "users": users, "prefix": f"/plans/{plan.slug}/"}


@pytest.fixture
def world(db) -> dict:
    world = {key: _build(key) for key in ORGS}
    world["site"] = get_user_model().objects.create(
        username="site", is_staff=True, is_superuser=True
    )
    return world


def _state(plan) -> tuple:
    """Everything of the plan that a write could change."""
    return (
        sorted(
            KpiValue.objects.filter(kpi__plan=plan).values_list(
                "kpi__code", "fiscal_year", "value", "status", "version"
            )
        ),
        TargetRevision.objects.filter(kpi__plan=plan).count(),
        PublishedReport.objects.filter(plan=plan).count(),
        sorted(
            InitiativeProgress.objects.filter(item__pillar__plan=plan).values_list(
                "state", "version", "done"
            )
        ),
        sorted(KpiCommentary.objects.filter(kpi__plan=plan).values_list("state", "version")),
        sorted(Kpi.objects.filter(plan=plan).values_list("code", "name", "department_id")),
    )


def _version(model, **where) -> int:
    return model.objects.get(**where).version


# --- the actions: how to ask, and the answer each role gives in its own organization ------


def _publish_data(client, world, target) -> dict:
    """The publish form as the site administrator was shown it (its confirmation token)."""
    url = world[target]["prefix"] + f"reports/{FY}/publish/"
    client.force_login(world["site"])
    html = client.get(url).content.decode()
    client.logout()
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)
    return {"confirm": token, "office": "情報課", "values": "final_only", "as_sample": "on"}


def _upload(client, world, target) -> dict:
    plan = world[target]["plan"]
    version = _version(KpiValue, kpi__plan=plan, kpi__code="g1-1", fiscal_year=FY)
    csv = f"コード,成果指標,年度,実績値,状態,版\ng1-1,生成指標1-1,{FY},8888,速報値,{version}\n"
    return {"file": SimpleUploadedFile("values.csv", csv.encode("utf-8-sig"))}


def _review(action: str):
    def data(client, world, target):
        plan = world[target]["plan"]
        version = _version(InitiativeProgress, item__pillar__plan=plan, fiscal_year=FY)
        return {"action": action, "version": version, "comment": "確認しました。"}

    return data


def _review_commentary(client, world, target):
    plan = world[target]["plan"]
    version = _version(KpiCommentary, kpi__plan=plan, fiscal_year=FY)
    return {"action": "approve", "version": version, "comment": ""}


def _save_progress(client, world, target):
    plan = world[target]["plan"]
    version = _version(InitiativeProgress, item__pillar__plan=plan, fiscal_year=FY)
    return {"action": "save", "version": version, "done": "書き換え", "rating": "A"}


def _reopen(client, world, target):
    plan = world[target]["plan"]
    version = _version(KpiValue, kpi__plan=plan, kpi__code="g1-1", fiscal_year=2023)
    return {"version": version, "reason": "訂正依頼"}


def _revise(client, world, target):
    return {
        "effective_fy": 2024,
        "target_fy": 2025,
        "kind": "at_least",
        "value": "300",
        "decided_on": "2024-03-31",
        "reason": "見直し",
    }


def _entry_post(client, world, target):
    plan = world[target]["plan"]
    kpi = Kpi.objects.get(plan=plan, code="g1-1")
    version = _version(KpiValue, kpi=kpi, fiscal_year=FY)
    return {
        "v-TOTAL_FORMS": "1",
        "v-INITIAL_FORMS": "0",
        "v-0-kpi_id": kpi.pk,
        "v-0-value": "9999",
        "v-0-status": "final",
        "v-0-version": version,
    }


def _import_plan(client, world, target):
    body = plan_io.export_plan(world[target]["plan"].slug).replace("テスト計画", "書き換えた計画")
    return {"file": SimpleUploadedFile("plan.yaml", body.encode())}


ITEM = "pillars/1/items/1/"
OK, NO, FOUND = 200, 403, 302
# name: (method, path under the plan, data builder or None, own organization's answers by role)
ACTIONS = {
    "entry page": ("get", f"entry/{FY}/", None, (OK, OK, NO, NO)),
    "entry status board": ("get", f"entry/{FY}/status/", None, (OK, NO, NO, NO)),
    "upload page": ("get", f"entry/{FY}/upload/", None, (OK, OK, NO, NO)),
    "values template csv": ("get", f"entry/{FY}/template.csv", None, (OK, OK, NO, NO)),
    "values template xlsx": ("get", f"entry/{FY}/template.xlsx", None, (OK, OK, NO, NO)),
    "revise target page": ("get", "kpis/g1-1/revise/", None, (OK, NO, NO, NO)),
    "narratives board": ("get", f"entry/{FY}/narratives/", None, (OK, OK, OK, NO)),
    "progress page": ("get", f"{ITEM}progress/{FY}/", None, (OK, OK, OK, NO)),
    "commentary page": ("get", f"kpis/g1-1/commentary/{FY}/", None, (OK, OK, OK, NO)),
    "publish page": ("get", f"reports/{FY}/publish/", None, (OK, NO, NO, NO)),
    "save values": ("post", f"entry/{FY}/", _entry_post, None),
    "upload values": ("post", f"entry/{FY}/upload/", _upload, None),
    "reopen a final value": ("post", "entry/2023/reopen/g1-1/", _reopen, (FOUND, NO, NO, NO)),
    "revise a target": ("post", "kpis/g1-1/revise/", _revise, (FOUND, NO, NO, NO)),
    "publish a report": ("post", f"reports/{FY}/publish/", _publish_data, None),
    "save progress": ("post", f"{ITEM}progress/{FY}/", _save_progress, None),
    "approve progress": ("post", f"{ITEM}progress/{FY}/", _review("approve"), (FOUND, NO, FOUND, NO)),
    "return progress": ("post", f"{ITEM}progress/{FY}/", _review("return"), (FOUND, NO, FOUND, NO)),
    "withdraw progress": ("post", f"{ITEM}progress/{FY}/", _review("withdraw"), (FOUND, FOUND, NO, NO)),
    "approve commentary": (
        "post",
        f"kpis/g1-1/commentary/{FY}/",
        _review_commentary,
        (FOUND, NO, FOUND, NO),
    ),
}  # fmt: skip


def _ask(client, world, target: str, action: str, user):
    """`action` on the plan of organization `target`, asked by `user`."""
    method, path, data, _own = ACTIONS[action]
    payload = data(client, world, target) if data else None  # before signing in: see publish
    client.force_login(user)
    url = world[target]["prefix"] + path
    return client.post(url, payload) if method == "post" else client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_another_organizations_staff_are_refused_and_nothing_changes(client, world, action, role):
    before = _state(world["b"]["plan"])
    response = _ask(client, world, "b", action, world["a"]["users"][role])
    assert response.status_code == 403
    assert "できません" in response.content.decode() or "だけ" in response.content.decode()
    assert _state(world["b"]["plan"]) == before


OWN = [(action, role) for action, spec in ACTIONS.items() if spec[3] for role in ROLES]


@pytest.mark.parametrize(("action", "role"), OWN)
def test_each_role_acts_in_its_own_organization(client, world, action, role):
    response = _ask(client, world, "a", action, world["a"]["users"][role])
    assert response.status_code == ACTIONS[action][3][ROLES.index(role)]


PUBLIC = ["", "pillars/1/", "kpis/g1-1/", ITEM, f"reports/{FY}/", "export.json", "export.csv"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PUBLIC)
def test_another_organizations_public_pages_stay_public_with_final_values_only(
    client, world, path, role
):
    client.force_login(world["a"]["users"][role])
    own = client.get(world["a"]["prefix"] + path)
    other = client.get(world["b"]["prefix"] + path)
    assert own.status_code == other.status_code == 200
    other_text = other.content.decode()
    assert PRELIMINARY not in other_text and "7777" not in other_text
    assert DRAFT_TEXT not in other_text and "変更履歴" not in other_text
    if path in ("kpis/g1-1/", "export.json") and role != "reviewer":
        # Their own organization's staff see its preliminary values (a 承認者 alone does not:
        # reviewers read drafts, and values through 閲覧者).
        own_text = own.content.decode()
        assert PRELIMINARY in own_text or "7777" in own_text


@pytest.mark.parametrize("role", ROLES)
def test_another_organizations_plan_cannot_be_imported(client, world, role):
    before = _state(world["b"]["plan"])
    client.force_login(world["a"]["users"][role])
    response = client.post("/manage/import-plan/", _import_plan(client, world, "b"))
    assert response.status_code == 403
    assert "できません" in response.content.decode() or "別の団体" in response.content.decode()
    assert _state(world["b"]["plan"]) == before
    assert world["b"]["plan"].title == type(world["b"]["plan"]).objects.get(slug="plan-b").title


@pytest.mark.parametrize(
    "record",
    [
        "{model: initiatives.pillar, fields: {plan: [plan-b], number: 1, title: 書き換え}}",
        "{model: kpi.department, fields: {organization: [org-b], code: dept-b, name: 書き換え}}",
        "{model: kpi.kpi, fields: {plan: [plan-a], code: g1-1, department: [org-b, dept-b]}}",
        "{model: initiatives.organization, fields: {slug: org-b, name: 書き換え}}",
        "{model: kpi.kpi, fields: {plan: [plan-b], code: g1-1, name: 書き換え}}",
    ],
)
def test_a_file_touching_anything_of_another_organization_is_refused(client, world, record):
    before = _state(world["b"]["plan"])
    client.force_login(world["a"]["users"]["admin"])
    upload = SimpleUploadedFile("plan.yaml", f"- {record}\n".encode())
    response = client.post("/manage/import-plan/", {"file": upload})
    assert response.status_code == 403
    assert "別の団体" in response.content.decode()
    assert _state(world["b"]["plan"]) == before
    assert world["b"]["plan"].pillars.get().title == "柱1"
    assert Organization.objects.get(slug="org-b").name == "浜松市"
    assert Department.objects.get(code="dept-b").name == "浜松市情報課"


def test_an_organizations_admin_imports_its_own_plan(client, world):
    client.force_login(world["a"]["users"]["admin"])
    response = client.post("/manage/import-plan/", _import_plan(client, world, "a"))
    assert response.status_code == 200


def test_the_site_administrator_acts_in_every_organization(client, world):
    client.force_login(world["site"])
    for target in ("a", "b"):
        assert client.get(world[target]["prefix"] + f"entry/{FY}/status/").status_code == 200
        response = client.post(
            world[target]["prefix"] + "entry/2023/reopen/g1-1/", _reopen(client, world, target)
        )
        assert response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_the_django_admin_shows_an_organizations_admin_only_their_own_rows(client, world, role):
    client.force_login(world["a"]["users"][role])
    response = client.get("/admin/kpi/kpivalue/")
    if role != "admin":
        assert response.status_code == 302  # no staff status: the admin's login page
        return
    assert response.status_code == 200
    html = response.content.decode()
    for key, shown in (("a", True), ("b", False)):
        for pk in KpiValue.objects.filter(kpi__plan=world[key]["plan"]).values_list(
            "pk", flat=True
        ):
            assert (f"/admin/kpi/kpivalue/{pk}/change/" in html) is shown
    value_b = KpiValue.objects.filter(kpi__plan=world["b"]["plan"]).first()
    assert client.get(f"/admin/kpi/kpivalue/{value_b.pk}/change/").status_code == 404
    client.force_login(world["site"])
    assert client.get(f"/admin/kpi/kpivalue/{value_b.pk}/change/").status_code == 200


# --- the staff and department pages (/manage/): admins of their own organization only ------


def _staff_state() -> tuple:
    return (
        sorted(
            get_user_model().objects.values_list("username", "is_active", "is_staff", "last_name")
        ),
        sorted(StaffProfile.objects.values_list("user__username", "department_id")),
        sorted(
            get_user_model().groups.through.objects.values_list("user__username", "group__name")
        ),
        sorted(Department.objects.values_list("code", "name", "organization_id")),
    )


def _staff_post(world, target):
    dept = Department.objects.get(code=f"dept-{target}")
    return {"department": dept.pk, "roles": [kpi_roles.ADMIN], "last_name": "書き換え"}


def _new_staff_post(world, target):
    dept = Department.objects.get(code=f"dept-{target}")
    password = "sapporo-hamamatsu-2026"
    return {
        "username": "newcomer",
        "password": password,
        "password_again": password,
        "department": dept.pk,
        "roles": [kpi_roles.VIEWER],
        "is_active": "on",
    }


# name: (method, URL for organization `target`, data, own organization's answers by role)
MANAGE = {
    "staff list": ("get", lambda w, t: "/manage/staff/", None, (OK, NO, NO, NO)),
    "new member page": ("get", lambda w, t: "/manage/staff/new/", None, (OK, NO, NO, NO)),
    "member page": (
        "get",
        lambda w, t: f"/manage/staff/{w[t]['users']['editor'].pk}/",
        None,
        (OK, NO, NO, NO),
    ),
    "change a member": (
        "post",
        lambda w, t: f"/manage/staff/{w[t]['users']['viewer'].pk}/",
        _staff_post,
        (FOUND, NO, NO, NO),
    ),
    "add a member with the organization's department": (
        "post",
        lambda w, t: "/manage/staff/new/",
        _new_staff_post,
        (FOUND, NO, NO, NO),
    ),
    "department list": ("get", lambda w, t: "/manage/departments/", None, (OK, NO, NO, NO)),
    "department page": (
        "get",
        lambda w, t: f"/manage/departments/{Department.objects.get(code=f'dept-{t}').pk}/",
        None,
        (OK, NO, NO, NO),
    ),
    "rename a department": (
        "post",
        lambda w, t: f"/manage/departments/{Department.objects.get(code=f'dept-{t}').pk}/",
        lambda w, t: {"name": "書き換え"},
        (FOUND, NO, NO, NO),
    ),
    "delete a department": (
        "post",
        lambda w, t: f"/manage/departments/{Department.objects.get(code=f'dept-{t}').pk}/delete/",
        lambda w, t: {},
        (FOUND, NO, NO, NO),  # refused with a message: the department is in use
    ),
}
# The lists and the new pages name no object of another organization: an admin of A always
# manages A there (tests/test_staff_pages.py), so only the pages naming B's objects are asked.
MANAGE_OTHERS = [
    "member page",
    "change a member",
    "add a member with the organization's department",
    "department page",
    "rename a department",
    "delete a department",
]


def _ask_manage(client, world, target, action, user):
    method, url, data, _own = MANAGE[action]
    client.force_login(user)
    if method == "post":
        return client.post(url(world, target), data(world, target))
    return client.get(url(world, target))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", MANAGE_OTHERS)
def test_another_organizations_staff_and_departments_are_refused_and_nothing_changes(
    client, world, action, role
):
    before = _staff_state()
    response = _ask_manage(client, world, "b", action, world["a"]["users"][role])
    # An admin of A is told B's member or department does not exist (or that B's department
    # cannot be chosen); every other role is refused the page outright.
    assert response.status_code in ((404, 403) if role == "admin" else (403,))
    assert _staff_state() == before


MANAGE_OWN = [(action, role) for action in MANAGE for role in ROLES]


@pytest.mark.parametrize(("action", "role"), MANAGE_OWN)
def test_each_role_manages_staff_and_departments_as_its_role_says(client, world, action, role):
    before = _staff_state()
    response = _ask_manage(client, world, "a", action, world["a"]["users"][role])
    assert response.status_code == MANAGE[action][3][ROLES.index(role)]
    if response.status_code == NO:
        assert _staff_state() == before
