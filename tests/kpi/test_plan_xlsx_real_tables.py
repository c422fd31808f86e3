"""Plans from a real municipality's KPI table: formulas with no stored result, merged cells,
codes Excel made into dates, kind names as people write them, targets with marks and years,
title rows, sheet names with spaces, and every problem in one pass."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from initiatives.models import InitiativeItem, Plan
from kpi import plan_io, plan_xlsx, target_text
from kpi.models import Kpi, ScheduleStep
from tests.kpi.plan_books import HEADERS, PLAN, book, kpi_row

pytestmark = pytest.mark.django_db


def _problems(content: bytes) -> list[str]:
    with pytest.raises(plan_io.PlanFileError) as err:
        plan_io.import_plan(content, "plan.xlsx")
    assert not Plan.objects.exists() and not Kpi.objects.exists()
    return [str(p) for p in err.value.problems]


def _load(content: bytes) -> None:
    report = plan_io.import_plan(content, "plan.xlsx")
    assert report.applied, [str(p) for p in report.problems]


def _edited(content: bytes, edit) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    edit(wb["成果指標"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _col(header: str) -> int:
    return HEADERS.index(header) + 1


# --- (a) formulas with no stored result -------------------------------------------------------


def test_a_formula_with_no_stored_result_is_reported_by_its_cell_and_nothing_is_saved():
    def edit(ws):
        ws.cell(2, _col("目標年度")).value = "=2020+6"  # openpyxl stores no result

    problems = _problems(_edited(book([kpi_row()]), edit))
    assert any("成果指標!J2 は数式で、計算結果が保存されていません" in p for p in problems), (
        problems
    )


def test_a_row_of_only_formulas_is_not_skipped_as_empty():
    def edit(ws):
        for column in range(1, len(HEADERS) + 1):
            ws.cell(3, column).value = f"={openpyxl.utils.get_column_letter(column)}2"

    problems = _problems(_edited(book([kpi_row()]), edit))
    assert any("成果指標!E3 は数式" in p for p in problems), problems


def test_a_formula_on_the_plan_sheet_is_reported_too():
    plan = [*PLAN[:4], ("開始年度", "=2024"), *PLAN[5:]]
    problems = _problems(book([kpi_row()], plan=plan))
    assert any("計画!B5 は数式" in p for p in problems), problems


# --- (b) merged cells ---------------------------------------------------------------------


def test_item_and_pillar_cells_merged_down_fill_every_row_they_span():
    rows = [kpi_row("1-1"), kpi_row("1-2"), kpi_row("1-3")]
    for r in rows[1:]:
        r.update(取組方針番号=None, 取組方針=None, 取組項目番号=None, 取組項目=None, 目標年度=None)

    def edit(ws):
        for header in ("取組方針番号", "取組方針", "取組項目番号", "取組項目", "目標年度"):
            ws.merge_cells(
                start_row=2, end_row=4, start_column=_col(header), end_column=_col(header)
            )

    _load(_edited(book(rows), edit))
    assert InitiativeItem.objects.count() == 1
    assert sorted(Kpi.objects.values_list("code", "item__title", "target_fy")) == [
        ("1-1", "オンライン申請", 2026),
        ("1-2", "オンライン申請", 2026),
        ("1-3", "オンライン申請", 2026),
    ]


def test_a_range_merged_across_columns_stays_in_its_first_column():
    def edit(ws):
        ws.insert_rows(1)
        ws.cell(1, 1).value = "成果指標一覧"
        ws.merge_cells("A1:N1")

    _load(_edited(book([kpi_row()]), edit))
    assert Kpi.objects.count() == 1


# --- (c) codes Excel made into dates ------------------------------------------------------


def test_a_code_made_into_a_date_is_refused_with_both_readings_even_when_the_pillar_fits_one():
    # 3月1日 under pillar 3: the plan may number codes by item (1-3) as well as by pillar (3-1).
    rows = [kpi_row(dt.datetime(2026, 3, 1), 取組方針番号=3, 取組方針="基盤")]
    problems = _problems(book(rows))
    assert any(
        "指標コード" in p and "日付" in p and "「3-1」" in p and "「1-3」" in p and "文字列" in p
        for p in problems
    ), problems


def test_an_item_number_made_into_a_date_is_refused_the_same_way():
    problems = _problems(book([kpi_row(取組項目番号=dt.datetime(2026, 1, 2))]))
    assert any("取組項目番号" in p and "「1-2」" in p and "「2-1」" in p for p in problems), (
        problems
    )


# --- (d) kind names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["実施スケジュール", "実施スケジュ-ル", "実施スケジュ－ル", "実施 スケジュール", "実施ｽｹｼﾞｭｰﾙ"],
)
def test_a_schedule_kind_is_accepted_however_its_long_vowel_is_written(written):
    _load(book([kpi_row(target="検討(R6)→運用(R8)", 目標の種類=written, 目標年度=None)]))
    assert Kpi.objects.get().target_kind == "milestone"


@pytest.mark.parametrize("written", ["以上／年", "以上/年度", "範囲", "未設定", "ＡＴ_ＬＥＡＳＴ"])
def test_every_kind_name_is_accepted_in_the_forms_people_write(written):
    row = kpi_row(target="見直し中", 目標の種類=written, 目標値=80)
    if written == "範囲":
        row["目標値（上限）"] = 90
    if written == "未設定":
        row.update(目標値=None, 目標年度=None)
    _load(book([row]))


def test_a_schedule_of_one_step_is_read():
    _load(book([kpi_row(target="データ連携開始(R8)", 目標の種類="実施スケジュール")]))
    step = ScheduleStep.objects.get()
    assert (step.label, step.due_fy) == ("データ連携開始", 2026)


def test_a_schedule_of_one_step_is_read_without_the_kind_column():
    reading = target_text.read_target("運用開始（令和8年度）")
    assert reading.kind == "milestone" and reading.steps == (target_text.Step("運用開始", 2026),)


# --- (e) targets with marks and years -----------------------------------------------------


def test_a_cumulative_mark_in_the_target_reads_the_value_and_sets_the_row_cumulative():
    _load(book([kpi_row(target="75人（累計）", unit="人")]))
    kpi = Kpi.objects.get()
    assert (kpi.target_value, kpi.cumulative, kpi.target_text) == (75, True, "75人（累計）")


def test_a_cumulative_mark_against_a_row_marked_not_cumulative_is_refused():
    problems = _problems(book([kpi_row(target="75人(累計)", unit="人", 累計="×")]))
    assert any("累計" in p and "累計でない" in p for p in problems), problems


@pytest.mark.parametrize(
    "text, kind, value, annual",
    [
        ("1000人/年以上", "at_least", 1000, True),
        ("１，０００人／年以上", "at_least", 1000, True),
        ("年間 1,000人以上", "at_least", 1000, True),
        ("約80%以上", "at_least", 80, False),
        ("８０％ 以下", "at_most", 80, False),
    ],
)
def test_targets_are_read_in_the_forms_people_write(text, kind, value, annual):
    reading = target_text.read_target(text, "人")
    assert (reading.kind, reading.value, reading.annual) == (kind, value, annual)


@pytest.mark.parametrize(
    "text",
    ["85%以上（R8年度）", "85%以上(2026年度)", "８５％以上（令和８年度）", "R8年度に85%以上"],
)
def test_a_target_year_written_in_the_text_fills_an_empty_target_year(text):
    _load(book([kpi_row(target=text, 目標年度=None)]))
    kpi = Kpi.objects.get()
    assert (kpi.target_kind, kpi.target_value, kpi.target_fy) == ("at_least", 85, 2026)


def test_a_target_year_in_the_text_that_differs_from_the_column_is_refused():
    problems = _problems(book([kpi_row(target="85%以上（R7年度）", 目標年度="R8")]))
    assert any("目標年度" in p and "違います" in p for p in problems), problems


@pytest.mark.parametrize("text", ["80%超", "5%未満"])
def test_more_than_and_less_than_are_refused_for_not_including_their_value(text):
    reading = target_text.read_target(text)
    assert reading.ambiguous == target_text.STRICT
    problems = _problems(book([kpi_row(target=text)]))
    assert any("超" in p and "含み" in p for p in problems), problems


@pytest.mark.parametrize(
    "text", ["2026年度に20%削減", "R8年度までに20%削減", "20%削減（令和8年度）"]
)
def test_suggestions_never_take_a_year_as_the_value(text):
    reading = target_text.read_target(text)
    values = {v for _kind, v in reading.meanings if v is not None}
    assert values == {20}, reading


# --- smaller faults -----------------------------------------------------------------------


def test_bad_years_on_both_sheets_and_in_several_rows_are_reported_in_one_pass():
    plan = [*PLAN[:4], ("開始年度", "R"), *PLAN[5:]]
    rows = [kpi_row("1-1", 基準年度="令和"), kpi_row("1-2", 目標年度="R", 取組方針番号="一")]
    problems = _problems(book(rows, plan=plan))
    assert any("計画" in p and "開始年度" in p for p in problems), problems
    assert any("2行目「基準年度」" in p for p in problems), problems
    assert any("3行目「目標年度」" in p for p in problems), problems
    assert any("3行目「取組方針番号」" in p for p in problems), problems


def test_a_full_width_approximate_baseline_keeps_its_text_as_written():
    _load(book([kpi_row(baseline="約３０")]))
    kpi = Kpi.objects.get()
    assert (kpi.baseline_value, kpi.baseline_approximate, kpi.baseline_text) == (30, True, "約３０")


@pytest.mark.parametrize("titles", [1, 2])
def test_title_rows_above_the_header_row_are_skipped(titles):
    def edit(ws):
        ws.insert_rows(1, titles)
        ws.cell(1, 1).value = "成果指標一覧"

    _load(_edited(book([kpi_row()]), edit))
    assert Kpi.objects.get().code == "1-1"


def test_a_sheet_with_no_header_row_says_so():
    problems = _problems(book([kpi_row()], headers=["番号", "名前", "値"]))
    assert any("見出しの行が見つかりません" in p for p in problems), problems


def test_sheet_names_with_spaces_are_accepted():
    _load(book([kpi_row()], sheets=("計画 ", "成果指標 ")))


def test_missing_sheets_are_named_with_the_sheets_found():
    problems = _problems(book([kpi_row()], sheets=("計画", "指標")))
    assert any("「成果指標」" in p and "「指標」" in p for p in problems), problems


def test_the_reader_is_a_plain_function_of_the_bytes():
    assert plan_xlsx.read_workbook(book([kpi_row()]))


def test_the_preview_shows_changes_as_people_write_them_not_python_values():
    _load(book([kpi_row(target="80%以上")]))
    again = book([kpi_row(target="300件以下", baseline=50, unit="件", 累計="○")])
    report = plan_io.import_plan(again, "plan.xlsx", dry_run=True)
    shown = {c.field: (c.old, c.new) for c in report.changes}
    assert shown["累計"] == ("—", "累計")
    assert shown["単位"] == ("%", "件")
    assert shown["目標の種類（「目標」）"] == ("以上", "以下")
    assert not any(
        v in ("True", "False", "percent", "at_least") for pair in shown.values() for v in pair
    )


def test_an_unreadable_baseline_year_is_reported_once():
    problems = _problems(book([kpi_row(基準年度="R")]))
    assert [p for p in problems if "基準年度" in p] == [
        p for p in problems if "基準年度" in p and "「R」" in p
    ], problems


@pytest.mark.parametrize("text, value", [("2000人以上", 2000), ("2025人", 2025), ("1990", 1990)])
def test_a_value_that_looks_like_a_year_is_still_a_value(text, value):
    reading = target_text.read_target(text, "人")
    assert (reading.kind, reading.value, reading.target_fy) == ("at_least", value, None)


def test_a_formula_whose_result_is_saved_is_read_as_its_value():
    content = book([kpi_row(目標年度=None)])
    source = io.BytesIO(content)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                # As Excel saves it: the formula and its result (openpyxl writes no result).
                text = text.replace('<c r="K2"', '<c r="J2"><f>2020+6</f><v>2026</v></c><c r="K2"')
                assert "<f>2020+6</f>" in text, text[:2000]
                data = text.encode("utf-8")
            zout.writestr(item, data)
    _load(out.getvalue())
    assert Kpi.objects.get().target_fy == 2026


def test_rows_holding_only_helper_formulas_outside_the_table_are_not_kpi_rows():
    def edit(ws):
        for row in range(2, 30):
            ws.cell(row, len(HEADERS) + 2).value = f"=A{row}*2"  # no header, no stored result

    _load(_edited(book([kpi_row()]), edit))
    assert Kpi.objects.count() == 1


def test_a_merged_formula_with_no_result_is_reported_not_read_as_empty_rows():
    rows = [kpi_row("1-1"), kpi_row("1-2", 目標年度=None)]

    def edit(ws):
        ws.cell(2, _col("目標年度")).value = "=2020+6"
        ws.merge_cells(
            start_row=2, end_row=3, start_column=_col("目標年度"), end_column=_col("目標年度")
        )

    problems = _problems(_edited(book(rows), edit))
    assert any("2行目「目標年度」" in p and "成果指標!J2 は数式" in p for p in problems), problems
    assert not any("目標年度を書いてください" in p for p in problems), problems


def test_the_preview_writes_changed_years_as_reiwa_with_the_western_year():
    _load(book([kpi_row()]))
    again = book([kpi_row(基準年度="R4", 目標年度="R7")])
    report = plan_io.import_plan(again, "plan.xlsx", dry_run=True)
    shown = {c.field: (c.old, c.new) for c in report.changes}
    years = {field: pair for field, pair in shown.items() if "年度" in field}
    assert sorted(years.values()) == [
        ("R5（2023年度）", "R4（2022年度）"),
        ("R8（2026年度）", "R7（2025年度）"),
    ], shown
