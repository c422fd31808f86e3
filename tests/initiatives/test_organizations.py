"""Organizations (issue 14): the 全国地方公共団体コード, the constraints, the upgrade's migration,
and which organization a plan file's plan and departments go to."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from initiatives.models import Organization, Plan
from kpi import plan_io
from kpi.models import Department, StaffProfile
from smartdocho import lg_codes
from tests.conftest import ROOT
from tests.factories import make_organization, make_plan

TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"


@pytest.mark.parametrize(
    "code", ["010006", "011002", "221309", "130001", "131016", "271004", "472018"]
)
def test_known_codes_pass_their_check_digit(code):
    assert lg_codes.is_valid(code)


@pytest.mark.parametrize("code", ["010007", "01100", "0110021", "01100２", "abcdef", ""])
def test_a_wrong_check_digit_or_shape_is_refused(code):
    assert not lg_codes.is_valid(code)


def test_remainders_zero_and_one_give_check_digits_one_and_zero():
    # 11 − 0 = 11 → 1; 11 − 1 = 10 → 0: the last digit of the difference.
    assert lg_codes.check_digit("00000") == 1
    assert lg_codes.check_digit("00300") == 0  # 3×4 = 12, remainder 1
    assert lg_codes.check_digit("10000") == 5  # 1×6 = 6, 11 − 6


@pytest.mark.django_db
def test_the_model_refuses_a_wrong_check_digit_in_japanese():
    org = Organization(slug="x", name="札幌市", kind="municipality", code="011003")
    with pytest.raises(ValidationError) as err:
        org.full_clean()
    assert "検査数字" in str(err.value.message_dict["code"])


@pytest.mark.django_db
def test_the_database_keeps_codes_six_digits_and_unique_when_set():
    Organization.objects.create(slug="a", name="札幌市", code="011002")
    Organization.objects.create(slug="b", name="組合甲")  # no code: several may have none
    Organization.objects.create(slug="c", name="組合乙")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(slug="d", name="札幌市（重複）", code="011002")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(slug="e", name="短い", code="01100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(slug="f", name="", code="")


@pytest.mark.django_db
def test_a_plan_cannot_be_without_its_organization_nor_take_it_with_it():
    plan = make_plan("p", pillars=1, kpis_per_pillar=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(organization=None)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        plan.organization.delete()


@pytest.mark.django_db
def test_a_staff_profile_takes_a_department_of_its_organization_only(django_user_model):
    a, b = make_organization("a", "甲市"), make_organization("b", "乙市")
    dept = Department.objects.create(code="d", name="情報課", organization=b)
    profile = StaffProfile(user=django_user_model.objects.create(username="u"), organization=a)
    profile.department = dept
    with pytest.raises(ValidationError):
        profile.full_clean()


@pytest.mark.django_db
def test_an_old_plan_file_gets_an_organization_and_its_departments_join_it():
    body = TEMPLATE.read_bytes()
    assert b"initiatives.organization" not in body
    report = plan_io.import_plan(body, TEMPLATE.name)
    assert report.applied, report.problems
    plan = Plan.objects.get(slug="example-city-dx-1")
    assert plan.organization.name == plan.government
    departments = Department.objects.filter(kpis__plan=plan).distinct()
    assert departments and all(d.organization_id == plan.organization_id for d in departments)
    # Loading it again finds the same organization.
    assert plan_io.import_plan(body, TEMPLATE.name).applied
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_export_names_the_organization_and_reads_back(policy):
    body = plan_io.export_plan(policy.slug)
    assert (
        "initiatives.organization" in body
        and "organization:\n    - hokkaido" in body
        or ("organization: [hokkaido]" in body or "- hokkaido" in body)
    )
    report = plan_io.import_plan(body.encode(), "plan.yaml", dry_run=True)
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_makes_one_organization_per_government():
    executor = MigrationExecutor(connection)
    before = [("initiatives", "0005_target_shapes"), ("kpi", "0010_target_shapes")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    OldPlan = apps.get_model("initiatives", "Plan")
    OldDepartment = apps.get_model("kpi", "Department")
    OldProfile = apps.get_model("kpi", "StaffProfile")
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    for slug, government, current in (
        ("a", "甲県", True),
        ("b", "乙市", False),
        ("c", "甲県", False),
    ):
        OldPlan.objects.create(
            slug=slug, government=government, title=slug, first_fy=2022, last_fy=2025,
            is_current=current,
        )  # fmt: skip
    dept = OldDepartment.objects.create(code="d", name="情報課")
    OldProfile.objects.create(user=User.objects.create(username="editor"), department=dept)
    viewer = User.objects.create(username="viewer")
    viewer.groups.add(Group.objects.get_or_create(name="閲覧者")[0])
    User.objects.create(username="nobody")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    orgs = {o.name: o for o in Organization.objects.all()}
    assert sorted(orgs) == ["乙市", "甲県"]
    assert orgs["甲県"].kind == "prefecture" and orgs["乙市"].kind == "municipality"
    assert {p.slug: p.organization.name for p in Plan.objects.all()} == {
        "a": "甲県",
        "b": "乙市",
        "c": "甲県",
    }
    assert Department.objects.get(code="d").organization == orgs["甲県"]
    profiles = {p.user.username: p.organization for p in StaffProfile.objects.all()}
    assert profiles == {"editor": orgs["甲県"], "viewer": orgs["甲県"]}
