"""The invented second plan (fixtures/examples, 例示県) loads from its XLSX KPI table and from its
YAML alike, and each of its target shapes is judged by its own rule at several as-of years
(issue 12, "Done when")."""

from decimal import Decimal
from pathlib import Path

import pytest

from initiatives.models import Plan
from kpi import plan_io, progress
from kpi.evaluation import assess
from kpi.models import Kpi, KpiValue

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"
SLUG = "example-prefecture-dx"


@pytest.fixture(params=["example_prefecture_plan.xlsx", "example_prefecture_plan.yaml"])
def example(request):
    path = EXAMPLES / request.param
    report = plan_io.import_plan(path.read_bytes(), path.name)
    assert report.applied, report.problems
    return Plan.objects.get(slug=SLUG)


def status(plan, code, values, as_of):
    kpi = Kpi.objects.get(plan=plan, code=code)
    KpiValue.objects.filter(kpi=kpi).delete()
    KpiValue.objects.bulk_create(
        KpiValue(kpi=kpi, fiscal_year=fy, value=Decimal(v), status="final") for fy, v in values
    )
    kpis = list(Kpi.objects.filter(plan=plan).for_display())
    return assess(kpis, plan, as_of)[kpi.id].progress


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        # B 35.2 (R3), yearly 50/60/70 (R5–R7), 80 in R8. R5 45: E = 50, r = 0.66; a straight
        # line would expect 53.12 and give r = 0.55 (遅れ).
        ([(2023, 45)], 2023, progress.NEEDS_ACCELERATION),
        ([(2023, 45), (2024, 60)], 2024, progress.ON_TRACK),
        ([(2026, 79)], 2026, progress.NOT_ACHIEVED),
    ],
)
def test_yearly_path_of_the_example(example, values, as_of, expected):
    assert status(example, "3.1", values, as_of).status == expected


def test_yearly_path_of_the_example_expects_the_yearly_target(example):
    assert status(example, "3.1", [(2023, 45)], 2023).expected_value == 50


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        # new, but a yearly flow needs no start: its first year is judged too (rule 12a)
        ([(2022, 900)], 2022, progress.NEEDS_ACCELERATION),
        ([(2022, 1000)], 2022, progress.ON_TRACK),
        ([(2022, 900), (2023, 1000)], 2023, progress.ON_TRACK),  # 1,000 a year met
        ([(2022, 900), (2023, 700)], 2023, progress.NEEDS_ACCELERATION),  # 0.7
        ([(2022, 900), (2026, 999)], 2026, progress.NOT_ACHIEVED),
    ],
)
def test_annual_target_of_the_example(example, values, as_of, expected):
    assert status(example, "①", values, as_of).status == expected


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        ([(2023, 85)], 2023, progress.ACHIEVED),
        ([(2023, 70)], 2023, progress.DETERIORATION),  # below the 72.5 baseline
        ([(2026, 91)], 2026, progress.NOT_ACHIEVED),
    ],
)
def test_range_target_of_the_example(example, values, as_of, expected):
    assert status(example, "③", values, as_of).status == expected


@pytest.mark.parametrize(
    ("values", "as_of", "expected"),
    [
        ([(2022, 0)], 2022, progress.NEEDS_ACCELERATION),  # 検討 due in R4
        ([(2022, 1), (2024, 1)], 2024, progress.NEEDS_ACCELERATION),  # 移行 due in R6
        ([(2024, 2)], 2024, progress.ON_TRACK),
        ([(2025, 3)], 2025, progress.ACHIEVED),
        ([(2025, 2)], 2025, progress.NOT_ACHIEVED),
    ],
)
def test_schedule_of_the_example(example, values, as_of, expected):
    assert status(example, "2-8-3", values, as_of).status == expected


def test_target_past_the_plan_period_of_the_example(example):
    # B 20.1 (R3) → 50 in 2030: R8's expected value is 36.71; 40 is on track, not final.
    p = status(example, "4.1", [(2026, 40)], 2026)
    assert p.status == progress.ON_TRACK
    assert p.expected_value == pytest.approx(20.1 + 29.9 * 5 / 9)
    assert not p.final_verdict


def test_cumulative_kpi_of_the_example_is_marked(example):
    kpi = Kpi.objects.get(plan=example, code="2-8-2")
    assert kpi.cumulative and kpi.unit_text.endswith("（累計）")
