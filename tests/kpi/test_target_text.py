"""Reading 目標 and 基準値 as a plan writes them: each form read, anything else flagged, never guessed."""

from decimal import Decimal

import pytest

from kpi import target_text as tt
from kpi.target_text import read_baseline, read_target


@pytest.mark.parametrize(
    ("text", "unit", "kind", "value"),
    [
        ("288", "件", tt.AT_LEAST, "288"),
        ("288件", "件", tt.AT_LEAST, "288"),
        ("１，４３８", "人", tt.AT_LEAST, "1438"),
        ("80%以上", "%", tt.AT_LEAST, "80"),
        ("80％以上", "%", tt.AT_LEAST, "80"),
        ("10%以下", "%", tt.AT_MOST, "10"),
        ("300件以下", "件", tt.AT_MOST, "300"),
        ("80%を維持", "%", tt.MAINTAIN, "80"),
    ],
)
def test_a_number_with_or_without_its_unit_is_a_level(text, unit, kind, value):
    r = read_target(text, unit)
    assert r.settled and (r.kind, r.value, r.annual) == (kind, Decimal(value), False)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("維持", tt.MAINTAIN),
        ("予算規模維持", tt.MAINTAIN),
        ("上げる", tt.INCREASE),
        ("向上", tt.INCREASE),
        ("増加", tt.INCREASE),
        ("下げる", tt.DECREASE),
        ("減少", tt.DECREASE),
        ("", tt.NONE),
        ("—", tt.NONE),
        ("-", tt.NONE),
    ],
)
def test_words_without_a_number_are_a_direction_or_maintain(text, kind):
    r = read_target(text, "%")
    assert r.settled and r.kind == kind and r.value is None


@pytest.mark.parametrize("text", ["80～90", "80~90", "80〜90", "80-90", "80%～90%", "80－90"])
def test_two_numbers_low_to_high_are_a_range(text):
    r = read_target(text, "%")
    assert r.settled and (r.kind, r.value, r.high) == (tt.RANGE, Decimal(80), Decimal(90))


def test_a_code_like_text_is_not_read_as_a_range():
    r = read_target("2-8-2", "件")
    assert not r.settled and r.kind == tt.NONE


def test_a_range_written_high_to_low_is_flagged():
    assert read_target("90～80", "%").ambiguous == tt.RANGE_ORDER


@pytest.mark.parametrize("text", ["1,000人/年", "1,000人／年", "年間1,000人", "毎年度1,000人"])
def test_a_number_per_year_is_an_annual_target(text):
    r = read_target(text, "人")
    assert r.settled and (r.kind, r.value, r.annual) == (tt.AT_LEAST, Decimal(1000), True)


def test_a_condition_before_the_target_is_kept_apart():
    r = read_target("再構築後に80%以上", "%")
    assert r.settled
    assert (r.kind, r.value, r.condition) == (tt.AT_LEAST, Decimal(80), "再構築後")


def test_targets_by_year_give_yearly_targets_and_the_final_target_with_its_year():
    r = read_target("1,000団体（2024年度まで）、1,500団体（2027年度まで）", "団体")
    assert r.settled
    assert (r.kind, r.value, r.target_fy) == (tt.AT_LEAST, Decimal(1500), 2027)
    assert r.yearly == {2024: Decimal(1000)}


def test_a_schedule_gives_steps_with_their_years():
    r = read_target("検討(R6)→導入(R7)→運用(R8)")
    assert r.settled and r.kind == tt.MILESTONE and r.value is None
    assert [(s.label, s.due_fy) for s in r.steps] == [
        ("検討", 2024),
        ("導入", 2025),
        ("運用", 2026),
    ]
    assert r.target_fy == 2026


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("20%削減", tt.NUMBER_WITH_DIRECTION),  # a level of 20%, or 20% less?
        ("10ポイント向上", tt.NUMBER_WITH_DIRECTION),
        ("全庁展開", tt.UNREADABLE),
        ("80人以上", tt.UNKNOWN_UNIT),  # the row's unit is %
        ("検討→導入(R7)", tt.BAD_STEP),
        ("導入(R9)→検討(R7)", tt.BAD_STEP),
        ("100（来年度まで）", tt.BAD_YEAR),
        ("1,000人/年以上を目安", tt.UNKNOWN_UNIT),
    ],
)
def test_texts_with_more_than_one_meaning_are_flagged_not_guessed(text, reason):
    r = read_target(text, "%")
    assert not r.settled and r.ambiguous == reason
    assert r.kind == tt.NONE and r.value is None


def test_a_flagged_text_says_what_it_could_mean():
    r = read_target("20%削減", "%")
    assert (tt.DECREASE, None) in r.meanings and (tt.AT_MOST, Decimal(20)) in r.meanings


@pytest.mark.parametrize(
    ("text", "value", "approximate", "keep"),
    [
        ("30", "30", False, False),
        ("52.5%", "52.5", False, False),
        ("約30", "30", True, True),
        ("30程度", "30", True, True),
        ("平均52.5", "52.5", False, True),
        ("１，２００件", "1200", False, False),
    ],
)
def test_a_baseline_is_read_with_its_approximation(text, value, approximate, keep):
    r = read_baseline(text, "件")
    assert r.settled
    assert (r.value, r.approximate, r.keep_text) == (Decimal(value), approximate, keep)


@pytest.mark.parametrize("text", ["", "—", "－", "-", "ー", "新規"])
def test_no_baseline_is_none(text):
    r = read_baseline(text, "%")
    assert r.settled and r.value is None


@pytest.mark.parametrize("text", ["R5実績なし", "12(R4)", "集計中"])
def test_an_unreadable_baseline_is_flagged(text):
    assert not read_baseline(text, "%").settled
