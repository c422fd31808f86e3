"""The first README command's setup step: real policy, sample values, demo users, and the
invented second organization サンプル市（架空） with its plan, values and users."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives.models import Organization, Plan
from kpi import plan_io
from kpi import roles as kpi_roles
from kpi.models import Department, Kpi, KpiValue, TargetBasis, TargetKind
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

PLAN = ROOT / "fixtures" / "hokkaido_smart_docho_3.yaml"
CITY_PLAN = ROOT / "fixtures" / "sample_city_dx_1.yaml"
REAL = "hokkaido-smart-docho-3"
CITY = "sample-city-dx-1"
DEMO_USERS = {"admin", "editor", "editor2", "viewer", "reviewer", "city-admin", "city-editor"}


def _counts(slug: str) -> tuple[int, int]:
    return Kpi.objects.filter(plan__slug=slug).count(), KpiValue.objects.filter(
        kpi__plan__slug=slug
    ).count()


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "initiatives", "kpi", "auth", stdout=out)
    return out.getvalue()


def test_setup_demo_loads_everything_and_running_it_again_changes_nothing(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    counts = (Plan.objects.count(), _counts(REAL), _counts(CITY))
    assert counts == (2, (16, 58), (15, 28))
    users = get_user_model().objects
    assert set(users.values_list("username", flat=True)) == DEMO_USERS
    editor = users.get(username="editor")
    assert editor.check_password("smartdocho-editor")
    assert editor.staff_profile.department.name == "情報政策課"
    assert list(editor.groups.values_list("name", flat=True)) == ["入力担当"]
    call_command("setup_demo", verbosity=0)
    assert (Plan.objects.count(), _counts(REAL), _counts(CITY)) == counts
    assert users.count() == len(DEMO_USERS)


def test_setup_demo_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", verbosity=0)
    assert not get_user_model().objects.exists()


def _demo(settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=io.StringIO())


def test_running_setup_demo_again_keeps_what_staff_entered(settings):
    _demo(settings)
    value = KpiValue.objects.get(kpi__plan__slug=REAL, kpi__code="1-2", fiscal_year=2025)
    value.value, value.note = Decimal(999), "職員が入力"
    value.save()
    new_dept = Department.objects.create(code="other", name="別の課")
    kpi = Kpi.objects.get(plan__slug=REAL, code="1-1")
    kpi.department = new_dept
    kpi.save()
    Kpi.objects.filter(plan__slug=REAL, code="3-1").update(department=None)  # cleared
    city_value = KpiValue.objects.get(kpi__plan__slug=CITY, kpi__code="1-1", fiscal_year=2024)
    city_value.value = Decimal("12.3")
    city_value.save()
    plan = Plan.objects.get(slug=REAL)
    plan.threshold_on_track = Decimal("0.9")
    plan.save()
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("changed-by-editor")
    editor.groups.clear()
    editor.save()
    before = _dump()
    out = io.StringIO()
    settings.DEBUG = True
    call_command("setup_demo", stdout=out)
    assert _dump() == before
    said = out.getvalue()
    assert "方針はすでにあるため、そのままにしました" in said
    assert "サンプル値は読み込みませんでした" in said
    assert "サンプル市（架空）の方針はすでにあるため、そのままにしました。" in said
    assert "すでにある利用者はそのままにしました: admin, editor, editor2, viewer" in said
    assert KpiValue.objects.get(pk=value.pk).value == Decimal(999)
    assert KpiValue.objects.get(pk=city_value.pk).value == Decimal("12.3")
    assert get_user_model().objects.get(username="editor").check_password("changed-by-editor")


def test_setup_demo_loads_sample_values_only_into_a_plan_without_values(settings):
    settings.DEBUG = True
    call_command("loaddata", "hokkaido_smart_docho_3", verbosity=0)
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert _counts(REAL) == (16, 58) and "架空のサンプル値を読み込みました" in out.getvalue()


def test_importing_the_file_setup_demo_loaded_changes_nothing(settings):
    _demo(settings)
    departments = dict(Kpi.objects.filter(plan__slug=REAL).values_list("code", "department__code"))
    assert all(departments.values())  # every KPI has a department after setup_demo
    before = _dump()
    report = plan_io.import_plan(PLAN.read_bytes(), PLAN.name, dry_run=True)
    assert report.ok and not report.updated and not report.changes
    assert dict(report.unchanged)["成果指標（KPI）"] == 16
    out = io.StringIO()
    call_command("import_plan", str(PLAN), stdout=out)
    assert "変更:" not in out.getvalue()
    assert _dump() == before
    assert (
        dict(Kpi.objects.filter(plan__slug=REAL).values_list("code", "department__code"))
        == departments
    )


def test_an_edited_plan_file_reports_each_change_and_keeps_what_it_does_not_mention(settings):
    _demo(settings)
    plan = Plan.objects.get(slug=REAL)
    plan.threshold_on_track = Decimal("0.9")
    plan.save()
    text = PLAN.read_text(encoding="utf-8").replace("target_value: '288'", "target_value: '300'")
    report = plan_io.import_plan(text.encode("utf-8"), PLAN.name, dry_run=True)
    assert [(c.key, c.field, c.old, c.new) for c in report.changes] == [
        (
            '["hokkaido-smart-docho-3", "1-2"]',
            "目標値（維持では基準とする値、範囲では下限） (target_value)",
            "288",
            "300",
        )
    ]
    assert dict(report.updated) == {"成果指標（KPI）": 1}
    applied = plan_io.import_plan(text.encode("utf-8"), PLAN.name)
    assert applied.applied
    kpi = Kpi.objects.get(plan__slug=REAL, code="1-2")
    assert kpi.target_value == Decimal(300) and kpi.department.code == "joho-seisaku"
    assert Plan.objects.get(slug=REAL).threshold_on_track == Decimal("0.9")


def test_loaded_values_and_kpis_start_their_history_so_a_first_edit_shows_the_old_value(
    settings, client
):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    for model in (Kpi, KpiValue):
        for obj in model.objects.all():
            first = obj.history.earliest()
            assert first.history_type == "+", obj
    value = KpiValue.objects.get(kpi__plan__slug=REAL, kpi__code="3-2", fiscal_year=2023)
    before = value.value
    value.value = before + 1
    value.save()
    latest = value.history.latest()
    assert latest.prev_record is not None and latest.prev_record.value == before
    # As of today the loaded values were there.
    client.force_login(get_user_model().objects.get(username="viewer"))
    from django.utils import timezone

    html = client.get(
        f"/plans/hokkaido-smart-docho-3/kpis/3-2/?history_date={timezone.localdate():%Y-%m-%d}"
    ).content.decode()
    assert "この日には実績値がありませんでした" not in html
    # Running it again adds no second first row.
    call_command("setup_demo", verbosity=0)
    assert value.history.filter(history_type="+").count() == 1


def test_the_sample_city_is_a_second_organization_with_its_own_staff(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    city = Plan.objects.get(slug=CITY).organization
    hokkaido = Plan.objects.get(slug=REAL).organization
    assert city != hokkaido and city.name == "サンプル市（架空）" and city.code == ""
    users = get_user_model().objects
    for username, role in (("city-admin", kpi_roles.ADMIN), ("city-editor", kpi_roles.EDITOR)):
        user = users.get(username=username)
        assert user.check_password(f"smartdocho-{username}")
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.staff_profile.organization == city and not user.is_superuser
    editor = users.get(username="city-editor")
    assert editor.staff_profile.department.organization == city
    assert Kpi.objects.filter(plan__slug=CITY, department=editor.staff_profile.department)
    for username in ("editor", "editor2", "viewer", "reviewer"):
        assert users.get(username=username).staff_profile.organization == hokkaido
    # Its departments are its own.
    assert set(Department.objects.filter(organization=city)) == set(
        Department.objects.filter(kpis__plan__slug=CITY)
    )


def test_the_sample_citys_plan_shows_every_target_shape_and_only_sample_values(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    kpis = Kpi.objects.filter(plan__slug=CITY)
    assert set(kpis.values_list("target_kind", flat=True)) == set(TargetKind.values)
    assert set(kpis.values_list("target_basis", flat=True)) == set(TargetBasis.values)
    plan = Plan.objects.get(slug=CITY)
    shapes = {
        "cumulative": kpis.filter(cumulative=True),
        "no baseline": kpis.filter(baseline_value__isnull=True),
        "approximate baseline": kpis.filter(baseline_approximate=True),
        "target past the plan": kpis.filter(target_fy__gt=plan.last_fy),
        "condition": kpis.exclude(target_condition=""),
        "provisional": kpis.filter(is_provisional=True),
        "components": kpis.filter(parent__isnull=False),
        "yearly targets": kpis.filter(yearly_targets__isnull=False),
        "lower is better": kpis.filter(direction="lower"),
    }
    assert [name for name, found in shapes.items() if not found.exists()] == []
    values = KpiValue.objects.filter(kpi__plan__slug=CITY)
    assert values.exists() and not values.filter(is_sample=False).exists()
    assert "架空" in plan.government and "架空" in plan.title
    # The file the plan came from loads as a plan file too: nothing to change.
    report = plan_io.import_plan(CITY_PLAN.read_bytes(), CITY_PLAN.name, dry_run=True)
    assert report.ok and not report.updated and not report.changes


def test_the_sample_city_gets_its_values_even_when_hokkaido_already_has_some(settings):
    settings.DEBUG = True
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)
    call_command("setup_demo", verbosity=0)
    assert _counts(CITY) == (15, 28)
    assert Organization.objects.count() == 2
