"""The real policy fixture says exactly what the source document says."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from initiatives.models import (
    Action,
    InitiativeItem,
    Milestone,
    Pillar,
    PlanSection,
    PolicyDirection,
)
from kpi.models import Kpi, KpiValue, TargetKind

pytestmark = pytest.mark.django_db

# (code, verbatim name, unit, baseline fy, baseline value, target fy, kind, target value)
EXPECTED_KPIS = [
    ("1-1", "情報システム予算額", "百万円", 2022, "4928", 2025, "maintain", None),
    ("1-2", "情報システム診断・相談数", "件", 2020, "258", 2025, "at_least", "288"),
    ("1-3", "基幹系システムの利用満足度", "%", 2021, "52.5", 2025, "at_least", "80"),
    ("1-4", "セキュリティ研修の受講率", "%", 2020, "100", 2025, "at_least", "100"),
    ("2-1", "ICTツールの業務への導入数", "件", 2020, "31", 2025, "at_least", "200"),
    ("2-2", "テレワークを希望どおり実施できている職員", "%", 2021, "33.1", 2025, "increase", None),
    ("2-3", "電子申請システムの利用件数", "百件", 2020, "1438", 2025, "at_least", "2744"),
    (
        "2-4",
        "北海道オープンデータポータルサイトの掲載数",
        "件",
        2021,
        "831",
        2025,
        "at_least",
        "1217",
    ),
    (
        "3-1",
        "民間企業と職員をつなぎ、道のデジタル化を推進していく人材(レベル1)の充足率",
        "%",
        2021,
        "30",
        2025,
        "at_least",
        "80",
    ),
    (
        "3-2",
        "デジタル技術やデータを活用して業務改善を図ることができる人材(レベル2)の充足率",
        "%",
        2021,
        "20",
        2025,
        "at_least",
        "80",
    ),
]
EXPECTED_COMPONENTS = [
    ("1-3-1", "1-3", "人事給与システム", "53.1"),
    ("1-3-2", "1-3", "総合文書管理システム(旧)", "38.1"),
    ("1-3-3", "1-3", "行政情報コミュニケーションシステム", "62.4"),
    ("1-3-4", "1-3", "財務会計トータルシステム", "41.3"),
    ("1-3-5", "1-3", "電子申請システム", "67.7"),
    ("2-4-1", "2-4", "うち機械判読可能なもの", "7"),
]


def test_has_three_pillars_fifteen_items_ten_kpis_and_six_components(policy):
    assert list(Pillar.objects.filter(plan=policy).values_list("number", "title")) == [
        (1, "最適な情報システムの実現"),
        (2, "デジタル技術を活用した業務の質の向上"),
        (3, "デジタル人材の育成・確保等"),
    ]
    items = InitiativeItem.objects.filter(pillar__plan=policy)
    assert items.count() == 15
    assert [items.filter(pillar__number=n).count() for n in (1, 2, 3)] == [7, 4, 4]
    assert PolicyDirection.objects.filter(pillar__plan=policy).count() == 6
    assert Kpi.objects.filter(plan=policy, parent__isnull=True).count() == 10
    assert Kpi.objects.filter(plan=policy, parent__isnull=False).count() == 6


@pytest.mark.parametrize(
    ("code", "name", "unit", "b_fy", "b_value", "t_fy", "kind", "t_value"), EXPECTED_KPIS
)
def test_each_kpi_carries_the_sources_name_unit_baseline_and_target(
    policy, code, name, unit, b_fy, b_value, t_fy, kind, t_value
):
    kpi = Kpi.objects.select_related("unit").get(plan=policy, code=code)
    assert kpi.parent_id is None
    assert kpi.name == name
    assert kpi.unit.label == unit
    assert (kpi.baseline_fy, kpi.baseline_value) == (b_fy, Decimal(b_value))
    assert (kpi.target_fy, kpi.target_kind) == (t_fy, kind)
    assert kpi.target_value == (Decimal(t_value) if t_value is not None else None)


@pytest.mark.parametrize(("code", "parent", "name", "baseline"), EXPECTED_COMPONENTS)
def test_each_component_hangs_under_its_parent(policy, code, parent, name, baseline):
    kpi = Kpi.objects.get(plan=policy, code=code)
    assert kpi.parent.code == parent
    assert kpi.name == name
    assert kpi.baseline_value == Decimal(baseline)
    assert kpi.baseline_fy == 2021


def test_parent_satisfaction_baseline_is_the_mean_of_its_components(policy):
    parent = Kpi.objects.get(plan=policy, code="1-3")
    scores = [c.baseline_value for c in parent.components.all()]
    assert len(scores) == 5
    mean = sum(scores) / len(scores)
    assert mean == Decimal("52.52")
    assert round(mean, 1) == parent.baseline_value == Decimal("52.5")
    assert parent.combine_rule == "mean"
    assert parent.baseline_text == "平均52.5"


def test_targets_that_are_not_numbers_keep_their_words(policy):
    budget = Kpi.objects.get(plan=policy, code="1-1")
    assert budget.target_kind == TargetKind.MAINTAIN
    assert budget.target_text == "予算規模維持"
    assert budget.target_tolerance == Decimal("0.05")
    telework = Kpi.objects.get(plan=policy, code="2-2")
    assert telework.target_kind == TargetKind.INCREASE
    assert telework.target_text == "上げる"
    assert telework.note == "※テレワークを実施したいときにできているか"
    satisfaction = Kpi.objects.get(plan=policy, code="1-3")
    assert satisfaction.target_text == "再構築後に80%以上"
    assert satisfaction.target_condition == "再構築後"


def test_talent_kpis_are_provisional_with_approximate_baselines(policy):
    for code, text in (("3-1", "約30"), ("3-2", "約20")):
        kpi = Kpi.objects.get(plan=policy, code=code)
        assert kpi.is_provisional
        assert "改めて設定" in kpi.provisional_reason
        assert kpi.baseline_approximate
        assert kpi.baseline_text == text
    others = Kpi.objects.filter(plan=policy).exclude(code__in=["3-1", "3-2"])
    assert not others.filter(is_provisional=True).exists()
    assert not others.filter(baseline_approximate=True).exists()


def test_scaled_units_know_their_scale(policy):
    filings = Kpi.objects.get(plan=policy, code="2-3")
    assert filings.unit.scale * filings.target_value == 274400
    budget = Kpi.objects.get(plan=policy, code="1-1")
    assert budget.unit.scale == 1_000_000
    assert budget.unit.scale_label == "1百万円 = 1,000,000円"


def test_actions_are_in_the_sources_order(policy):
    item = InitiativeItem.objects.get(pillar__plan=policy, pillar__number=2, number=1)
    assert list(item.actions.values_list("text", flat=True)) == [
        "ICTツールの効果的な導入に必要な業務の見直しを実施",
        "業務を効率化・省力化するICTツールの有効活用",
    ]
    assert Action.objects.filter(item__pillar__plan=policy).count() == 18


def test_talent_plan_milestone_is_due_in_r4_september(policy):
    milestone = Milestone.objects.get(pillar__plan=policy, pillar__number=3)
    assert (milestone.due_text, milestone.due_fy, milestone.due_month) == ("R4.9予定", 2022, 9)


def test_context_sections_cover_the_whole_source(policy):
    kinds = dict.fromkeys(PlanSection.Kind.values, 0)
    for section in PlanSection.objects.filter(plan=policy):
        kinds[section.kind] += 1
    assert kinds == {
        "trends": 1,
        "previous_results": 3,
        "challenges": 5,
        "vision": 1,
        "talent_model": 1,
        "governance": 1,
    }
    trends = PlanSection.objects.get(plan=policy, kind="trends")
    assert len(trends.items) == 9
    table = PlanSection.objects.get(plan=policy, kind="talent_model")
    # The source's level 1 and 2 descriptions are swapped relative to the KPI names; kept so.
    assert [
        "",
        "必須要件(レベル2)",
        "民間企業と職員をつなぎ、同庁のデジタル化を推進していくことができる。",
    ] in table.items


def _texts(policy):
    """Every text of the fixture that claims to be the source's wording."""
    yield from (policy.purpose, policy.position, policy.period_text, policy.scope)
    for s in PlanSection.objects.filter(plan=policy):
        yield s.heading
        yield from s.body.splitlines()
        for item in s.items:
            yield from (item if isinstance(item, list) else [item])
    for model, field in (
        (Pillar, "title"),
        (PolicyDirection, "text"),
        (InitiativeItem, "title"),
        (Action, "text"),
        (Milestone, "text"),
        (Milestone, "due_text"),
    ):
        yield from model.objects.values_list(field, flat=True)
    for kpi in Kpi.objects.filter(plan=policy):
        yield from (kpi.name, kpi.baseline_text, kpi.target_text, kpi.note, kpi.provisional_reason)


def test_every_text_is_verbatim_from_the_source(policy, source_text):
    missing = [t for t in _texts(policy) if t and t.strip() and t not in source_text]
    assert missing == []


def test_loading_the_fixture_twice_changes_nothing(policy):
    models = (Pillar, PolicyDirection, InitiativeItem, Action, Milestone, PlanSection, Kpi)
    before = {m.__name__: m.objects.count() for m in models}
    snapshot = list(Kpi.objects.order_by("code").values())
    call_command("loaddata", "hokkaido_smart_docho_3", verbosity=0)
    assert {m.__name__: m.objects.count() for m in models} == before
    assert list(Kpi.objects.order_by("code").values()) == snapshot


def test_sample_values_are_marked_as_sample_and_load_idempotently(sample_values):
    assert KpiValue.objects.count() == 58
    assert not KpiValue.objects.filter(is_sample=False).exists()
    call_command("loaddata", "sample_values", verbosity=0)
    assert KpiValue.objects.count() == 58
    years = set(KpiValue.objects.values_list("fiscal_year", flat=True))
    assert years == {2022, 2023, 2024, 2025}
    # The parent satisfaction score is derived from its components, never stored as a sample.
    assert not KpiValue.objects.filter(kpi__code="1-3").exists()
