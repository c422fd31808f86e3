"""Small builders for test data that the real fixture does not cover."""

from __future__ import annotations

from decimal import Decimal

from initiatives.models import InitiativeItem, Organization, Pillar, Plan
from kpi.models import Kpi, KpiValue, ScheduleStep, TargetBasis, TargetKind, Unit, YearlyTarget


def home_organization() -> Organization:
    """The organization of the real policy (its fixture's record), where the standing cast of
    users of tests/conftest.py works and where generated plans go unless told otherwise."""
    organization, _ = Organization.objects.get_or_create(
        slug="hokkaido", defaults={"name": "北海道", "kind": "prefecture", "code": "010006"}
    )
    return organization


def make_organization(slug: str = "test-pref", name: str = "テスト県", **fields) -> Organization:
    """The organization of that slug, made the first time it is asked for."""
    organization, _ = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": "prefecture", **fields}
    )
    return organization


def make_plan(
    slug: str = "generated",
    *,
    pillars: int = 3,
    kpis_per_pillar: int = 4,
    years: tuple[int, ...] = (2022, 2023, 2024),
    is_current: bool = False,
    components: int = 0,
    organization: Organization | None = None,
) -> Plan:
    """A plan of the given size with a value for every KPI and year.

    With `components`, the first KPI of each pillar gets that many component KPIs.
    """
    organization = organization or home_organization()
    plan = Plan.objects.create(
        slug=slug,
        organization=organization,
        government=organization.name,  # a plan names its own government (plan_organizations)
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


def make_shapes_plan(slug: str = "shapes", organization: Organization | None = None) -> Plan:
    """A plan (R4–R7, 2022–2025) with one KPI of every target shape of issue 12, with values.

    Codes as plans write them: "1.1" yearly path, "①" annual flow, "2-8-2" range, "3.1"
    schedule, "新1" no baseline, "1.2" cumulative with a 2030 target past the plan.
    """
    from kpi.models import ScheduleStep, YearlyTarget

    plan = Plan.objects.create(
        slug=slug,
        organization=organization or home_organization(),
        government="例示県",
        title="例示県デジタル計画（架空）",
        first_fy=2022,
        last_fy=2025,
        report_to="例示県DX推進会議（架空）",
    )
    count = Unit.objects.create(plan=plan, code="count", label="件", base_label="件", kind="count")
    percent = Unit.objects.create(
        plan=plan, code="percent", label="%", base_label="%", kind="percent", decimals=1
    )
    step = Unit.objects.create(
        plan=plan, code="step", label="段階", base_label="段階", kind="count"
    )
    pillar = Pillar.objects.create(plan=plan, number=1, title="柱")
    item = InitiativeItem.objects.create(
        pillar=pillar, number=1, label="2-8-2", title="項目", goal="めざす姿の文"
    )
    common = {"plan": plan, "pillar": pillar, "target_fy": 2025}

    def kpi(code, order, **fields):
        return Kpi.objects.create(
            code=code, order=order, name=f"指標{code}", **{**common, **fields}
        )

    yearly = kpi(
        "1.1",
        1,
        item=item,
        unit=count,
        baseline_fy=2021,
        baseline_value=0,
        target_kind="at_least",
        target_value=100,
    )
    YearlyTarget.objects.bulk_create(
        YearlyTarget(kpi=yearly, fiscal_year=fy, value=v)
        for fy, v in ((2022, 40), (2023, 50), (2024, 60))
    )
    annual = kpi(
        "①",
        2,
        unit=count,
        baseline_fy=2021,
        baseline_value=800,
        target_kind="at_least",
        target_value=1000,
        target_basis="annual",
        target_text="1,000件/年",
    )
    ranged = kpi(
        "2-8-2",
        3,
        unit=percent,
        baseline_fy=2021,
        baseline_value=60,
        target_kind="range",
        target_value=80,
        target_value_high=90,
        target_text="80～90",
    )
    schedule = kpi("3.1", 4, unit=step, target_kind="milestone", target_text="検討→導入→運用")
    ScheduleStep.objects.bulk_create(
        ScheduleStep(kpi=schedule, order=i, label=label, due_fy=fy)
        for i, (label, fy) in enumerate((("検討", 2023), ("導入", 2024), ("運用", 2025)), 1)
    )
    new = kpi("新1", 5, unit=count, target_kind="at_least", target_value=100)
    cumulative = kpi(
        "1.2",
        6,
        unit=count,
        baseline_fy=2021,
        baseline_value=0,
        target_kind="at_least",
        target_value=90,
        target_fy=2030,
        cumulative=True,
    )
    values = {
        yearly: [(2022, 35)],
        annual: [(2022, 1000), (2023, 700)],
        ranged: [(2022, 65)],
        schedule: [(2022, 0), (2023, 1), (2024, 1)],
        new: [(2022, 20), (2023, 30)],
        cumulative: [(2022, 10), (2023, 20)],
    }
    KpiValue.objects.bulk_create(
        KpiValue(kpi=k, fiscal_year=fy, value=Decimal(v), status="final")
        for k, pairs in values.items()
        for fy, v in pairs
    )
    return plan


def add_new_shapes(plan: Plan) -> dict[str, Kpi]:
    """Three KPIs of the shapes issue 12 added, in pillar 1 of a plan made by `make_plan`.

    new: no baseline (新規), cumulative, yearly targets, under an item labelled "2-8-2";
    range: 70～80.5 each year (annual basis), under an unlabelled item (shown "(2)");
    milestone: three schedule steps, its values the order of the step reached.
    """
    pillar = plan.pillars.get(number=1)
    unit = plan.units.get(code="cases")
    labelled = pillar.items.get(number=1)
    labelled.label = "2-8-2"
    labelled.goal = "手続がオンラインで完結している"
    labelled.save()
    unlabelled = InitiativeItem.objects.create(pillar=pillar, number=2, title="項目1-2")
    common = {"plan": plan, "pillar": pillar, "unit": unit, "target_fy": 2025}
    new = Kpi.objects.create(
        **common,
        item=labelled,
        code="new-1",
        order=90,
        name="新規の指標",
        cumulative=True,
        target_kind=TargetKind.AT_LEAST,
        target_value=Decimal(50),
        target_text="50件",
    )
    YearlyTarget.objects.bulk_create(
        [
            YearlyTarget(kpi=new, fiscal_year=2024, value=Decimal("35.5")),
            YearlyTarget(kpi=new, fiscal_year=2023, value=Decimal(20)),
        ]
    )
    range_kpi = Kpi.objects.create(
        **common,
        item=unlabelled,
        code="range-1",
        order=91,
        name="範囲の指標",
        baseline_fy=2021,
        baseline_value=Decimal(60),
        baseline_text="60",
        target_kind=TargetKind.RANGE,
        target_value=Decimal(70),
        target_value_high=Decimal("80.5"),
        target_basis=TargetBasis.ANNUAL,
    )
    milestone = Kpi.objects.create(
        **common,
        code="milestone-1",
        order=92,
        name="実施スケジュールの指標",
        target_kind=TargetKind.MILESTONE,
    )
    ScheduleStep.objects.bulk_create(
        [
            ScheduleStep(kpi=milestone, order=2, label="導入", due_fy=2024),
            ScheduleStep(kpi=milestone, order=1, label="検討", due_fy=2023),
            ScheduleStep(kpi=milestone, order=3, label="運用", due_fy=2025),
        ]
    )
    KpiValue.objects.bulk_create(
        [
            KpiValue(kpi=new, fiscal_year=2022, value=Decimal(10), status="final"),
            KpiValue(kpi=new, fiscal_year=2023, value=Decimal("22.25"), status="final"),
            KpiValue(kpi=range_kpi, fiscal_year=2023, value=Decimal(72), status="final"),
            KpiValue(kpi=range_kpi, fiscal_year=2024, value=Decimal(85), status="final"),
            KpiValue(kpi=milestone, fiscal_year=2023, value=Decimal(1), status="final"),
            KpiValue(kpi=milestone, fiscal_year=2024, value=Decimal(2), status="final"),
        ]
    )
    return {"new": new, "range": range_kpi, "milestone": milestone}


def workbook_for(path, **items: str) -> bytes:
    """An Excel plan workbook (kpi/plan_xlsx.py) with items of its 計画 sheet changed, e.g.
    `workbook_for(EXAMPLE, 団体名="例示市")`: what an organization's admin fills in."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(path)
    for row in wb["計画"].iter_rows(min_row=2):
        if row[0].value in items:
            row[1].value = items[row[0].value]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
