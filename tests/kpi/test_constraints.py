"""The database itself refuses rows that break the policy's invariants."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from initiatives.models import Plan
from kpi.models import Kpi, KpiValue, TargetRevision

pytestmark = pytest.mark.django_db


def _refused(**changes):
    """Apply changes to a KPI with a plain UPDATE, bypassing model validation."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Kpi.objects.filter(code="1-2").update(**changes)


def test_second_value_for_the_same_kpi_and_year_is_refused(policy):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    KpiValue.objects.create(kpi=kpi, fiscal_year=2023, value=Decimal("270"))
    with pytest.raises(IntegrityError), transaction.atomic():
        KpiValue.objects.create(kpi=kpi, fiscal_year=2023, value=Decimal("271"))
    assert KpiValue.objects.get(kpi=kpi, fiscal_year=2023).value == Decimal("270")


def test_kpi_code_is_unique_within_a_plan(policy):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    kpi.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        kpi.save()


@pytest.mark.parametrize(
    "changes",
    [
        {"target_fy": 2019},  # target before the baseline (R2 = 2020)
        {"target_kind": "someday"},
        {"direction": "sideways"},
        {"target_value": None},  # at_least needs a number
        {"target_kind": "increase"},  # increase must not carry a number (288 is set)
        {"target_fy": None},  # a set target needs a year
        {"baseline_fy": 1700},
        {"target_tolerance": Decimal("1.5")},
        {"is_provisional": True},  # a provisional KPI must say why
        {"combine_rule": "median"},
    ],
)
def test_kpi_invariants_are_database_constraints(policy, changes):
    _refused(**changes)


def test_a_kpi_cannot_be_its_own_parent(policy):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Kpi.objects.filter(pk=kpi.pk).update(parent=kpi)


@pytest.mark.parametrize("changes", [{"status": "guess"}, {"fiscal_year": 3000}, {"version": 0}])
def test_value_invariants_are_database_constraints(policy, changes):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    value = KpiValue.objects.create(kpi=kpi, fiscal_year=2023, value=Decimal("270"))
    with pytest.raises(IntegrityError), transaction.atomic():
        KpiValue.objects.filter(pk=value.pk).update(**changes)


def test_plan_years_in_order_and_only_one_current_plan(policy):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=policy.pk).update(first_fy=2030)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            slug="other",
            organization=policy.organization,
            government="X",
            title="Other",
            first_fy=2026,
            last_fy=2029,
            is_current=True,
        )


def test_target_revision_needs_a_reason_and_a_consistent_value(policy):
    kpi = Kpi.objects.get(plan=policy, code="3-1")
    base = {"kpi": kpi, "effective_fy": 2023, "target_fy": 2025, "decided_on": "2022-09-30"}
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetRevision.objects.create(**base, kind="at_least", value=Decimal("70"), reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetRevision.objects.create(**base, kind="at_least", value=None, reason="計画策定")
    TargetRevision.objects.create(**base, kind="at_least", value=Decimal("70"), reason="計画策定")
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetRevision.objects.create(**base, kind="at_least", value=Decimal("75"), reason="再度")


def test_model_validation_explains_a_target_before_the_plan_in_japanese(policy):
    from django.core.exceptions import ValidationError

    kpi = Kpi.objects.get(plan=policy, code="1-2")
    kpi.target_fy = 2021  # after its baseline year (2020), before the plan's first (2022)
    with pytest.raises(ValidationError) as err:
        kpi.full_clean()
    assert "方針の初年度" in str(err.value.message_dict["target_fy"])


def test_model_validation_accepts_a_target_past_the_plan(policy):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    kpi.target_fy = 2030  # a goal past the plan period is judged on the path toward it
    kpi.full_clean()


BROKEN_VALUE_FIXTURE = """
- model: kpi.kpivalue
  fields: {kpi: [hokkaido-smart-docho-3, 1-2], fiscal_year: 2023, value: '270', status: final}
- model: kpi.kpivalue
  fields: {kpi: [hokkaido-smart-docho-3, 1-4], fiscal_year: 2023, value: '100', status: maybe}
"""


def test_loaddata_cannot_store_a_row_that_breaks_a_constraint(policy, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_VALUE_FIXTURE, encoding="utf-8")
    with pytest.raises((IntegrityError, CommandError)):
        call_command("loaddata", str(path), verbosity=0)
    # loaddata runs in one transaction: the valid first row is gone with the invalid second.
    assert KpiValue.objects.count() == 0
