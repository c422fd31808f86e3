"""Small builders for test data that the real fixture does not cover."""

from __future__ import annotations

from decimal import Decimal

from initiatives.models import InitiativeItem, Pillar, Plan
from kpi.models import Kpi, KpiValue, Unit


def make_plan(
    slug: str = "generated",
    *,
    pillars: int = 3,
    kpis_per_pillar: int = 4,
    years: tuple[int, ...] = (2022, 2023, 2024),
    is_current: bool = False,
    components: int = 0,
) -> Plan:
    """A plan of the given size with a value for every KPI and year.

    With `components`, the first KPI of each pillar gets that many component KPIs.
    """
    plan = Plan.objects.create(
        slug=slug,
        government="テスト県",
        title=f"テスト計画 {slug}",
        term="1期",
        first_fy=2022,
        last_fy=2025,
        is_current=is_current,
    )
    unit, _ = Unit.objects.get_or_create(
        plan=plan, code="cases", defaults={"label": "件", "base_label": "件", "kind": "count"}
    )
    kpis: list[Kpi] = []
    for p in range(1, pillars + 1):
        pillar = Pillar.objects.create(plan=plan, number=p, title=f"柱{p}")
        InitiativeItem.objects.create(pillar=pillar, number=1, title=f"項目{p}")
        for k in range(1, kpis_per_pillar + 1):
            kpis.append(
                Kpi(
                    plan=plan,
                    pillar=pillar,
                    code=f"g{p}-{k}",
                    order=k,
                    name=f"生成指標{p}-{k}",
                    unit=unit,
                    baseline_fy=2021,
                    baseline_value=Decimal(100),
                    target_fy=2025,
                    target_kind="at_least",
                    target_value=Decimal(200),
                )
            )
    Kpi.objects.bulk_create(kpis)
    for parent in [k for k in kpis if k.order == 1]:
        for c in range(1, components + 1):
            kpis.append(
                Kpi.objects.create(
                    plan=plan,
                    pillar=parent.pillar,
                    parent=parent,
                    code=f"{parent.code}-{c}",
                    order=parent.order,
                    name=f"{parent.name}の構成要素{c}",
                    unit=unit,
                    baseline_fy=2021,
                    baseline_value=Decimal(100),
                    target_fy=2025,
                    target_kind="at_least",
                    target_value=Decimal(200),
                )
            )
    KpiValue.objects.bulk_create(
        KpiValue(kpi=kpi, fiscal_year=fy, value=Decimal(100 + 20 * i), status="final")
        for kpi in kpis
        for i, fy in enumerate(years, start=1)
    )
    return plan
