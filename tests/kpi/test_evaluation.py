"""Progress as the pages show it: the real plan, parents, as-of year, labels, explanations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kpi import progress as pr
from kpi.evaluation import AsOfError, assess, default_as_of, explain, resolve_as_of
from kpi.models import Kpi, KpiValue

pytestmark = pytest.mark.django_db


def _assess(plan, as_of, **kw):
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    return {a.kpi.code: a for a in assess(kpis, plan, as_of, **kw).values()}


def test_sample_values_produce_a_mix_of_statuses(sample_values):
    statuses = {a.status for a in _assess(sample_values, 2024).values()}
    assert {pr.ACHIEVED, pr.ON_TRACK, pr.NEEDS_ACCELERATION, pr.LIMITED_PROGRESS} <= statuses
    assert {pr.DETERIORATION, pr.PENDING} <= statuses


def test_sample_values_as_of_r7_show_final_verdicts_and_a_stale_value(sample_values):
    r7 = _assess(sample_values, 2025)
    assert {pr.ACHIEVED, pr.NOT_ACHIEVED, pr.PENDING} <= {a.status for a in r7.values()}
    for a in r7.values():
        if a.progress.value_fy == 2025:
            assert a.status in pr.FINAL_STATUSES, a.kpi.code
    stale = [a for a in r7.values() if a.progress.stale_value]
    assert [a.kpi.code for a in stale] == ["3-2"]
    assert stale[0].stale_label == "R5の実績で判定"
    assert stale[0].status == pr.LIMITED_PROGRESS  # r = (24 − 20) / (50 − 20)
    assert r7["2-3"].status == pr.NOT_ACHIEVED  # 2,720 of 2,744 in the target year
    hidden = r7["1-3-1"]
    assert (hidden.status, hidden.if_met_status) == (pr.PENDING, pr.NOT_ACHIEVED)
    assert (hidden.if_met_label, hidden.if_met_icon) == ("未達成", pr.ICONS[pr.NOT_ACHIEVED])


def test_a_percentage_unit_reaches_its_natural_limit(sample_values):
    kpi = Kpi.objects.get(plan=sample_values, code="2-2")  # テレワーク, 上げる, %
    KpiValue.objects.filter(kpi=kpi, fiscal_year=2023).update(value=Decimal("100"))
    a = _assess(sample_values, 2023)["2-2"]
    assert a.status == pr.ACHIEVED
    assert "上限の100%" in explain(a)


def test_parent_without_values_is_judged_on_the_mean_of_its_components(sample_values):
    result = _assess(sample_values, 2025)
    parent = result["1-3"]
    assert parent.derived
    parts = [
        KpiValue.objects.get(kpi__code=f"1-3-{i}", fiscal_year=2025).value for i in range(1, 6)
    ]
    assert parent.progress.value == pytest.approx(float(sum(parts) / 5))
    assert parent.sample
    # Each component has its own status too.
    assert result["1-3-2"].status == pr.ACHIEVED
    assert result["1-3-1"].status == pr.PENDING


def test_parent_mean_skips_a_year_with_a_missing_component(sample_values):
    KpiValue.objects.filter(kpi__code="1-3-4", fiscal_year=2025).delete()
    parent = _assess(sample_values, 2025)["1-3"]
    assert parent.progress.value_fy == 2024


def test_final_only_ignores_preliminary_values(sample_values):
    everything = _assess(sample_values, 2025)["2-3"]
    final_only = _assess(sample_values, 2025, final_only=True)["2-3"]
    assert everything.progress.value_fy == 2025
    assert final_only.progress.value_fy == 2024
    assert pr.FLAG_PRELIMINARY_VALUE not in final_only.progress.flags


def test_plan_thresholds_and_labels_are_used(sample_values):
    assert _assess(sample_values, 2024)["2-1"].status == pr.NEEDS_ACCELERATION  # r ≈ 0.74
    sample_values.threshold_on_track = Decimal("0.7")
    sample_values.threshold_needs_acceleration = Decimal("0.5")
    sample_values.status_labels = {"on_track": "概ね順調"}
    sample_values.full_clean()
    sample_values.save()
    a = _assess(sample_values, 2024)["2-1"]
    assert (a.status, a.label) == (pr.ON_TRACK, "概ね順調")


def test_unknown_status_label_key_is_refused_in_japanese(policy):
    policy.status_labels = {"great": "すごい"}
    with pytest.raises(ValidationError) as err:
        policy.full_clean()
    assert "判定の名前" in str(err.value)


def test_default_as_of_is_the_last_completed_fiscal_year_within_the_plan(policy):
    assert default_as_of(policy, dt.date(2026, 11, 28)) == 2025
    assert default_as_of(policy, dt.date(2024, 3, 31)) == 2022
    assert default_as_of(policy, dt.date(2024, 4, 1)) == 2023
    assert default_as_of(policy, dt.date(2030, 1, 1)) == 2025


@pytest.mark.parametrize(("raw", "fy"), [("R5", 2023), ("2024", 2024), ("令和4年度", 2022)])
def test_as_of_accepts_any_fiscal_year_form(policy, raw, fy):
    assert resolve_as_of(policy, raw) == fy


@pytest.mark.parametrize("raw", ["R9", "2019", "abc", "<script>"])
def test_as_of_outside_the_plan_or_unreadable_is_refused(policy, raw):
    with pytest.raises(AsOfError):
        resolve_as_of(policy, raw)


@pytest.mark.parametrize(
    ("code", "as_of", "words"),
    [
        ("1-2", 2025, "目標288"),
        ("2-1", 2024, "直線上の期待値"),
        ("2-1", 2025, "進捗率は71.6%"),
        ("1-1", 2025, "±5%"),
        ("1-1", 2025, "許容幅の外"),
        ("2-2", 2025, "年平均伸び率"),
        ("2-2", 2024, "年平均伸び率"),
        ("1-3-1", 2025, "再構築後"),
        ("1-3-1", 2025, "「未達成」に当たります"),
        ("3-2", 2025, "2年前"),
    ],
)
def test_every_status_is_explained_in_a_sentence(sample_values, code, as_of, words):
    a = _assess(sample_values, as_of)[code]
    sentence = explain(a)
    assert a.label in sentence
    assert sentence.endswith("。")
    assert words in sentence


def test_kpi_with_a_value_only_in_its_baseline_year_is_not_assessable(sample_values):
    kpi = Kpi.objects.get(plan=sample_values, code="1-1")  # baseline R4
    KpiValue.objects.filter(kpi=kpi, fiscal_year__gt=2022).delete()
    a = _assess(sample_values, 2025)["1-1"]
    assert a.status == pr.NOT_ASSESSABLE
    assert a.progress.value_fy == 2022  # still shown
    assert "基準年度より後の実績がまだありません" in explain(a)


def test_kpi_without_values_explains_why_it_is_not_assessable(policy):
    a = _assess(policy, 2025)["2-1"]
    assert a.status == pr.NOT_ASSESSABLE
    assert "実績値がまだありません" in explain(a)
