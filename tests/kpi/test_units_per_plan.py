"""Units belong to their plan (issue 12): loading or editing one plan never changes another."""

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from initiatives.models import Plan
from kpi import plan_io
from kpi.models import Kpi, Unit
from tests.conftest import ROOT

TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"
REAL = "/plans/hokkaido-smart-docho-3/"


def _template(change=None) -> bytes:
    records = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    if change:
        change(records)
    return yaml.safe_dump(records, allow_unicode=True, sort_keys=False).encode("utf-8")


def _unit_record(records, code):
    return next(r for r in records if r["model"] == "kpi.unit" and r["fields"]["code"] == code)


@pytest.mark.django_db
def test_another_plan_redefining_percent_leaves_the_first_plans_numbers_as_they_were(
    client, sample_values
):
    before = client.get(REAL + "kpis/3-1/?as_of=2024").content.decode()
    shown = Kpi.objects.get(plan__slug="hokkaido-smart-docho-3", code="3-1").values.first()
    assert f"{shown.value:.1f}" in before  # one decimal, as the plan's percent says

    def whole_percent(records):
        _unit_record(records, "percent")["fields"]["decimals"] = 0

    report = plan_io.import_plan(_template(whole_percent), "other.yaml")
    assert report.applied, report.problems
    hokkaido = Unit.objects.get(plan__slug="hokkaido-smart-docho-3", code="percent")
    other = Unit.objects.get(plan__slug="example-city-dx-1", code="percent")
    assert (hokkaido.decimals, other.decimals) == (1, 0) and hokkaido.pk != other.pk
    assert client.get(REAL + "kpis/3-1/?as_of=2024").content.decode() == before


@pytest.mark.django_db
def test_each_plans_kpis_use_only_their_own_plans_units(sample_values):
    assert plan_io.import_plan(_template(), "other.yaml").applied
    for kpi in Kpi.objects.select_related("unit"):
        assert kpi.unit.plan_id == kpi.plan_id


@pytest.mark.django_db
def test_a_kpi_naming_another_plans_unit_is_refused_and_nothing_is_written(sample_values):
    def foreign_unit(records):
        kpi = next(r for r in records if r["model"] == "kpi.kpi")
        kpi["fields"]["unit"] = ["hokkaido-smart-docho-3", "cases"]

    report = plan_io.import_plan(_template(foreign_unit), "other.yaml")
    assert not report.applied
    assert any("単位が別の方針に属しています" in p.message for p in report.problems)
    assert not Plan.objects.filter(slug="example-city-dx-1").exists()


@pytest.mark.django_db
def test_model_validation_refuses_a_unit_of_another_plan(sample_values):
    assert plan_io.import_plan(_template(), "other.yaml").applied
    kpi = Kpi.objects.get(plan__slug="hokkaido-smart-docho-3", code="2-1")
    kpi.unit = Unit.objects.get(plan__slug="example-city-dx-1", code="cases")
    with pytest.raises(ValidationError, match="単位が別の方針に属しています"):
        kpi.full_clean()


@pytest.mark.django_db
def test_the_same_unit_code_twice_in_one_plan_is_refused(sample_values):
    def twice(records):
        records.insert(
            records.index(_unit_record(records, "cases")) + 1,
            {"model": "kpi.unit", "fields": dict(_unit_record(records, "cases")["fields"])},
        )

    report = plan_io.import_plan(_template(twice), "other.yaml")
    assert not report.applied and any("重複" in p.message for p in report.problems)


@pytest.mark.django_db
def test_a_file_written_before_units_belonged_to_plans_loads_into_its_one_plan(sample_values):
    """Old files list units first, without a plan, and KPIs name a unit by code alone."""

    def old_shape(records):
        units = [r for r in records if r["model"] == "kpi.unit"]
        for u in units:
            records.remove(u)
            u["fields"].pop("plan")
        for r in records:
            if r["model"] == "kpi.kpi":
                r["fields"]["unit"] = r["fields"]["unit"][1:]
        records[:0] = units

    report = plan_io.import_plan(_template(old_shape), "old.yaml")
    assert report.applied, report.problems
    codes = set(Unit.objects.filter(plan__slug="example-city-dx-1").values_list("code", flat=True))
    assert codes == {"cases", "percent"}
    assert Unit.objects.filter(plan__slug="hokkaido-smart-docho-3", code="cases").count() == 1


@pytest.mark.django_db
def test_export_writes_the_plans_units_after_the_plan_and_reads_back_the_same(sample_values):
    text = plan_io.export_plan("hokkaido-smart-docho-3")
    records = yaml.safe_load(text)
    models = [r["model"] for r in records]
    units = [r for r in records if r["model"] == "kpi.unit"]
    assert models.index("kpi.unit") == models.index("initiatives.plan") + 1
    assert {tuple(u["fields"]["plan"]) for u in units} == {("hokkaido-smart-docho-3",)}
    assert len(units) == Unit.objects.filter(plan__slug="hokkaido-smart-docho-3").count()
    report = plan_io.import_plan(text.encode("utf-8"), "again.yaml")
    assert report.applied and not report.changes and not report.created


@pytest.mark.django_db(transaction=True)
def test_migration_gives_each_plan_its_own_copy_of_a_shared_unit():
    executor = MigrationExecutor(connection)
    executor.migrate(
        [("kpi", "0005_report_versions"), ("initiatives", "0003_japanese_constraint_messages")]
    )
    apps = executor.loader.project_state(
        [("kpi", "0005_report_versions"), ("initiatives", "0003_japanese_constraint_messages")]
    ).apps
    OldPlan = apps.get_model("initiatives", "Plan")
    OldPillar = apps.get_model("initiatives", "Pillar")
    OldUnit = apps.get_model("kpi", "Unit")
    OldKpi = apps.get_model("kpi", "Kpi")
    shared = OldUnit.objects.create(
        code="percent", label="%", base_label="%", decimals=1, kind="percent"
    )
    unused = OldUnit.objects.create(code="yen", label="円", base_label="円", kind="amount")
    plans = []
    for slug in ("a", "b"):
        plan = OldPlan.objects.create(
            slug=slug,
            government=slug,
            title=slug,
            first_fy=2022,
            last_fy=2025,
            is_current=slug == "b",
        )
        pillar = OldPillar.objects.create(plan=plan, number=1, title="柱")
        OldKpi.objects.create(
            plan=plan,
            pillar=pillar,
            code="1",
            name="指標",
            unit=shared,
            baseline_fy=2021,
            baseline_value=1,
            target_fy=2025,
            target_kind="at_least",
            target_value=2,
        )
        plans.append(plan)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    a, b = (Plan.objects.get(slug=s) for s in ("a", "b"))
    unit_a = Kpi.objects.get(plan=a).unit
    unit_b = Kpi.objects.get(plan=b).unit
    assert unit_a.pk == shared.pk and unit_a.plan == a
    assert unit_b.pk != shared.pk and unit_b.plan == b
    assert (unit_b.code, unit_b.decimals, unit_b.kind) == ("percent", 1, "percent")
    assert Unit.objects.get(pk=unused.pk).plan == b  # the current plan takes an unused unit
