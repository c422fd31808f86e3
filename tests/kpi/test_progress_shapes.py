"""kpi/progress.py rules 8–13: the target shapes real plans write (issue 12).

Each shape is judged at several as-of years; the expected statuses follow from the rules in the
module docstring, worked out by hand in the comments.
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from kpi import progress as pr
from kpi.progress import KpiSpec, Observation, Step, Target, evaluate


def obs(*pairs, preliminary=()):
    return [Observation(fy, Decimal(str(v)), fy in preliminary) for fy, v in pairs]


def yearly_spec(yearly=((2022, 40), (2023, 50), (2024, 60))):
    return KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(0),
        target=Target(
            fy=2025,
            kind=pr.AT_LEAST,
            value=Decimal(100),
            yearly=tuple((fy, Decimal(v)) for fy, v in yearly),
        ),
    )


# --- rule 8: yearly targets make the path -------------------------------------------------


def test_yearly_path_the_issue_example_is_behind_where_a_straight_line_says_on_track():
    # B = 0 (R3), yearly 40/50/60 for R4–R6, 100 in R7; A = 35 in R4: E = 40, r = 0.875.
    on_path = evaluate(yearly_spec(), obs((2022, 35)), 2022)
    assert on_path.expected_value == 40
    assert on_path.ratio == pytest.approx(0.875)
    assert on_path.status == pr.NEEDS_ACCELERATION
    # The same KPI without yearly targets: E = 25 on the straight line, r = 1.4 → on track.
    straight = evaluate(yearly_spec(yearly=()), obs((2022, 35)), 2022)
    assert straight.expected_value == 25
    assert straight.status == pr.ON_TRACK


@pytest.mark.parametrize(
    ("values", "as_of", "expected", "status"),
    [
        ([(2023, 50)], 2023, 50, pr.ON_TRACK),  # exactly the R5 target
        ([(2023, 25)], 2023, 50, pr.LIMITED_PROGRESS),  # r = 0.5
        ([(2024, 57)], 2024, 60, pr.ON_TRACK),  # r = 0.95 exactly
        ([(2024, 56)], 2024, 60, pr.NEEDS_ACCELERATION),
        ([(2025, 99)], 2025, None, pr.NOT_ACHIEVED),  # the target year: final verdict
        ([(2025, 100)], 2025, None, pr.ACHIEVED),
        ([(2023, 50)], 2025, 50, pr.ON_TRACK),  # judged on R5's value, flagged stale
    ],
)
def test_yearly_path_at_several_as_of_years(values, as_of, expected, status):
    p = evaluate(yearly_spec(), obs(*values), as_of)
    assert p.status == status
    if expected is not None:
        assert p.expected_value == expected


def test_yearly_path_between_yearly_targets_is_straight_between_them():
    # Yearly targets for R4 (40) and R6 (60) only: R5's expected value is halfway, 50.
    p = evaluate(yearly_spec(yearly=((2022, 40), (2024, 60))), obs((2023, 45)), 2023)
    assert p.expected_value == 50
    assert p.ratio == pytest.approx(0.9)


def test_yearly_targets_outside_baseline_and_target_years_are_ignored_by_the_path():
    spec = yearly_spec(yearly=((2020, 999), (2022, 40), (2026, 999)))
    assert pr.path(spec, spec.target) == [
        (2021, 0),
        (2022, 40),
        (2025, 100),
    ]


def test_a_yearly_target_equal_to_the_baseline_asks_for_no_change():
    spec = yearly_spec(yearly=((2022, 0),))
    assert evaluate(spec, obs((2022, 0)), 2022).status == pr.ON_TRACK
    assert evaluate(spec, obs((2022, -1)), 2022).status == pr.DETERIORATION


def test_yearly_path_for_a_lower_is_better_target():
    spec = KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(100),
        target=Target(fy=2025, kind=pr.AT_MOST, value=Decimal(0), yearly=((2022, Decimal(50)),)),
    )
    # E = 50 in R4; A = 60: r = (60 − 100)/(50 − 100) = 0.8.
    p = evaluate(spec, obs((2022, 60)), 2022)
    assert p.ratio == pytest.approx(0.8)
    assert p.status == pr.NEEDS_ACCELERATION


# --- rule 9: annual targets -----------------------------------------------------------------


def annual_spec(**target):
    return KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(800),
        target=Target(
            fy=2025,
            kind=target.pop("kind", pr.AT_LEAST),
            value=Decimal(1000),
            basis=pr.ANNUAL,
            **target,
        ),
    )


@pytest.mark.parametrize(
    ("value", "fy", "status"),
    [
        (1000, 2022, pr.ON_TRACK),  # the year's target met, before the target year
        (1200, 2023, pr.ON_TRACK),
        (950, 2022, pr.ON_TRACK),  # 0.95 of the year's target
        (700, 2022, pr.NEEDS_ACCELERATION),  # 0.7
        (500, 2022, pr.LIMITED_PROGRESS),  # 0.5
        (1000, 2025, pr.ACHIEVED),  # the target year's flow met
        (999, 2025, pr.NOT_ACHIEVED),
    ],
)
def test_annual_target_judges_each_year_against_its_own_target(value, fy, status):
    p = evaluate(annual_spec(), obs((fy, value)), fy)
    assert p.status == status
    assert p.expected_value == 1000


def test_annual_target_uses_that_years_yearly_target():
    spec = annual_spec(yearly=((2022, Decimal(500)), (2023, Decimal(800))))
    assert evaluate(spec, obs((2022, 500)), 2022).status == pr.ON_TRACK
    p = evaluate(spec, obs((2023, 600)), 2023)  # 600/800 = 0.75
    assert p.expected_value == 800
    assert p.status == pr.NEEDS_ACCELERATION
    # A year with no yearly target falls back to the final target value.
    assert evaluate(spec, obs((2024, 900)), 2024).expected_value == 1000


def test_annual_target_a_flow_below_the_baseline_is_not_a_deterioration_if_the_year_is_met():
    # Flows do not accumulate: 900 after a baseline of 800 but a yearly target of 900 is met.
    spec = annual_spec(yearly=((2022, Decimal(900)),))
    assert evaluate(spec, obs((2022, 900)), 2022).status == pr.ON_TRACK


def test_annual_lower_is_better_target():
    spec = annual_spec(kind=pr.AT_MOST)
    assert evaluate(spec, obs((2022, 1000)), 2022).status == pr.ON_TRACK
    assert evaluate(spec, obs((2022, 1250)), 2022).status == pr.NEEDS_ACCELERATION  # 0.8
    assert evaluate(spec, obs((2025, 1001)), 2025).status == pr.NOT_ACHIEVED


def test_annual_target_has_no_projection():
    p = evaluate(annual_spec(), obs((2022, 900), (2023, 950)), 2023)
    assert p.projected_value is None


# --- rule 10: ranges ------------------------------------------------------------------------


def range_spec(b=60):
    return KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(b),
        target=Target(fy=2025, kind=pr.RANGE, value=Decimal(80), high=Decimal(90)),
    )


@pytest.mark.parametrize(
    ("value", "fy", "status"),
    [
        (80, 2022, pr.ACHIEVED),  # the lower bound is inside
        (90, 2023, pr.ACHIEVED),  # the upper bound is inside
        (85, 2025, pr.ACHIEVED),
        (65, 2022, pr.ON_TRACK),  # E = 65 on the way to 80 → r = 1
        (62, 2022, pr.LIMITED_PROGRESS),  # r = 0.4
        (55, 2022, pr.DETERIORATION),  # below the baseline
        (79, 2025, pr.NOT_ACHIEVED),
        (91, 2025, pr.NOT_ACHIEVED),
    ],
)
def test_range_target_from_below(value, fy, status):
    assert evaluate(range_spec(), obs((fy, value)), fy).status == status


def test_range_target_from_above_heads_for_the_upper_bound():
    spec = range_spec(b=110)
    # E on the way from 110 (R3) to 90 (R7) is 105 in R4; 105 → r = 1.
    p = evaluate(spec, obs((2022, 105)), 2022)
    assert p.status == pr.ON_TRACK
    assert p.band == (80.0, 90.0)


def test_range_target_left_from_inside_is_a_deterioration():
    spec = range_spec(b=85)
    assert evaluate(spec, obs((2022, 95)), 2022).status == pr.DETERIORATION
    assert evaluate(spec, obs((2022, 75)), 2022).status == pr.DETERIORATION


# --- rule 11: milestones --------------------------------------------------------------------


def schedule_spec():
    steps = (Step("検討", 2023), Step("導入", 2024), Step("運用", 2025))
    return KpiSpec(
        baseline_fy=None,
        baseline_value=None,
        target=Target(fy=2025, kind=pr.MILESTONE, steps=steps),
        start_fy=2022,
    )


@pytest.mark.parametrize(
    ("step", "fy", "status"),
    [
        (0, 2022, pr.ON_TRACK),  # nothing due yet
        (1, 2023, pr.ON_TRACK),  # 検討 due and reached
        (0, 2023, pr.NEEDS_ACCELERATION),  # one step behind
        (1, 2024, pr.NEEDS_ACCELERATION),
        (0, 2024, pr.LIMITED_PROGRESS),  # two steps behind
        (3, 2024, pr.ACHIEVED),  # the last step reached early
        (3, 2025, pr.ACHIEVED),
        (2, 2025, pr.NOT_ACHIEVED),  # the target year without the last step
        (2, 2026, pr.NOT_ACHIEVED),
    ],
)
def test_milestone_target_by_the_step_reached(step, fy, status):
    p = evaluate(schedule_spec(), obs((fy, step)), fy)
    assert p.status == status
    assert p.achievement_rate == pytest.approx(step / 3)


def test_milestone_target_needs_no_baseline_and_is_not_projected():
    p = evaluate(schedule_spec(), obs((2022, 0), (2023, 1)), 2023)
    assert p.baseline_fy == 2021 and p.baseline_value == 0  # "no step reached" before R4
    assert p.projected_value is None
    assert pr.FLAG_NO_BASELINE in p.flags


def test_milestone_steps_due_counts_steps_by_year():
    target = schedule_spec().target
    assert [target.steps_due(fy) for fy in (2022, 2023, 2024, 2025, 2030)] == [0, 1, 2, 3, 3]


# --- rule 12: no baseline -------------------------------------------------------------------


def new_spec(kind=pr.AT_LEAST, value=Decimal(100)):
    return KpiSpec(
        baseline_fy=None,
        baseline_value=None,
        target=Target(fy=2026, kind=kind, value=value),
        start_fy=2022,
    )


def test_no_baseline_first_value_is_the_starting_point():
    p = evaluate(new_spec(), obs((2022, 20)), 2022)
    assert p.status == pr.NOT_ASSESSABLE  # rule 1 from the starting point
    # It has no baseline year: the reason says what it waits for.
    assert p.reason == "最初の実績を起点としました。次の年度の実績から判定します。"
    assert "基準年度" not in p.reason
    assert (p.baseline_fy, p.baseline_value) == (2022, 20)
    assert pr.FLAG_NO_BASELINE in p.flags
    # From 20 (R4) to 100 (R8): E = 40 in R5; 40 → on track, 30 → r = 0.5.
    assert evaluate(new_spec(), obs((2022, 20), (2023, 40)), 2023).status == pr.ON_TRACK
    later = evaluate(new_spec(), obs((2022, 20), (2023, 30)), 2023)
    assert later.ratio == pytest.approx(0.5)
    assert later.status == pr.LIMITED_PROGRESS


def test_no_baseline_values_before_the_plan_are_not_the_start():
    p = evaluate(new_spec(), obs((2020, 5), (2022, 20), (2023, 40)), 2023)
    assert (p.baseline_fy, p.baseline_value) == (2022, 20)


def test_no_baseline_without_values_is_not_assessable_with_no_start():
    p = evaluate(new_spec(), [], 2023)
    assert p.status == pr.NOT_ASSESSABLE
    assert p.baseline_fy is None and p.baseline_value is None


def test_no_baseline_increase_grows_from_the_first_value():
    spec = new_spec(kind=pr.INCREASE, value=None)
    p = evaluate(spec, obs((2022, 100), (2023, 110)), 2023)
    assert p.status == pr.ON_TRACK
    assert p.growth_rate == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("kind", "value", "high", "first", "as_of", "status"),
    [
        # A new KPI whose only value is from the target year: met or missed for good.
        (pr.AT_LEAST, 100, None, (2026, 120), 2026, pr.ACHIEVED),
        (pr.AT_LEAST, 100, None, (2026, 99), 2026, pr.NOT_ACHIEVED),
        (pr.AT_LEAST, 100, None, (2026, 99), 2028, pr.NOT_ACHIEVED),
        (pr.AT_MOST, 10, None, (2026, 10), 2026, pr.ACHIEVED),
        (pr.AT_MOST, 10, None, (2026, 11), 2026, pr.NOT_ACHIEVED),
        (pr.RANGE, 80, 90, (2026, 85), 2026, pr.ACHIEVED),
        (pr.RANGE, 80, 90, (2026, 91), 2026, pr.NOT_ACHIEVED),
        # Met early: achieved already; short of it before the target year: only a start.
        (pr.AT_LEAST, 100, None, (2023, 100), 2023, pr.ACHIEVED),
        (pr.AT_LEAST, 100, None, (2023, 99), 2023, pr.NOT_ASSESSABLE),
        (pr.RANGE, 80, 90, (2023, 85), 2024, pr.ACHIEVED),
        (pr.RANGE, 80, 90, (2023, 70), 2024, pr.NOT_ASSESSABLE),
    ],
)
def test_no_baseline_a_lone_value_is_judged_against_the_target_alone(
    kind, value, high, first, as_of, status
):
    spec = KpiSpec(
        baseline_fy=None,
        baseline_value=None,
        target=Target(fy=2026, kind=kind, value=Decimal(value), high=high and Decimal(high)),
        start_fy=2022,
    )
    p = evaluate(spec, obs(first), as_of)
    assert p.status == status
    assert p.stale_value == (as_of - first[0] >= 2)
    assert pr.FLAG_NO_BASELINE in p.flags
    assert p.value == first[1]


def test_no_baseline_a_lone_value_short_of_the_target_is_the_start_for_later_values():
    p = evaluate(new_spec(), obs((2023, 50), (2024, 60)), 2024)
    assert (p.baseline_fy, p.baseline_value) == (2023, 50)
    assert p.status != pr.NOT_ASSESSABLE


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (1000, pr.ON_TRACK),
        (1200, pr.ON_TRACK),
        (700, pr.NEEDS_ACCELERATION),
        (0, pr.LIMITED_PROGRESS),
    ],
)
def test_no_baseline_annual_target_judges_the_first_year_too(value, status):
    spec = KpiSpec(
        baseline_fy=None,
        baseline_value=None,
        target=Target(fy=2026, kind=pr.AT_LEAST, value=Decimal(1000), basis=pr.ANNUAL),
        start_fy=2022,
    )
    assert evaluate(spec, obs((2022, value)), 2022).status == status


def new_cumulative(value=Decimal(100)):
    return KpiSpec(
        baseline_fy=None,
        baseline_value=None,
        target=Target(fy=2026, kind=pr.AT_LEAST, value=value),
        start_fy=2022,
        cumulative=True,
    )


def test_no_baseline_cumulative_count_starts_from_zero_before_the_plan():
    # 0 at the end of R3, 100 by R8: 20 a year. 20 in R4 is on the path; 10 is half of it.
    p = evaluate(new_cumulative(), obs((2022, 20)), 2022)
    assert (p.baseline_fy, p.baseline_value) == (2021, 0)
    assert p.expected_value == 20 and p.status == pr.ON_TRACK
    behind = evaluate(new_cumulative(), obs((2022, 10)), 2022)
    assert behind.ratio == pytest.approx(0.5) and behind.status == pr.LIMITED_PROGRESS
    assert pr.FLAG_NO_BASELINE in behind.flags
    # Without the cumulative mark, the same value is only a starting point.
    assert evaluate(new_spec(), obs((2022, 10)), 2022).status == pr.NOT_ASSESSABLE


def test_a_cumulative_kpi_with_a_baseline_keeps_it():
    spec = KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(40),
        target=Target(fy=2026, kind=pr.AT_LEAST, value=Decimal(140)),
        start_fy=2022,
        cumulative=True,
    )
    p = evaluate(spec, obs((2022, 60)), 2022)
    assert (p.baseline_fy, p.baseline_value) == (2021, 40)
    assert p.ratio == pytest.approx(1.0)


# --- rule 13: a target year past the plan period --------------------------------------------


def test_target_past_the_plan_period_is_judged_on_the_path_toward_it():
    # A 2030 goal in a plan ending in 2026: B = 0 (R3), T = 90 (2030) → 10 a year.
    spec = KpiSpec(
        baseline_fy=2021,
        baseline_value=Decimal(0),
        target=Target(fy=2030, kind=pr.AT_LEAST, value=Decimal(90)),
    )
    p = evaluate(spec, obs((2026, 50)), 2026)
    assert p.expected_value == 50
    assert p.status == pr.ON_TRACK
    assert not p.final_verdict
    assert p.projected_value == pytest.approx(float(Fraction(90)))


def test_no_baseline_a_value_from_before_the_plan_is_not_judged_alone():
    p = evaluate(new_cumulative(), obs((2020, 500)), 2022)
    assert p.status == pr.NOT_ASSESSABLE
