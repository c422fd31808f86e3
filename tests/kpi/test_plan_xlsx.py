"""Plans from an Excel KPI table: the reader, every bad input refused with a message and nothing
saved, rows not settled listed, the template and the example plan, and the round trip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from initiatives.models import InitiativeItem, Plan
from kpi import plan_io, plan_xlsx
from kpi.models import Department, Kpi, KpiValue, ScheduleStep, Unit, YearlyTarget
from tests.conftest import ROOT
from tests.factories import home_organization, make_organization
from tests.kpi.plan_books import HEADERS, book, cell_values, kpi_row

pytestmark = pytest.mark.django_db

EXAMPLES = ROOT / "fixtures" / "examples"
TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.xlsx"


def _problems(content: bytes, **kwargs) -> list[str]:
    with pytest.raises(plan_io.PlanFileError) as err:
        plan_io.import_plan(content, "plan.xlsx", **kwargs)
    assert not Plan.objects.exists() and not Kpi.objects.exists()
    return [str(p) for p in err.value.problems]


def _load(content: bytes) -> plan_io.Report:
    report = plan_io.import_plan(content, "plan.xlsx")
    assert report.applied, [str(p) for p in report.problems]
    return report


# --- a good workbook ----------------------------------------------------------------------


def test_a_workbook_loads_its_plan_pillars_items_units_departments_and_kpis():
    rows = [
        kpi_row("1-1", "80%以上", 50),
        kpi_row("1-2", "300件以下", "約1,200", unit="件", 取組項目番号="(2)", 取組項目="窓口"),
        kpi_row("2-1", "上げる", 40, 取組方針番号=2, 取組方針="人材育成", 取組項目番号=None,
                取組項目=None, 所管課="人事課"),
    ]  # fmt: skip
    _load(book(rows))
    plan = Plan.objects.get(slug="test-town-dx")
    assert (plan.government, plan.first_fy, plan.last_fy) == ("試験町", 2024, 2026)
    assert plan.report_to == "試験町DX推進会議"
    items = list(InitiativeItem.objects.filter(pillar__plan=plan).order_by("number"))
    assert [(i.number, i.label, i.title) for i in items] == [
        (1, "1-1", "オンライン申請"),
        (2, "(2)", "窓口"),
    ]
    k11, k12, k21 = (Kpi.objects.get(code=c) for c in ("1-1", "1-2", "2-1"))
    assert (k11.target_kind, k11.target_value, k11.target_text) == ("at_least", 80, "80%以上")
    assert (k11.unit.kind, k11.unit.decimals) == ("percent", 1)
    assert (k12.target_kind, k12.target_value, k12.direction) == ("at_most", 300, "lower")
    assert (k12.baseline_value, k12.baseline_approximate, k12.baseline_text) == (
        1200,
        True,
        "約1,200",
    )
    assert k12.item.label == "(2)" and k21.item is None and k21.pillar.number == 2
    assert (k21.target_kind, k21.target_value) == ("increase", None)
    assert k21.department.name == "人事課" and k11.department.name == "情報政策課"
    assert k11.unit.plan == plan and k12.unit.kind == "count"


@pytest.mark.parametrize(
    ("unit", "kind", "scale", "decimals"),
    [("%", "percent", 1, 1), ("人", "count", 1, 0), ("団体", "count", 1, 0), ("回", "count", 1, 0),
     ("円", "amount", 1, 0), ("千円", "amount", 1000, 0), ("百万円", "amount", 1_000_000, 0),
     ("時間", "count", 1, 0)],
)  # fmt: skip
def test_units_are_made_from_the_unit_texts(unit, kind, scale, decimals):
    _load(book([kpi_row(target="100", baseline=10, unit=unit)]))
    made = Unit.objects.get(plan__slug="test-town-dx", label=unit)
    assert (made.kind, made.scale, made.decimals) == (kind, scale, decimals)
    assert made.base_label == ("円" if kind == "amount" else unit)


def test_departments_are_found_by_name_or_given_a_stable_code():
    # Found in the organization the plan goes to (here the one of its 団体名), not elsewhere.
    town = make_organization("test-town", "試験町")
    Department.objects.create(code="johoseisaku", name="情報政策課", organization=town)
    Department.objects.create(code="elsewhere", name="情報政策課", organization=home_organization())
    _load(book([kpi_row(), kpi_row("1-2", 所管課="新しい課")]))
    assert Plan.objects.get(slug="test-town-dx").organization == town
    assert Kpi.objects.get(code="1-1").department.code == "johoseisaku"
    code = Kpi.objects.get(code="1-2").department.code
    Kpi.objects.all().delete()
    Department.objects.filter(name="新しい課").delete()
    Plan.objects.all().delete()
    _load(book([kpi_row("1-2", 所管課="新しい課")]))
    assert Department.objects.get(name="新しい課").code == code


def test_year_columns_hold_yearly_targets_in_any_year_form():
    row = kpi_row("1-1", "90%以上", 50, R6=60, **{"令和7年度": "70%", "2026": None})
    _load(book([row]))
    kpi = Kpi.objects.get(code="1-1")
    assert {y.fiscal_year: y.value for y in kpi.yearly_targets.all()} == {2024: 60, 2025: 70}


def test_a_percent_formatted_cell_is_read_as_shown():
    wb = openpyxl.load_workbook(io.BytesIO(book([kpi_row(target=0.8, baseline=0.455)])))
    ws = wb["成果指標"]
    ws.cell(2, HEADERS.index("目標") + 1).number_format = "0%"
    ws.cell(2, HEADERS.index("基準値") + 1).number_format = "0.0%"
    out = io.BytesIO()
    wb.save(out)
    _load(out.getvalue())
    kpi = Kpi.objects.get(code="1-1")
    assert (kpi.target_value, kpi.baseline_value, kpi.target_text) == (80, Decimal("45.5"), "80%")


def test_a_code_excel_turned_into_a_date_is_refused_even_when_one_code_would_fit():
    # 1月2日 may be 1-2 or 2-1: a plan numbering codes by item is as likely as by pillar.
    rows = [kpi_row("1-1"), kpi_row(dt.datetime(2026, 1, 2)), kpi_row("1-3")]
    problems = _problems(book(rows))
    assert any(
        "3行目「指標コード」" in p
        and "日付" in p
        and "「1-2」" in p
        and "「2-1」" in p
        and "文字列" in p
        for p in problems
    ), problems


def test_a_date_that_fits_more_than_one_code_is_refused_with_the_candidates():
    # With codes of three parts under pillar 1, 2001-01-05 may have been 1-1-5 or 1-5-1.
    rows = [kpi_row("1-1-1"), kpi_row("1-2-1"), kpi_row(dt.datetime(2001, 1, 5))]
    problems = _problems(book(rows))
    assert any("日付" in p and "4行目" in p and "1-1-5" in p and "1-5-1" in p for p in problems), (
        problems
    )


def test_a_target_year_past_the_plan_and_no_baseline_load():
    _load(book([kpi_row(target="50%以上", baseline="—", 目標年度=2030, 基準年度=None)]))
    kpi = Kpi.objects.get(code="1-1")
    assert kpi.target_fy == 2030 and kpi.baseline_fy is None and kpi.baseline_value is None


def test_a_schedule_takes_its_target_year_from_its_last_step_or_a_later_target_year():
    rows = [
        kpi_row("1-1", "検討(R6)→導入(R7)", baseline="—", 目標年度=None),
        kpi_row("1-2", "検討(R6)→導入(R7)", baseline="—", 目標年度="R8"),
        kpi_row("1-3", "検討(R6)→導入(R8)", baseline="—", 目標年度="R7"),
    ]
    problems = _problems(book(rows))
    assert len(problems) == 1 and "4行目" in problems[0] and "目標年度" in problems[0]
    _load(book(rows[:2]))
    assert dict(Kpi.objects.values_list("code", "target_fy")) == {"1-1": 2025, "1-2": 2026}


def test_override_columns_settle_a_target_the_text_cannot():
    row = kpi_row(target="20%削減", baseline=50, 目標の種類="以下", 目標値=40, 条件="再構築後")
    _load(book([row]))
    kpi = Kpi.objects.get(code="1-1")
    assert (kpi.target_kind, kpi.target_value, kpi.target_condition) == ("at_most", 40, "再構築後")
    assert kpi.target_text == "20%削減"


# --- rows not settled ---------------------------------------------------------------------


def test_every_row_not_settled_is_listed_with_its_text_and_meanings_and_nothing_is_saved():
    rows = [
        kpi_row("1-1", "80%以上"),
        kpi_row("1-2", "20%削減"),
        kpi_row("1-3", "全庁展開"),
        kpi_row("1-4", "80%以上", baseline="R5実績なし"),
    ]
    problems = _problems(book(rows))
    assert len(problems) == 3
    assert "3行目" in problems[0] and "20%削減" in problems[0] and "20以下" in problems[0]
    assert "4行目" in problems[1] and "全庁展開" in problems[1]
    assert "5行目" in problems[2] and "基準値" in problems[2] and "R5実績なし" in problems[2]


def test_a_year_in_the_target_text_that_differs_from_the_target_year_is_refused():
    row = kpi_row(target="1,000件（R7年度まで）、1,500件（R9年度まで）", unit="件", 目標年度="R8")
    problems = _problems(book([row]))
    assert any("目標年度" in p for p in problems), problems


# --- bad input ----------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert any("空" in p for p in _problems(b""))


def test_a_file_that_is_not_a_workbook_is_refused():
    assert any(".xlsx" in p for p in _problems(b"name,value\n1,2\n"))
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert any(".xlsx" in p for p in _problems(fake.getvalue()))


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (plan_xlsx.MAX_UNZIPPED + 1))
    assert len(bomb.getvalue()) < 1024 * 1024
    assert any("大きすぎます" in p for p in _problems(bomb.getvalue()))


def test_a_workbook_with_a_broken_sheet_is_refused_with_a_message():
    good = zipfile.ZipFile(io.BytesIO(book([kpi_row()])))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        for member in good.infolist():
            data = good.read(member)
            if member.filename.startswith("xl/worksheets/"):
                data = b"<worksheet><sheetData><row><c r="
            z.writestr(member, data)
    assert any("読み取れません" in p or ".xlsx" in p for p in _problems(broken.getvalue()))


def test_wrong_sheet_names_are_named():
    problems = _problems(book([kpi_row()], sheets=("Sheet1", "KPI")))
    assert any("計画" in p and "成果指標" in p and "Sheet1" in p for p in problems), problems


def test_a_missing_header_is_named():
    headers = [h for h in HEADERS if h != "目標年度"]
    problems = _problems(book([kpi_row()], headers=headers))
    assert any("目標年度" in p and "ありません" in p for p in problems), problems


def test_a_header_typo_is_named_with_the_likely_header():
    headers = [("成果指摽" if h == "成果指標" else h) for h in HEADERS]
    problems = _problems(book([kpi_row()], headers=headers))
    assert any("成果指摽" in p and "「成果指標」の誤り" in p for p in problems), problems


def test_a_year_column_in_an_unknown_form_is_refused():
    problems = _problems(book([kpi_row(**{"2024年": 60})]))
    assert any("2024年" in p and "R6" in p for p in problems), problems


def test_an_unknown_plan_item_and_a_missing_one_are_named():
    plan = [("項目", "値"), ("識別子", "x"), ("団体", "試験町"), ("計画名", "t"), ("開始年度", "R6"),
            ("終了年度", "R8")]  # fmt: skip
    problems = _problems(book([kpi_row()], plan=plan))
    assert any("団体" in p and "団体名" in p for p in problems), problems


def test_an_unreadable_year_is_named():
    problems = _problems(book([kpi_row(目標年度="来年")]))
    assert any("来年" in p and "目標年度" in p for p in problems), problems


def test_a_huge_sheet_is_refused(monkeypatch):
    monkeypatch.setattr(plan_xlsx, "MAX_ROWS", 5)
    rows = [kpi_row(f"1-{n}") for n in range(1, 10)]
    assert any("行が多すぎます" in p for p in _problems(book(rows)))


def test_the_page_bound_on_records_holds_for_workbooks():
    rows = [kpi_row(f"1-{n}") for n in range(1, 10)]
    problems = _problems(book(rows), max_records=5)
    assert any("多すぎます" in p for p in problems), problems


def test_a_problem_found_by_model_validation_names_the_sheet_row_and_its_column_header():
    _load(book([kpi_row("1-1"), kpi_row("1-2")]))
    KpiValue.objects.create(kpi=Kpi.objects.get(code="1-2"), fiscal_year=2024, value=60)
    rows = [kpi_row("1-1"), kpi_row("1-2", unit="件", target="80件以上")]  # values mean %
    report = plan_io.import_plan(book(rows), "plan.xlsx")
    assert not report.applied and Kpi.objects.get(code="1-2").unit.label == "%"
    assert [(p.where, p.field) for p in report.problems] == [("成果指標 3行目", "「単位」")]
    assert str(report.problems[0]).startswith("成果指標 3行目「単位」：")
    assert "unit" not in str(report.problems[0])


def test_a_duplicate_code_is_named_with_both_rows():
    problems = _problems(book([kpi_row("1-1"), kpi_row("1-1")]))
    assert any("3行目" in p and "2行目と同じ" in p for p in problems), problems


# --- the template, the example plan and the round trip -------------------------------------


def test_the_committed_template_is_what_the_code_writes_and_loads():
    assert cell_values(TEMPLATE.read_bytes()) == cell_values(plan_xlsx.template_workbook())
    assert "説明" in cell_values(TEMPLATE.read_bytes())
    report = plan_io.import_plan(TEMPLATE.read_bytes(), TEMPLATE.name, dry_run=True)
    assert report.ok and not report.applied and report.created["成果指標（KPI）"] == 4
    assert not Plan.objects.exists()


def test_the_template_explains_every_column_and_target_form():
    text = "\n".join(str(r[0]) for r in cell_values(plan_xlsx.template_workbook())["説明"] if r[0])
    for header in HEADERS + plan_xlsx.OVERRIDES + list(plan_xlsx.PLAN_ITEMS):
        assert header in text, header
    for form in ("80%以上", "維持", "上げる", "80～90", "1,000人/年", "再構築後に80%以上", "→"):
        assert form in text, form


@pytest.mark.parametrize("name", ["example_prefecture_plan.xlsx", "example_prefecture_plan.yaml"])
def test_the_example_plan_has_every_target_shape(name):
    path = EXAMPLES / name
    report = plan_io.import_plan(path.read_bytes(), path.name)
    assert report.applied, [str(p) for p in report.problems]
    plan = Plan.objects.get(slug="example-prefecture-dx")
    assert "架空" in plan.government and (plan.first_fy, plan.last_fy) == (2022, 2026)
    k = {kpi.code: kpi for kpi in Kpi.objects.filter(plan=plan)}
    assert {"3.1", "①", "2-8-2"} <= set(k)
    yearly = {c: {y.fiscal_year: y.value for y in kpi.yearly_targets.all()} for c, kpi in k.items()}
    # yearly targets from year columns
    assert yearly["3.1"] == {2023: 50, 2024: 60, 2025: 70} and k["3.1"].target_value == 80
    # a flow per year, with no baseline
    assert (k["①"].target_basis, k["①"].target_value) == ("annual", 1000)
    assert k["①"].baseline_value is None and k["①"].baseline_fy is None
    # cumulative, with a yearly target written in the text
    assert k["2-8-2"].cumulative and yearly["2-8-2"] == {2024: 20}
    assert (k["2-8-2"].target_value, k["2-8-2"].target_fy) == (35, 2026)
    assert k["2-8-2"].item.label == "2-8-2"
    # a range, with a baseline text kept
    assert (k["③"].target_kind, k["③"].target_value, k["③"].target_value_high) == ("range", 80, 90)
    assert (k["③"].baseline_value, k["③"].baseline_text) == (Decimal("72.5"), "平均72.5")
    # a schedule
    steps = [(s.order, s.label, s.due_fy) for s in ScheduleStep.objects.filter(kpi=k["2-8-3"])]
    assert steps == [(1, "検討", 2022), (2, "移行", 2024), (3, "運用", 2025)]
    assert k["2-8-3"].target_kind == "milestone" and k["2-8-3"].baseline_value is None
    # past the plan's period, maintain, increase, conditional, at most
    assert k["4.1"].target_fy == 2030
    assert (k["(1)"].target_kind, k["(1)"].target_value, k["(1)"].unit.scale) == (
        "maintain",
        None,
        1_000_000,
    )
    assert k["②"].target_kind == "increase"
    assert (k["(2)"].target_condition, k["(2)"].target_value, k["(2)"].baseline_approximate) == (
        "再構築後",
        90,
        True,
    )
    assert (k["4.2"].target_kind, k["4.2"].direction) == ("at_most", "lower")
    for kpi in k.values():
        assert kpi.target_basis == ("annual" if kpi.code == "①" else "level")
        assert kpi.cumulative == (kpi.code == "2-8-2")


# flush (TRUNCATE) inside the test's transaction is refused by PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_example_xlsx_and_yaml_are_the_same_plan():
    def snapshot():
        fields = [f.name for f in Kpi._meta.concrete_fields if f.name not in ("id", "department")]
        kpis = {
            k.code: [
                getattr(k, f + "_id", None) and str(getattr(k, f)) or getattr(k, f) for f in fields
            ]
            for k in Kpi.objects.all()
        }
        return (
            kpis,
            sorted(YearlyTarget.objects.values_list("kpi__code", "fiscal_year", "value")),
            sorted(ScheduleStep.objects.values_list("kpi__code", "order", "label", "due_fy")),
        )

    _load((EXAMPLES / "example_prefecture_plan.xlsx").read_bytes())
    from_xlsx = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    path = EXAMPLES / "example_prefecture_plan.yaml"
    assert plan_io.import_plan(path.read_bytes(), path.name).applied
    assert snapshot() == from_xlsx


def _round_trip(slug: str) -> None:
    first = plan_xlsx.write_workbook(slug)
    call_command("flush", interactive=False, verbosity=0)
    _load(first)
    second = plan_xlsx.write_workbook(slug)
    assert cell_values(second) == cell_values(first)


# flush (TRUNCATE) inside the test's transaction is refused by PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_export_import_export_of_the_example_plan_is_identical():
    _load((EXAMPLES / "example_prefecture_plan.xlsx").read_bytes())
    _round_trip("example-prefecture-dx")


# flush (TRUNCATE) inside the test's transaction is refused by PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_export_import_export_of_a_yaml_plan_is_identical(policy):
    _round_trip(policy.slug)


def test_exporting_keeps_a_target_its_text_cannot_say_through_the_override_columns():
    _load(book([kpi_row(target="20%削減", 目標の種類="以下", 目標値=40)]))
    cells = cell_values(plan_xlsx.write_workbook("test-town-dx"))["成果指標"]
    row = dict(zip(cells[0], cells[1], strict=False))
    assert (row["目標"], row["目標の種類"], row["目標値"]) == ("20%削減", "以下", 40)


def test_loading_the_same_workbook_again_changes_nothing():
    content = (EXAMPLES / "example_prefecture_plan.xlsx").read_bytes()
    _load(content)
    again = _load(content)
    assert not again.changes and not again.new
