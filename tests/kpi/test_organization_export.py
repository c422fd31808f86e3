"""Issue 14: department codes are per organization, and one organization moves between
installations as one file (`export_plan --organization`, loaded with `import_plan`)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from initiatives.models import Organization
from kpi import plan_io, roles
from kpi.models import Department, Kpi, StaffProfile
from kpi.plan_organizations import USER_OF_ANOTHER_ORGANIZATION
from tests.factories import make_organization, make_plan
from tests.kpi.plan_books import book, kpi_row

User = get_user_model()


def _organization(slug: str, name: str, code: str, plan_slug: str, staff: str) -> Organization:
    """An organization with a plan whose two KPIs belong to its `somu` and `joho-seisaku`, and
    one editor in `somu`."""
    org = make_organization(slug, name, code=code, kind="municipality")
    plan = make_plan(plan_slug, pillars=1, kpis_per_pillar=2, organization=org)
    somu = Department.objects.create(organization=org, code="somu", name=f"{name}総務課")
    joho = Department.objects.create(organization=org, code="joho-seisaku", name=f"{name}情報課")
    for kpi in Kpi.objects.filter(plan=plan):  # saved one by one: each with its history
        kpi.department = somu if kpi.code == "g1-1" else joho
        kpi.save()
    user = User.objects.create_user(staff, password="not-in-the-file-1234", email=f"{staff}@x.jp")
    user.groups.add(Group.objects.get_or_create(name=roles.EDITOR)[0])
    StaffProfile.objects.create(user=user, department=somu, organization=org)
    return org


def _a() -> Organization:
    return _organization("sapporo", "札幌市", "011002", "plan-a", "tanaka")


def _b() -> Organization:
    return _organization("chiyoda", "千代田区", "131016", "plan-b", "suzuki")


def _departments() -> list[tuple]:
    return sorted(Department.objects.values_list("organization__slug", "code", "name"))


def _kpi_departments() -> list[tuple]:
    return sorted(Kpi.objects.values_list("plan__slug", "code", "department__organization__slug"))


# --- department codes per organization ---------------------------------------------------------


@pytest.mark.django_db
def test_two_organizations_use_the_same_department_code():
    _a(), _b()
    assert Department.objects.filter(code="somu").count() == 2
    assert _kpi_departments() == [
        ("plan-a", "g1-1", "sapporo"),
        ("plan-a", "g1-2", "sapporo"),
        ("plan-b", "g1-1", "chiyoda"),
        ("plan-b", "g1-2", "chiyoda"),
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_department_code_twice_in_one_organization():
    org = _a()
    duplicate = Department(organization=org, code="somu", name="もう一つの総務課")
    with pytest.raises(ValidationError) as err:
        duplicate.full_clean()
    assert "この団体には同じ識別子の所管課がすでにあります。" in str(err.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    Department.objects.create(code="loose", name="未定")
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(code="loose", name="未定2")


@pytest.mark.django_db
def test_a_plan_file_names_a_department_with_its_organization():
    _a(), _b()
    text = plan_io.export_plan("plan-a")
    assert "department:\n    - sapporo\n    - somu" in text
    assert "chiyoda" not in text
    report = plan_io.import_plan(text.encode(), "plan-a.yaml")
    assert report.ok and not report.changes and not report.created


@pytest.mark.django_db
def test_an_old_file_naming_a_department_by_code_alone_stays_in_its_plans_organization():
    _a(), _b()
    before = _departments()
    old = (
        "- {model: kpi.department, fields: {code: somu, name: 札幌市総務局}}\n"
        "- {model: kpi.kpi, fields: {plan: [plan-a], code: g1-2, department: [somu]}}\n"
    )
    report = plan_io.import_plan(old.encode(), "old.yaml")
    assert report.ok, report.problems
    assert Department.objects.get(organization__slug="sapporo", code="somu").name == "札幌市総務局"
    assert (
        Department.objects.get(organization__slug="chiyoda", code="somu").name == "千代田区総務課"
    )
    assert Kpi.objects.get(plan__slug="plan-a", code="g1-2").department.organization.slug == (
        "sapporo"
    )
    assert len(_departments()) == len(before)


@pytest.mark.django_db
def test_an_organization_admins_file_naming_somu_never_touches_another_organizations():
    a, _ = _a(), _b()
    file = (
        "- {model: kpi.department, fields: {code: somu, name: 書き換え}}\n"
        "- {model: kpi.department, fields: {code: shinki, name: 新しい課}}\n"
    )
    report = plan_io.import_plan(file.encode(), "a.yaml", organization=a)
    assert report.ok, report.problems
    assert Department.objects.get(organization__slug="sapporo", code="somu").name == "書き換え"
    assert (
        Department.objects.get(organization__slug="chiyoda", code="somu").name == "千代田区総務課"
    )
    assert Department.objects.get(code="shinki").organization == a
    refused = (
        "- {model: kpi.kpi, fields: {plan: [plan-a], code: g1-1, department: [chiyoda, somu]}}"
    )
    with pytest.raises(plan_io.PlanFileError):
        plan_io.import_plan(refused.encode(), "a.yaml", organization=a)


@pytest.mark.django_db
def test_the_example_plan_loads_beside_an_organization_with_other_departments():
    _b()
    path = "fixtures/examples/example_prefecture_plan.yaml"
    with open(path, "rb") as f:
        report = plan_io.import_plan(f.read(), "example.yaml")
    assert report.ok, report.problems
    plan_orgs = {
        k.department.organization_id
        for k in Kpi.objects.filter(plan__slug__startswith="example")
        if k.department
    }
    (org,) = plan_orgs
    assert Organization.objects.get(pk=org).slug != "chiyoda"


# --- one organization as one file --------------------------------------------------------------


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_plan", *args, stdout=out)
    return out.getvalue()


def _import(path) -> str:
    out = io.StringIO()
    call_command("import_plan", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_an_organization_file_holds_its_plans_departments_and_staff_only():
    _a(), _b()
    make_plan(
        "plan-a2",
        pillars=1,
        kpis_per_pillar=1,
        organization=Organization.objects.get(slug="sapporo"),
    )
    text = _export("--organization", "011002", "--with-values")
    assert text == _export("--organization", "sapporo", "--with-values")
    assert "slug: plan-a\n" in text and "slug: plan-a2\n" in text
    assert "tanaka" in text and "suzuki" not in text and "chiyoda" not in text
    assert "pbkdf2" not in text and "password" not in text
    assert "kpi.kpivalue" in text
    assert "kpi.kpivalue" not in _export("--organization", "sapporo")


@pytest.mark.django_db
def test_export_of_an_unknown_organization_is_refused():
    with pytest.raises(CommandError, match="団体が見つかりません"):
        _export("--organization", "nowhere")
    with pytest.raises(CommandError, match="同時に指定できません"):
        _export("plan-a", "--organization", "nowhere")


# flush (TRUNCATE) inside the test's transaction is refused by PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_an_organization_moves_into_an_installation_with_the_same_department_codes(tmp_path):
    _a()
    first = _export("--organization", "sapporo", "--with-values")
    path = tmp_path / "sapporo.yaml"
    path.write_text(first, encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    _b()
    b_before = (_departments(), sorted(Kpi.objects.values_list("code", "department__name")))
    _import(path)
    assert _export("--organization", "sapporo", "--with-values") == first  # round trip
    assert Organization.objects.get(slug="sapporo").code == "011002"
    assert Department.objects.filter(code="somu").count() == 2
    tanaka = User.objects.get(username="tanaka")
    assert not tanaka.has_usable_password()  # an administrator sets one (changepassword)
    assert tanaka.staff_profile.department.organization.slug == "sapporo"
    assert list(tanaka.groups.values_list("name", flat=True)) == [roles.EDITOR]
    b = Organization.objects.get(slug="chiyoda")
    assert (
        sorted(
            Department.objects.filter(organization=b).values_list(
                "organization__slug", "code", "name"
            )
        ),
        sorted(Kpi.objects.filter(plan__slug="plan-b").values_list("code", "department__name")),
    ) == (
        [d for d in b_before[0] if d[0] == "chiyoda"],
        [("g1-1", "千代田区総務課"), ("g1-2", "千代田区情報課")],
    )
    # Loading the same file twice changes nothing.
    again = _import(path)
    assert "新規:" not in again and "変更:" not in again
    assert _export("--organization", "sapporo", "--with-values") == first


@pytest.mark.django_db(transaction=True)
def test_an_organization_is_found_by_its_code_under_another_slug(tmp_path):
    _a()
    path = tmp_path / "sapporo.yaml"
    path.write_text(_export("--organization", "sapporo"), encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    Organization.objects.create(
        slug="sapporo-city", name="札幌市", kind="municipality", code="011002"
    )
    _import(path)
    assert list(Organization.objects.values_list("slug", flat=True)) == ["sapporo-city"]
    assert Department.objects.get(code="somu").organization.slug == "sapporo-city"
    assert Kpi.objects.filter(plan__organization__slug="sapporo-city").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_user_name_of_another_organizations_user_is_refused_never_merged(tmp_path):
    _a()
    path = tmp_path / "sapporo.yaml"
    path.write_text(_export("--organization", "sapporo", "--with-values"), encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    b = _b()
    other = User.objects.create_user("tanaka", password="b-own-password-1234")
    StaffProfile.objects.create(user=other, organization=b)
    before = (_departments(), Organization.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="何も書き込んでいません"):
        call_command("import_plan", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    message = USER_OF_ANOTHER_ORGANIZATION.format(name="tanaka", owner="団体「千代田区」の利用者")
    assert message in err.getvalue()
    assert (_departments(), Organization.objects.count(), User.objects.count()) == before
    other.refresh_from_db()
    assert other.check_password("b-own-password-1234")
    assert other.staff_profile.organization == b


@pytest.mark.django_db
def test_a_workbooks_department_is_found_in_its_plans_organization():
    b = make_organization("chiyoda", "千代田区", code="131016")
    Department.objects.create(organization=b, code="joho", name="情報政策課")
    content = book([kpi_row()])  # 所管課 情報政策課
    report = plan_io.import_plan(content, "town.xlsx")
    assert report.ok, report.problems
    kpi = Kpi.objects.select_related("department", "plan").get(plan__slug="test-town-dx")
    assert kpi.department.organization_id == kpi.plan.organization_id != b.pk
    assert list(Department.objects.filter(organization=b).values_list("code", "name")) == [
        ("joho", "情報政策課")
    ]
    # Loaded again, the plan's organization's own 情報政策課 is found by its name, whatever code.
    Department.objects.filter(pk=kpi.department_id).update(code="joho-town")
    report = plan_io.import_plan(content, "town.xlsx")
    assert report.ok and not report.new and not report.changes, report.changes
    assert Kpi.objects.get(plan__slug="test-town-dx").department.code == "joho-town"
