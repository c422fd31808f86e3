"""Plans from an Excel KPI table, as a fresh user wrote them: codes and units in full width,
huge and negative numbers, implausible years, hidden rows, a bad 識別子. Every problem is found
in one pass and named by sheet, row and column header, without cascades."""

from __future__ import annotations

import io

import openpyxl
import pytest

from initiatives.models import Plan
from kpi import plan_io, plan_xlsx
from kpi.models import Department, Kpi, Unit
from kpi.target_text import width_normal
from tests.kpi.plan_books import PLAN, book, kpi_row

pytestmark = pytest.mark.django_db


def _problems(content: bytes) -> list[str]:
    try:
        report = plan_io.import_plan(content, "plan.xlsx")
    except plan_io.PlanFileError as err:
        return [str(p) for p in err.problems]
    assert not report.applied
    return [str(p) for p in report.problems]


def _load(content: bytes) -> plan_io.Report:
    report = plan_io.import_plan(content, "plan.xlsx")
    assert report.applied, [str(p) for p in report.problems]
    return report


# --- widths ----------------------------------------------------------------------------------


def test_width_normal_folds_width_and_dashes_between_digits_but_keeps_circled_numbers():
    assert width_normal("３－１－１") == "3-1-1"
    assert width_normal("3ー1ー1") == "3-1-1" and width_normal("3−1") == "3-1"
    assert width_normal("（１）") == "(1)" and width_normal("①") == "①"
    assert width_normal("データ") == "データ"  # ー between kana stays a letter
    assert width_normal("％") == "%"


def test_a_code_in_full_width_is_the_same_kpi_as_the_code_already_loaded():
    _load(book([kpi_row("3-1-1", 取組項目番号="3-1")]))
    _load(book([kpi_row("３－１－１", 取組項目番号="３－１")]))
    assert list(Kpi.objects.values_list("code", flat=True)) == ["3-1-1"]
    assert Plan.objects.get().pillars.get().items.count() == 1


def test_the_same_code_in_two_widths_in_one_file_is_a_duplicate():
    problems = _problems(book([kpi_row("3-1-1"), kpi_row("３－１－１")]))
    assert any("3行目「指標コード」" in p and "2行目と同じ" in p for p in problems), problems


def test_a_circled_number_code_stays_as_written():
    _load(book([kpi_row("①")]))
    assert Kpi.objects.get().code == "①"


def test_units_that_differ_only_in_width_are_one_unit():
    _load(book([kpi_row("1-1", unit="%"), kpi_row("1-2", unit="％")]))
    assert list(Unit.objects.values_list("label", flat=True)) == ["%"]
    assert Kpi.objects.filter(unit__label="%").count() == 2


@pytest.mark.parametrize(("first", "again"), [("%", "％"), ("km", "ｋｍ")])
def test_a_full_width_unit_finds_the_unit_already_in_the_plan(first, again):
    _load(book([kpi_row("1-1", unit=first, target="90以上")]))
    _load(book([kpi_row("1-1", unit=again, target="90以上")]))
    assert list(Unit.objects.values_list("label", flat=True)) == [first]


@pytest.mark.parametrize("dash", ["—", "-", "－"])
def test_a_dash_for_unit_is_no_unit_with_a_clear_message(dash):
    problems = _problems(book([kpi_row(unit=dash)]))
    assert len(problems) == 1, problems
    assert "2行目「単位」" in problems[0] and "単位として使えません" in problems[0]
    assert not Unit.objects.exists()


# --- numbers ---------------------------------------------------------------------------------


def test_huge_numbers_in_text_and_number_cells_of_several_rows_are_reported_in_one_pass():
    rows = [
        kpi_row("1-1", baseline="1e20", unit="件", target="100件以上"),
        kpi_row("1-2", baseline=10.0**25, unit="件", target="100件以上"),
        kpi_row("1-3", baseline=5, unit="手続", target="9999999999999999手続以上"),
    ]
    problems = _problems(book(rows))
    assert any("2行目「基準値」" in p and "大きすぎ" in p for p in problems), problems
    assert any("3行目「基準値」" in p and "大きすぎ" in p for p in problems), problems
    target = [p for p in problems if "4行目「目標」" in p]
    assert target and "大きすぎ" in target[0] and "9,999,999,999,999" in target[0], problems
    assert not any("どれにも当たりません" in p for p in problems), problems


@pytest.mark.parametrize("written", ["-5", "−5", "▲5", -5])
def test_a_negative_baseline_says_negatives_are_not_allowed_for_the_unit_kind(written):
    problems = _problems(book([kpi_row(baseline=written, unit="件", target="10件以上")]))
    assert len(problems) == 1, problems
    assert "2行目「基準値」" in problems[0] and "負" in problems[0], problems
    assert "件数" in problems[0] and "読めません" not in problems[0], problems


# --- years -----------------------------------------------------------------------------------


def test_implausible_years_in_several_rows_are_refused_together_with_the_plan_period():
    rows = [
        kpi_row("1-1", 目標年度="R20"),
        kpi_row("1-2", 基準年度="1999"),
        kpi_row("1-3", 目標年度="H35"),
    ]
    problems = _problems(book(rows))
    assert any("2行目「目標年度」" in p and "R6～R8" in p for p in problems), problems
    assert any("3行目「基準年度」" in p and "R6～R8" in p for p in problems), problems
    assert any("4行目「目標年度」" in p for p in problems), problems


def test_years_ten_years_around_the_plan_are_accepted():
    _load(book([kpi_row("1-1", 目標年度="2036", 基準年度="2014", target="90%以上")]))
    kpi = Kpi.objects.get()
    assert (kpi.baseline_fy, kpi.target_fy) == (2014, 2036)


# --- hidden rows -----------------------------------------------------------------------------


