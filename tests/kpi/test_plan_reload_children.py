"""Loading a plan again: a KPI's yearly targets and schedule steps are those the file lists,
and nothing that entered values rely on changes meaning silently (the step a value names, a
target or 累計 of a KPI with values)."""

from decimal import Decimal

import pytest

from kpi import plan_io
from kpi.models import Kpi, KpiValue, ScheduleStep, YearlyTarget
from tests.kpi.plan_books import book, kpi_row

pytestmark = pytest.mark.django_db

SCHEDULE = "検討(R6)→導入(R7)→運用(R8)"


def _load(rows, dry_run=False) -> plan_io.Report:
    report = plan_io.import_plan(book(rows), "plan.xlsx", dry_run=dry_run)
    assert report.applied or dry_run, [str(p) for p in report.problems]
    return report


def _schedule(target=SCHEDULE):
    return kpi_row(code="3-1", unit="段階", baseline="—", 基準年度=None, target=target)


def _steps():
    return [(s.order, s.label) for s in ScheduleStep.objects.order_by("order")]


def _value(code, fy, value):
    KpiValue.objects.create(
        kpi=Kpi.objects.get(code=code), fiscal_year=fy, value=Decimal(value), status="final"
    )


def test_a_step_taken_out_of_the_file_is_deleted_and_said():
    _load([_schedule()])
    report = _load([_schedule("検討(R6)→運用(R8)")])
    assert _steps() == [(1, "検討"), (2, "運用")]
    deleted = [c for c in report.changes if c.new == plan_io.DELETED]
    assert [c.old for c in deleted] == ["運用（R8）"]


def test_a_yearly_target_taken_out_of_the_file_is_deleted_and_said():
    _load([kpi_row(target="500件（R7年度まで）、800件（R8年度まで）", unit="件")])
    assert YearlyTarget.objects.count() == 1
    report = _load([kpi_row(target="800件", unit="件")])
    assert not YearlyTarget.objects.exists()
    assert any(c.old == "500" and c.new == plan_io.DELETED for c in report.changes)


def test_a_step_values_have_reached_cannot_be_renamed():
    _load([_schedule()])
    _value("3-1", 2024, 1)  # 検討 reached
    report = plan_io.import_plan(book([_schedule("準備(R6)→導入(R7)→運用(R8)")]), "plan.xlsx")
    assert not report.applied
    assert any("段階1「検討」" in p.message for p in report.problems), report.problems
    assert _steps() == [(1, "検討"), (2, "導入"), (3, "運用")]


def test_a_step_inserted_before_a_reached_step_is_refused():
    _load([_schedule()])
    _value("3-1", 2024, 1)
    report = plan_io.import_plan(
        book([_schedule("準備(R6)→検討(R6)→導入(R7)→運用(R8)")]), "plan.xlsx"
    )
    assert not report.applied and _steps() == [(1, "検討"), (2, "導入"), (3, "運用")]


def test_a_step_values_have_reached_cannot_be_taken_out():
    _load([_schedule()])
    _value("3-1", 2024, 2)
    report = plan_io.import_plan(book([_schedule("検討(R6)")]), "plan.xlsx")
    assert not report.applied
    assert any("段階2「導入」" in p.message for p in report.problems), report.problems
    assert len(_steps()) == 3


def test_later_steps_of_a_kpi_with_values_may_change_and_are_pointed_out():
    _load([_schedule()])
    _value("3-1", 2024, 1)
    report = _load([_schedule("検討(R6)→導入(R8)")])
    assert _steps() == [(1, "検討"), (2, "導入")]
    [r] = report.retargeted
    assert r.key == "3-1" and "運用（R8）" in r.old and "運用" not in r.new


def test_turning_cumulative_on_or_off_for_a_kpi_with_values_is_pointed_out():
    _load([kpi_row(target="75人（累計）", unit="人", baseline=10)])
    _value("1-1", 2024, 40)
    report = _load([kpi_row(target="75人", unit="人", baseline=10)], dry_run=True)
    [r] = report.retargeted
    assert "累計" in r.old and "累計" not in r.new


def test_loading_the_same_schedule_again_changes_nothing():
    _load([_schedule()])
    _value("3-1", 2024, 3)
    report = _load([_schedule()])
    assert not report.changes and not report.retargeted
