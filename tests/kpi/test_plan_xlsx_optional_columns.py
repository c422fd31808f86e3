"""The optional columns 望ましい方向 and めざす姿 of a plan workbook: what a target's kind cannot
say ("0件を維持" where fewer is better), and the item's goal, read, cleared and written back."""

import pytest

from initiatives.models import InitiativeItem
from kpi import plan_io, plan_xlsx
from kpi.models import Kpi
from tests.kpi.plan_books import book, cell_values, kpi_row

pytestmark = pytest.mark.django_db


def _load(content: bytes) -> plan_io.Report:
    report = plan_io.import_plan(content, "plan.xlsx")
    assert report.applied, [str(p) for p in report.problems]
    return report


def _problems(content: bytes) -> list[str]:
    with pytest.raises(plan_io.PlanFileError) as refused:
        plan_io.import_plan(content, "plan.xlsx")
    return [str(p) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("written", "direction"),
    [
        ("低いほど良い", "lower"),
        ("少ないほど良い", "lower"),
        ("高いほど良い", "higher"),
        ("中立", "neutral"),
        ("lower", "lower"),
        (" 低いほど良い ", "lower"),
        (None, "neutral"),  # 維持 says neutral when nothing is written
    ],
)
def test_a_maintain_target_takes_the_direction_written(written, direction):
    _load(book([kpi_row(target="0件を維持", baseline=0, unit="件", 望ましい方向=written)]))
    assert Kpi.objects.get(code="1-1").direction == direction


def test_a_direction_that_is_no_direction_is_refused_with_the_words_to_use():
    problems = _problems(book([kpi_row(望ましい方向="右肩上がり")]))
    assert any("望ましい方向" in p and "「低いほど良い」" in p for p in problems), problems
    assert not Kpi.objects.exists()


def test_a_maintain_kpi_lower_is_better_judges_an_increase_as_a_deterioration():
    from kpi.evaluation import assess

    _load(book([kpi_row(target="0件を維持", baseline=0, unit="件", 望ましい方向="低いほど良い")]))
    kpi = Kpi.objects.for_display().get(code="1-1")
    kpi.values.create(fiscal_year=2024, value=1, status="final")
    kpi = Kpi.objects.for_display().get(code="1-1")
    a = assess([kpi], kpi.plan, 2024)[kpi.id]
    assert a.status == "deterioration"


def test_the_goal_column_sets_clears_and_keeps_the_items_goal():
    rows = [
        kpi_row(code="1-1", めざす姿="手続がオンラインで完結している"),
        kpi_row(code="1-2", めざす姿=None),  # the same item: one goal is enough
    ]
    _load(book(rows))
    item = InitiativeItem.objects.get(label="1-1")
    assert item.goal == "手続がオンラインで完結している"
    # Without the column, the goal stays as it is.
    _load(book([kpi_row(code="1-1"), kpi_row(code="1-2")]))
    assert InitiativeItem.objects.get(label="1-1").goal == "手続がオンラインで完結している"
    # With the column emptied, the table says there is none.
    _load(book([kpi_row(code="1-1", めざす姿=None), kpi_row(code="1-2", めざす姿=None)]))
    assert InitiativeItem.objects.get(label="1-1").goal == ""


def test_two_goals_for_one_item_are_refused():
    rows = [kpi_row(code="1-1", めざす姿="甲"), kpi_row(code="1-2", めざす姿="乙")]
    problems = _problems(book(rows))
    assert any("めざす姿" in p and "「甲」" in p for p in problems), problems


def test_direction_and_goal_are_written_back_and_read_back_the_same():
    rows = [
        kpi_row(code="1-1", target="0件を維持", baseline=0, unit="件", 望ましい方向="低いほど良い"),
        kpi_row(code="1-2", めざす姿="手続がオンラインで完結している"),
    ]
    _load(book(rows))
    first = plan_xlsx.write_workbook("test-town-dx")
    sheet = cell_values(first)["成果指標"]
    header = sheet[0]
    by_code = {r[header.index("指標コード")]: r for r in sheet[1:]}
    assert by_code["1-1"][header.index("望ましい方向")] == "低いほど良い"
    assert by_code["1-2"][header.index("望ましい方向")] is None  # 以上 says it already
    assert by_code["1-2"][header.index("めざす姿")] == "手続がオンラインで完結している"
    report = plan_io.import_plan(first, "plan.xlsx")
    assert report.applied and not report.changes, [str(c) for c in report.changes]
    assert cell_values(plan_xlsx.write_workbook("test-town-dx")) == cell_values(first)


@pytest.mark.parametrize(
    "cells",
    [
        {"目標の種類": "以下", "目標値": -24, "target": "20%削減"},
        {"目標の種類": "範囲", "目標値": 1, "目標値（上限）": -3, "target": "範囲"},
        {"R7": -5, "target": "80%以上"},
    ],
)
def test_a_negative_target_is_refused_like_a_negative_baseline(cells):
    problems = _problems(book([kpi_row(unit="分", baseline=30, **cells)]))
    assert any("負の数" in p and "負の値は使えません" in p for p in problems), problems


def _formatted_book(value, number_format, column="基準値"):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(book([kpi_row(unit="件", target="9000件以上")])))
    ws = wb["成果指標"]
    col = [c.value for c in ws[1]].index(column) + 1
    ws.cell(2, col, value).number_format = number_format
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [(5000, '#,##0,"千"', "5千"), (52.5, "0", "53"), (1234.5, "#,##0", "1,235")],
)
def test_a_number_shown_otherwise_than_it_is_stored_is_refused(value, number_format, shown):
    problems = _problems(_formatted_book(value, number_format))
    assert any("基準値" in p and f"「{shown}」と表示" in p for p in problems), problems


@pytest.mark.parametrize(
    ("value", "number_format", "stored"),
    [(1234, "#,##0", 1234), (0.531, "0.0%", "53.1"), (30, "General", 30)],
)
def test_a_number_shown_as_stored_loads(value, number_format, stored):
    from decimal import Decimal

    _load(_formatted_book(value, number_format))
    assert Kpi.objects.get(code="1-1").baseline_value == Decimal(str(stored))


def test_a_plan_period_that_ends_before_it_starts_is_named_on_the_plan_sheet():
    from tests.kpi.plan_books import PLAN

    plan = [(k, "R9" if k == "開始年度" else v) for k, v in PLAN]
    problems = _problems(book([kpi_row()], plan=plan))
    assert any("計画シート" in p and "終了年度（R8）が開始年度（R9）より前" in p for p in problems)


def test_the_preview_says_a_direction_the_kind_does_not():
    rows = [
        kpi_row(code="1-1", target="0件を維持", baseline=0, unit="件", 望ましい方向="低いほど良い"),
        kpi_row(code="1-2", 望ましい方向=None),
    ]
    report = plan_io.import_plan(book(rows), "plan.xlsx", dry_run=True)
    readings = {r.key: r.reading for r in report.readings}
    assert "望ましい方向 低いほど良い" in readings["1-1"]
    assert "望ましい方向" not in readings["1-2"]  # 以上 says higher already