def test_a_row_hidden_in_excel_is_refused_naming_the_row():
    wb = openpyxl.load_workbook(io.BytesIO(book([kpi_row("1-1"), kpi_row("1-2")])))
    wb["成果指標"].row_dimensions[3].hidden = True
    out = io.BytesIO()
    wb.save(out)
    problems = _problems(out.getvalue())
    assert len(problems) == 1 and "成果指標 3行目" in problems[0] and "非表示" in problems[0]


# --- messages --------------------------------------------------------------------------------


def test_a_bad_identifier_is_one_problem_naming_the_plan_sheet_cell():
    plan = [("識別子", "三重 DX") if k == "識別子" else (k, v) for k, v in PLAN]
    problems = _problems(book([kpi_row("1-1"), kpi_row("1-2")], plan=plan))
    assert problems == [p for p in problems if p.startswith("計画シート「識別子」：")], problems
    assert len(problems) == 1 and "三重 DX" in problems[0]
    assert not any(word in problems[0] for word in ("slug", "参照先"))


def test_a_too_long_department_or_unit_name_is_one_problem_per_row_without_cascade():
    long = "課" * 101
    problems = _problems(book([kpi_row("1-1", 所管課=long), kpi_row("1-2", unit="単" * 31)]))
    assert len(problems) == 2, problems
    assert "2行目「所管課」" in problems[0] and "100文字" in problems[0]
    assert "3行目「単位」" in problems[1] and "30文字" in problems[1]
    assert not Department.objects.exists()


def test_a_too_long_pillar_title_is_said_by_its_column_on_every_row_that_writes_it():
    rows = [kpi_row("1-1", 取組方針="方" * 201), kpi_row("1-2", 取組方針="方" * 201)]
    problems = _problems(book(rows))
    assert len(problems) == 2, problems
    assert all("「取組方針」" in p and "200文字" in p for p in problems), problems


def test_a_loader_problem_names_the_cell_and_references_to_it_are_said_once():
    # The reader now catches every plan-sheet fault it can see (a reversed period included), so
    # a loader-only failure is made here: the records a workbook gives, with the problems the
    # loader would report for a plan that failed and the rows that refer to it.
    records = [
        {"model": "initiatives.plan", "fields": {}, "sheet": plan_xlsx.SHEET_PLAN},
        *({"model": "kpi.kpi", "fields": {}, "sheet": "成果指標", "row": n} for n in (2, 3)),
    ]
    problems = plan_io._with_sheet_rows(
        records,
        [
            plan_io.Problem(
                1, "initiatives.plan", "", "last_fy (last_fy)", "年度が前後しています。"
            ),
            *(
                plan_io.Problem(n, "kpi.kpi", "", "plan", "参照先が見つかりません: ['x']")
                for n in (2, 3)
            ),
        ],
    )
    said = [str(p) for p in problems]
    assert said[0].startswith("計画シート「終了年度」"), said
    assert not any("参照先が見つかりません" in p for p in said), said
    assert "上の誤りのあるものを参照する2件" in said[-1] and "確かめていません" in said[-1]
    assert len(said) == 2, said
    assert not any(w in p for p in said for w in ("first_fy", "last_fy", "件目 "))


# --- relative changes ------------------------------------------------------------------------


def test_a_percent_reduction_of_a_counted_baseline_suggests_the_level_it_reaches():
    problems = _problems(book([kpi_row(target="20%削減", baseline="15,000", unit="千枚")]))
    assert len(problems) == 1, problems
    assert "15,000の20%減 → 12,000以下" in problems[0], problems
    assert "20以下" not in problems[0], problems  # 20 千枚 is not what 20% means


@pytest.mark.parametrize("target", ["10%増加", "10%増", "10%の増加"])
def test_a_percent_increase_suggests_the_level_above_the_baseline(target):
    problems = _problems(book([kpi_row(target=target, baseline=200, unit="件")]))
    assert "200の10%増 → 220以上" in problems[0], problems


def test_a_percent_cut_written_with_減_suggests_the_level_it_reaches():
    problems = _problems(book([kpi_row(target="20%減", baseline="15,000", unit="千枚")]))
    assert "15,000の20%減 → 12,000以下" in problems[0], problems


def test_a_percent_reduction_of_a_percentage_shows_points_and_relative_change():
    problems = _problems(book([kpi_row(target="20%削減", baseline=50, unit="%")]))
    assert "50から20ポイント減 → 30以下" in problems[0], problems
    assert "50の20%減 → 40以下" in problems[0], problems


# --- checks the loader makes, found with the reader's in one pass ---------------------------


def test_a_target_year_before_the_plan_is_listed_with_another_rows_unreadable_target():
    rows = [kpi_row("1-1", "全庁展開"), kpi_row("1-2", 目標年度="R4", 基準年度="R3")]
    problems = _problems(book(rows))
    assert any("2行目「目標」" in p for p in problems), problems
    assert any("3行目「目標年度」" in p and "R6～R8" in p for p in problems), problems


def test_a_code_that_cannot_stand_in_an_address_is_listed_with_other_rows_problems():
    problems = _problems(book([kpi_row("1/1"), kpi_row("1-2", "全庁展開")]))
    assert any("2行目「指標コード」" in p and "「/」" in p for p in problems), problems
    assert any("3行目「目標」" in p for p in problems), problems


def test_a_yearly_target_outside_baseline_and_target_year_is_listed_in_the_same_pass():
    rows = [kpi_row("1-1", "90%以上", 50, R9=95), kpi_row("1-2", "全庁展開")]
    problems = _problems(book(rows))
    assert any("2行目「R9」" in p and "目標年度まで" in p for p in problems), problems
    assert any("3行目「目標」" in p for p in problems), problems
