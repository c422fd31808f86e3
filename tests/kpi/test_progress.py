"""kpi/progress.py: the progress rules, case by case, and properties that must always hold."""

import random
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi import progress as pr
from kpi.progress import KpiSpec, Observation, Target, Thresholds, evaluate


def spec(b="0", t_b=2020, t="100", t_t=2025, kind="at_least", direction="higher", **kw):
    target_kw = {k: kw.pop(k) for k in ("condition", "condition_fy", "tolerance") if k in kw}
    value = None if t is None else Decimal(t)
    return KpiSpec(
        baseline_fy=t_b,
        baseline_value=Decimal(b),
        direction=direction,
        target=Target(fy=t_t, kind=kind, value=value, **target_kw),
        **kw,
    )


def obs(*pairs, preliminary=()):
    return [Observation(fy, Decimal(str(v)), fy in preliminary) for fy, v in pairs]


# (case, spec kwargs, values, as_of, expected status)
CASES = [
    ("on the straight path", {}, [(2023, 60)], 2025, pr.ON_TRACK),
    ("ratio exactly 0.95 is on track", {}, [(2023, 57)], 2025, pr.ON_TRACK),
    ("ratio just under 0.95", {}, [(2023, "56.9")], 2025, pr.NEEDS_ACCELERATION),
    ("ratio exactly 0.6", {}, [(2023, 36)], 2025, pr.NEEDS_ACCELERATION),
    ("ratio just under 0.6", {}, [(2023, "35.9")], 2025, pr.LIMITED_PROGRESS),
    ("ratio exactly 0", {}, [(2023, 0)], 2025, pr.LIMITED_PROGRESS),
    ("below the baseline", {}, [(2023, -1)], 2025, pr.DETERIORATION),
    ("target met early", {}, [(2023, 100)], 2025, pr.ACHIEVED),
    (
        "lower is better, on path",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2023, 70)],
        2025,
        pr.ON_TRACK,
    ),
    (
        "lower is better, slow",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2023, 90)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "lower is better, worse",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2023, 110)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "lower is better, met",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2023, 50)],
        2025,
        pr.ACHIEVED,
    ),
    ("T = B kept", {"b": "100", "t": "100"}, [(2023, 100)], 2025, pr.ACHIEVED),
    ("T = B missed", {"b": "100", "t": "100"}, [(2023, "99.2")], 2025, pr.DETERIORATION),
    (
        "increase, fast",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2023, "47.2")],
        2025,
        pr.ON_TRACK,
    ),
    (
        "increase, 0.6% a year",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2023, "33.5")],
        2025,
        pr.NEEDS_ACCELERATION,
    ),
    (
        "increase, 0.15% a year",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2023, "33.2")],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "increase, falling",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2023, "33.0")],
        2025,
        pr.DETERIORATION,
    ),
    (
        "increase, above B in the target year",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2025, "33.2")],
        2025,
        pr.ACHIEVED,
    ),
    (
        "increase, flat in the target year",
        {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"},
        [(2025, "33.1")],
        2025,
        pr.NOT_ACHIEVED,
    ),
    (
        "decrease, falling 5% a year",
        {"b": "100", "t": None, "kind": "decrease", "direction": "lower"},
        [(2022, 90)],
        2025,
        pr.ON_TRACK,
    ),
    (
        "decrease, rising",
        {"b": "100", "t": None, "kind": "decrease", "direction": "lower"},
        [(2022, 101)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "increase from a zero baseline",
        {"b": "0", "t": None, "kind": "increase"},
        [(2022, 5)],
        2025,
        pr.ON_TRACK,
    ),
    (
        "increase from a zero baseline, still zero",
        {"b": "0", "t": None, "kind": "increase"},
        [(2022, 0)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    ("at_least from a zero baseline", {"b": "0", "t": "10"}, [(2022, 4)], 2025, pr.ON_TRACK),
    (
        "maintain inside the band",
        {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain", "direction": "neutral"},
        [(2024, 5000)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "maintain on the band's edge",
        {"b": "100", "t": None, "kind": "maintain", "direction": "neutral"},
        [(2024, 105)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "maintain, neutral, outside",
        {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain", "direction": "neutral"},
        [(2024, 5301)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "maintain, higher better, above",
        {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain"},
        [(2024, 5301)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "maintain, higher better, below",
        {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain"},
        [(2024, 4500)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "maintain, lower better, above",
        {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain", "direction": "lower"},
        [(2024, 5301)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "maintain around a reference",
        {"b": "4928", "t_b": 2022, "t": "6000", "kind": "maintain", "direction": "neutral"},
        [(2024, 5900)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "maintain with a wider tolerance",
        {
            "b": "100",
            "t": None,
            "kind": "maintain",
            "direction": "neutral",
            "tolerance": Decimal("0.1"),
        },
        [(2024, 109)],
        2025,
        pr.ACHIEVED,
    ),
    ("no value yet", {}, [], 2025, pr.NOT_ASSESSABLE),
    (
        "no target yet",
        {"t": None, "kind": "none", "t_t": None},
        [(2023, 50)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    (
        "condition's year not come",
        {"b": "52.5", "t_b": 2021, "t": "80", "condition": "再構築後", "condition_fy": 2025},
        [(2023, 60)],
        2024,
        pr.PENDING,
    ),
    (
        "condition's year come",
        {"b": "52.5", "t_b": 2021, "t": "80", "condition": "再構築後", "condition_fy": 2024},
        [(2023, 60)],
        2024,
        pr.LIMITED_PROGRESS,
    ),
    (
        "condition's year unknown",
        {"b": "52.5", "t_b": 2021, "t": "80", "condition": "再構築後"},
        [(2023, 60)],
        2025,
        pr.PENDING,
    ),
    (
        "condition pending but target met",
        {"b": "52.5", "t_b": 2021, "t": "80", "condition": "再構築後"},
        [(2023, 81)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "value after the as-of year ignored",
        {},
        [(2022, 10), (2024, 100)],
        2022,
        pr.LIMITED_PROGRESS,
    ),
]


@pytest.mark.parametrize(
    ("case", "kw", "values", "as_of", "status"), CASES, ids=[c[0] for c in CASES]
)
def test_status(case, kw, values, as_of, status):
    assert evaluate(spec(**kw), obs(*values), as_of).status == status


# Method version 2 (issue 11), rule by rule: (case, spec kwargs, values, as_of, expected status).
AT_200 = {"b": "31", "t": "200"}
INC = {"b": "33.1", "t_b": 2021, "t": None, "kind": "increase"}
DEC = {"b": "100", "t": None, "kind": "decrease", "direction": "lower"}
MAINTAIN_HIGHER = {"b": "4928", "t_b": 2022, "t": None, "kind": "maintain"}
MAINTAIN_NEUTRAL = {**MAINTAIN_HIGHER, "direction": "neutral"}
PCT = {"percent": True}
V2_CASES = [
    # 1. Only values after the baseline year measure progress.
    (
        "value only in the baseline year",
        {"b": "50", "t_b": 2021, "t": "80"},
        [(2021, 52)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    (
        "worse value only in the baseline year",
        {"b": "50", "t_b": 2021, "t": "80"},
        [(2021, 48)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    (
        "a value before the baseline year only",
        {"b": "4928", "t_b": 2022, "t": "5000"},
        [(2021, 4928)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    (
        "values before and in the baseline year",
        {"b": "50", "t_b": 2021, "t": "80"},
        [(2020, 10), (2021, 20)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    ("increase, value only in the baseline year", INC, [(2021, 40)], 2025, pr.NOT_ASSESSABLE),
    (
        "maintain, value only in the baseline year",
        MAINTAIN_HIGHER,
        [(2022, 4928)],
        2025,
        pr.NOT_ASSESSABLE,
    ),
    (
        "the later value not known yet as of",
        {"b": "50", "t_b": 2021, "t": "80"},
        [(2021, 52), (2023, 60)],
        2022,
        pr.NOT_ASSESSABLE,
    ),
    (
        "the later value known",
        {"b": "50", "t_b": 2021, "t": "80"},
        [(2021, 52), (2023, 60)],
        2023,
        pr.NEEDS_ACCELERATION,
    ),  # E = 65, r = 10/15
    # 2. A final verdict from the target year on.
    ("196/200 in the target year", AT_200, [(2025, 196)], 2025, pr.NOT_ACHIEVED),
    ("200/200 in the target year", AT_200, [(2025, 200)], 2025, pr.ACHIEVED),
    (
        "196/200 after the target year",
        {**AT_200, "t_t": 2024},
        [(2025, 196)],
        2025,
        pr.NOT_ACHIEVED,
    ),
    ("201/200 after the target year", {**AT_200, "t_t": 2024}, [(2025, 201)], 2025, pr.ACHIEVED),
    ("below the baseline in the target year", AT_200, [(2025, 20)], 2025, pr.NOT_ACHIEVED),
    (
        "at_most missed in the target year",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2025, 51)],
        2025,
        pr.NOT_ACHIEVED,
    ),
    (
        "at_most met in the target year",
        {"b": "100", "t": "50", "kind": "at_most"},
        [(2025, 50)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "T = B missed in the target year",
        {"b": "100", "t": "100"},
        [(2025, "99.2")],
        2025,
        pr.NOT_ACHIEVED,
    ),
    (
        "maintain, neutral, outside in the target year",
        MAINTAIN_NEUTRAL,
        [(2025, 5301)],
        2025,
        pr.NOT_ACHIEVED,
    ),
    ("maintain, below in the target year", MAINTAIN_HIGHER, [(2025, 4500)], 2025, pr.NOT_ACHIEVED),
    (
        "maintain, above on the good side in the target year",
        MAINTAIN_HIGHER,
        [(2025, 5301)],
        2025,
        pr.ACHIEVED,
    ),
    ("maintain, inside in the target year", MAINTAIN_NEUTRAL, [(2025, 5000)], 2025, pr.ACHIEVED),
    ("increase, below B in the target year", INC, [(2025, "30")], 2025, pr.NOT_ACHIEVED),
    (
        "decrease, below B after the target year",
        {**DEC, "t_t": 2023},
        [(2024, 99)],
        2025,
        pr.ACHIEVED,
    ),
    (
        "decrease, flat after the target year",
        {**DEC, "t_t": 2023},
        [(2024, 100)],
        2025,
        pr.NOT_ACHIEVED,
    ),
    (
        "increase from zero, still zero in the target year",
        {"b": "0", "t": None, "kind": "increase"},
        [(2025, 0)],
        2025,
        pr.NOT_ACHIEVED,
    ),
    (
        "an earlier value as of the target year keeps its ratio status",
        AT_200,
        [(2023, 120)],
        2025,
        pr.NEEDS_ACCELERATION,
    ),  # E = 132.4, r = 89/101.4
    # 3. Undefined growth: better on_track, equal limited_progress, worse deterioration.
    ("increase 0 → 3", {"b": "0", "t": None, "kind": "increase"}, [(2023, 3)], 2025, pr.ON_TRACK),
    (
        "increase 0 → 0",
        {"b": "0", "t": None, "kind": "increase"},
        [(2023, 0)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "increase 0 → −1",
        {"b": "0", "t": None, "kind": "increase"},
        [(2023, -1)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "increase 5 → 0",
        {"b": "5", "t": None, "kind": "increase"},
        [(2023, 0)],
        2025,
        pr.DETERIORATION,
    ),
    (
        "increase −5 → −5",
        {"b": "-5", "t": None, "kind": "increase"},
        [(2023, -5)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "increase −5 → −2",
        {"b": "-5", "t": None, "kind": "increase"},
        [(2023, -2)],
        2025,
        pr.ON_TRACK,
    ),
    ("decrease 0 → 0", {**DEC, "b": "0"}, [(2023, 0)], 2025, pr.LIMITED_PROGRESS),
    ("decrease 0 → −2", {**DEC, "b": "0"}, [(2023, -2)], 2025, pr.ON_TRACK),
    ("decrease 0 → 2", {**DEC, "b": "0"}, [(2023, 2)], 2025, pr.DETERIORATION),
    ("decrease 10 → 0", {**DEC, "b": "10"}, [(2023, 0)], 2025, pr.ON_TRACK),
    (
        "same value as a positive baseline is judged on growth",
        {**INC, "b": "5"},
        [(2023, 5)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    # 4. Natural limits of a percentage.
    ("increase at 100%", {**INC, "b": "100", **PCT}, [(2023, 100)], 2025, pr.ACHIEVED),
    (
        "increase at 100% in the target year",
        {**INC, "b": "100", **PCT},
        [(2025, 100)],
        2025,
        pr.ACHIEVED,
    ),
    ("increase to 100%", {**INC, **PCT}, [(2022, 100)], 2025, pr.ACHIEVED),
    (
        "increase at 100 of a count is no limit",
        {**INC, "b": "100"},
        [(2023, 100)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    (
        "increase just under 100%",
        {**INC, "b": "99.9", **PCT},
        [(2023, "99.9")],
        2025,
        pr.LIMITED_PROGRESS,
    ),
    ("decrease to 0%", {**DEC, "b": "5", **PCT}, [(2023, 0)], 2025, pr.ACHIEVED),
    ("decrease at 0%", {**DEC, "b": "0", **PCT}, [(2023, 0)], 2025, pr.ACHIEVED),
    (
        "decrease at 0 of a count is no limit",
        {**DEC, "b": "0"},
        [(2023, 0)],
        2025,
        pr.LIMITED_PROGRESS,
    ),
]


@pytest.mark.parametrize(
    ("case", "kw", "values", "as_of", "status"), V2_CASES, ids=[c[0] for c in V2_CASES]
)
def test_status_by_the_v2_rules(case, kw, values, as_of, status):
    assert evaluate(spec(**kw), obs(*values), as_of).status == status


def test_a_value_from_before_the_baseline_still_shows_but_measures_nothing():
    p = evaluate(spec(b="50", t_b=2021, t="80"), obs((2021, 52)), 2025)
    assert (p.value_fy, p.value) == (2021, 52)
    assert p.status == pr.NOT_ASSESSABLE
    assert p.reason == "基準年度より後の実績がまだありません。"
    assert (p.ratio, p.expected_value, p.achievement_rate, p.projected_status) == (None,) * 4
    assert not p.stale_value


@pytest.mark.parametrize(("value_fy", "as_of"), [(2025, 2025), (2025, 2026), (2026, 2027)])
def test_final_verdict_computes_no_ratio_and_no_projection_but_the_achievement_rate(
    value_fy, as_of
):
    p = evaluate(spec(b="31", t="200"), obs((2023, 150), (value_fy, 196)), as_of)
    assert p.status == pr.NOT_ACHIEVED
    assert p.ratio is None and p.expected_value is None
    assert p.projected_value is None and p.projected_status is None
    assert p.achievement_rate == pytest.approx(165 / 169)


def test_a_target_in_force_with_a_later_year_keeps_ratio_statuses():
    # Revised in R6 to 250 by R8: the R7 value is judged on the straight path to R8.
    revision = Target(fy=2026, kind="at_least", value=Decimal(250), effective_fy=2024)
    s = KpiSpec(
        2020,
        Decimal(31),
        Target(fy=2025, kind="at_least", value=Decimal(200)),
        revisions=(revision,),
    )
    p = evaluate(s, obs((2025, 196)), 2025)
    assert p.ratio == pytest.approx(165 / (219 * 5 / 6))  # E = 31 + 219 × 5/6 = 213.5
    assert p.status == pr.NEEDS_ACCELERATION
    assert p.projected_status is not None


def test_expected_value_ratio_and_achievement_rate_follow_the_formulas():
    p = evaluate(spec(b="258", t="288"), obs((2023, 270)), 2025)
    # E = 258 + 30 * 3/5 = 276; r = 12/18; achievement = 12/30
    assert p.expected_value == 276
    assert p.ratio == pytest.approx(2 / 3)
    assert p.achievement_rate == pytest.approx(0.4)
    assert (p.value_fy, p.value) == (2023, 270)
    assert p.status == pr.NEEDS_ACCELERATION


def test_growth_rate_is_the_compound_annual_rate_in_the_good_direction():
    p = evaluate(spec(b="100", t=None, kind="decrease", direction="lower"), obs((2022, 81)), 2025)
    assert p.growth_rate == pytest.approx(0.1)  # (81/100)^(1/2) - 1 = -10%, good way round


def test_missing_years_use_the_latest_known_value_and_its_year():
    p = evaluate(spec(), obs((2022, 40), (2024, 70)), 2025)
    assert p.value_fy == 2024
    assert p.expected_value == 80
    assert p.ratio == pytest.approx(70 / 80)


def test_as_of_year_in_the_past_sees_only_the_values_known_then():
    values = obs((2022, 20), (2023, 30), (2024, 90), (2025, 100))
    past = evaluate(spec(), values, 2023)
    assert (past.as_of_fy, past.value_fy, past.value) == (2023, 2023, 30)
    assert past.status == pr.LIMITED_PROGRESS
    assert evaluate(spec(), values, 2025).status == pr.ACHIEVED


def test_pending_still_computes_and_keeps_the_underlying_status():
    s = spec(b="52.5", t_b=2021, t="80", condition="再構築後", condition_fy=2025)
    p = evaluate(s, obs((2023, 60)), 2024)
    assert p.status == pr.PENDING
    assert pr.FLAG_CONDITION_PENDING in p.flags
    assert p.ratio == pytest.approx((60 - 52.5) / (52.5 + 27.5 * 2 / 4 - 52.5))
    assert p.status_if_condition_met == pr.LIMITED_PROGRESS


def test_pending_in_the_target_year_shows_the_final_verdict_it_hides():
    s = spec(b="52.5", t_b=2021, t="80", condition="再構築後")
    missed = evaluate(s, obs((2025, 70)), 2025)
    assert (missed.status, missed.status_if_condition_met) == (pr.PENDING, pr.NOT_ACHIEVED)
    met = evaluate(s, obs((2025, 80)), 2025)
    assert (met.status, met.status_if_condition_met) == (pr.ACHIEVED, None)


@pytest.mark.parametrize(("value_fy", "as_of"), [(2023, 2023), (2024, 2025), (2025, 2025)])
def test_a_met_target_whose_condition_is_pending_is_achieved_and_keeps_the_note(value_fy, as_of):
    s = spec(b="52.5", t_b=2021, t="80", condition="再構築後")
    p = evaluate(s, obs((value_fy, 81.2)), as_of)
    assert p.status == pr.ACHIEVED and p.status_if_condition_met is None
    assert pr.FLAG_CONDITION_PENDING in p.flags  # nobody reads the condition as met
    behind = evaluate(s, obs((value_fy, 60)), as_of)
    assert behind.status == pr.PENDING and pr.FLAG_CONDITION_PENDING in behind.flags


@pytest.mark.parametrize(
    ("value_fy", "as_of", "stale"),
    [(2025, 2025, False), (2024, 2025, False), (2023, 2025, True), (2022, 2025, True)],
)
def test_a_value_two_or_more_years_old_is_flagged_stale(value_fy, as_of, stale):
    p = evaluate(spec(), obs((value_fy, 50)), as_of)
    assert p.stale_value is stale
    assert (pr.FLAG_STALE_VALUE in p.flags) is stale
    assert p.status != pr.NOT_ASSESSABLE


def test_a_stale_pending_value_is_flagged_too_but_not_a_value_that_measures_nothing():
    s = spec(b="52.5", t_b=2021, t="80", condition="再構築後")
    assert evaluate(s, obs((2022, 60)), 2025).stale_value
    assert not evaluate(spec(t_b=2022), obs((2022, 60)), 2025).stale_value


def test_every_result_says_which_method_judged_it():
    assert evaluate(spec(), obs((2023, 60)), 2025).method_version == pr.METHOD_VERSION == 2


def test_every_status_has_its_own_label_and_shape():
    assert set(pr.DEFAULT_LABELS) == set(pr.ICONS) == set(pr.ALL_STATUSES)
    assert len(set(pr.DEFAULT_LABELS.values())) == len(pr.ALL_STATUSES)
    assert len(set(pr.ICONS.values())) == len(pr.ALL_STATUSES)
    assert pr.DEFAULT_LABELS[pr.NOT_ACHIEVED] == "未達成"


def _revised(effective_fy):
    original = Target(fy=2025, kind="at_least", value=Decimal(80))
    revision = Target(fy=2025, kind="at_least", value=Decimal(50), effective_fy=effective_fy)
    return KpiSpec(2021, Decimal(30), original, provisional=True, revisions=(revision,))


def test_revised_target_applies_only_from_its_effective_year_and_both_are_reported():
    values = obs((2023, 42))
    before = evaluate(_revised(2024), values, 2023)
    assert before.target.value == 80
    assert pr.FLAG_REVISED_TARGET not in before.flags
    assert before.status == pr.LIMITED_PROGRESS  # E = 55, r = 12/25
    after = evaluate(_revised(2024), values, 2024)
    assert after.target.value == 50
    assert after.original_target.value == 80
    assert pr.FLAG_REVISED_TARGET in after.flags
    assert after.status == pr.ON_TRACK  # E = 40, r = 1.2
    assert pr.FLAG_PROVISIONAL_TARGET in after.flags


def test_preliminary_value_replaced_by_a_final_one():
    preliminary = evaluate(spec(), obs((2024, 40), preliminary={2024}), 2025)
    assert pr.FLAG_PRELIMINARY_VALUE in preliminary.flags
    assert preliminary.status == pr.LIMITED_PROGRESS
    final = evaluate(spec(), obs((2024, 78)), 2025)
    assert pr.FLAG_PRELIMINARY_VALUE not in final.flags
    assert final.status == pr.ON_TRACK


def test_approximate_baseline_is_flagged():
    p = evaluate(spec(b="30", t_b=2021, t="80", baseline_approximate=True), obs((2022, 35)), 2025)
    assert pr.FLAG_APPROXIMATE_BASELINE in p.flags


def test_projection_is_the_least_squares_line_through_baseline_and_values():
    p = evaluate(spec(), obs((2021, 20), (2022, 40)), 2025)
    assert p.projected_value == pytest.approx(100)
    assert p.projected_status == pr.ACHIEVED
    p = evaluate(spec(), obs((2021, 10), (2022, 10), (2023, 10)), 2025)
    # x = 2020..2023, y = 0, 10, 10, 10: slope 3, intercept at mean (2021.5, 7.5)
    assert p.projected_value == pytest.approx(7.5 + 3 * 3.5)
    # The projection is the target year's value, so it gets the final verdict (rule 2).
    assert p.projected_status == pr.NOT_ACHIEVED


def test_projection_needs_two_points():
    p = evaluate(spec(t_b=2023), obs((2023, 10)), 2025)
    assert p.projected_value is None and p.projected_status is None


def test_thresholds_can_be_changed():
    values = obs((2023, 55))  # r = 55/60 ≈ 0.917
    assert evaluate(spec(), values, 2025).status == pr.NEEDS_ACCELERATION
    lenient = Thresholds(on_track=Decimal("0.9"), needs_acceleration=Decimal("0.5"))
    assert evaluate(spec(), values, 2025, lenient).status == pr.ON_TRACK


def test_thresholds_out_of_order_are_refused_in_japanese():
    with pytest.raises(ValueError, match="閾値"):
        Thresholds(on_track=Decimal("0.5"), needs_acceleration=Decimal("0.6"))


def test_parent_mean_uses_only_years_in_which_every_component_has_a_value():
    components = [
        obs((2022, "53.1"), (2023, 60)),
        obs((2022, "38.1"), (2023, 40), preliminary={2023}),
        obs((2022, "62.4")),
        obs((2022, "41.3"), (2023, 50)),
        obs((2022, "67.7"), (2023, 70)),
    ]
    series = pr.combine_mean(components)
    assert [o.fy for o in series] == [2022]
    assert series[0].value == Decimal("52.52")
    components[2] = obs((2022, "62.4"), (2023, 60))
    series = pr.combine_mean(components)
    assert [(o.fy, float(o.value), o.preliminary) for o in series][1] == (2023, 56.0, True)


# --- properties ---------------------------------------------------------------------------

values = st.decimals(
    min_value=-1000, max_value=10000, places=1, allow_nan=False, allow_infinity=False
)
years = st.integers(min_value=2018, max_value=2025)


@st.composite
def directional_specs(draw):
    kind = draw(st.sampled_from(["at_least", "at_most", "increase", "decrease", "maintain"]))
    direction = {
        "at_least": "higher",
        "increase": "higher",
        "at_most": "lower",
        "decrease": "lower",
    }.get(kind, draw(st.sampled_from(["higher", "lower"])))
    b = draw(values)
    t_b = draw(st.integers(min_value=2018, max_value=2024))
    t_t = draw(st.integers(min_value=t_b + 1, max_value=2025))
    t = draw(values) if kind in ("at_least", "at_most") else None
    return KpiSpec(
        t_b,
        b,
        Target(fy=t_t, kind=kind, value=t),
        direction=direction,
        percent=draw(st.booleans()),
    )


@given(directional_specs(), values, values, years, years)
def test_a_better_value_never_gets_a_worse_status(s, a1, a2, fy, as_of):
    as_of = max(as_of, fy)
    worse, better = sorted((a1, a2))
    if s.direction == "lower":
        worse, better = better, worse
    status_worse = evaluate(s, [Observation(fy, worse)], as_of).status
    status_better = evaluate(s, [Observation(fy, better)], as_of).status
    # Whether a value can be judged at all depends on its year, never on the value.
    assert (status_worse == pr.NOT_ASSESSABLE) == (status_better == pr.NOT_ASSESSABLE)
    if status_worse != pr.NOT_ASSESSABLE:
        assert pr.status_rank(status_better) <= pr.status_rank(status_worse)


@given(
    directional_specs(),
    st.dictionaries(years, values, min_size=1, max_size=8),
    st.booleans(),
    st.integers(min_value=0, max_value=2),
)
def test_from_the_target_year_on_the_verdict_is_final(s, by_year, conditional, after):
    if conditional:
        s = replace(s, target=replace(s.target, condition="再構築後"))
    as_of = s.target.fy + after
    by_year[as_of] = by_year.popitem()[1]  # the latest value is from the target year or later
    p = evaluate(s, [Observation(fy, v) for fy, v in by_year.items()], as_of)
    assert p.value_fy >= s.target.fy and p.final_verdict
    assert p.status in pr.FINAL_STATUSES
    assert p.status_if_condition_met in (None, pr.NOT_ACHIEVED)
    assert p.ratio is None and p.projected_status is None


@given(
    directional_specs(),
    st.dictionaries(years, values, min_size=1, max_size=8),
    st.randoms(use_true_random=False),
)
def test_status_does_not_depend_on_the_order_values_were_entered(s, by_year, rnd):
    entered = [Observation(fy, v) for fy, v in by_year.items()]
    shuffled = entered[:]
    rnd.shuffle(shuffled)
    assert evaluate(s, entered, 2025) == evaluate(s, shuffled, 2025)


@given(directional_specs(), values, st.integers(min_value=2019, max_value=2025))
def test_ratio_reproduces_the_distance_travelled(s, a, fy):
    p = evaluate(s, [Observation(fy, a)], 2025)
    assert p.status in pr.ALL_STATUSES
    if p.ratio is not None:
        assert p.ratio * (p.expected_value - p.baseline_value) == pytest.approx(
            float(a) - p.baseline_value, rel=1e-9, abs=1e-6
        )


def test_results_are_stable_for_a_fixed_shuffle():
    values_ = obs((2022, 10), (2023, 20), (2024, 30))
    shuffled = values_[:]
    random.Random(4).shuffle(shuffled)
    assert evaluate(spec(), values_, 2025) == evaluate(spec(), shuffled, 2025)


def test_the_progress_module_needs_no_django():
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = "import sys, kpi.progress; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
