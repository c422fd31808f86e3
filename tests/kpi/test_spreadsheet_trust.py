"""Uploads read what the person saw, codes stay text, and our own files round-trip unchanged."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kpi import forms, number_formats, services, value_upload
from kpi.models import Kpi, KpiValue
from tests.kpi.spreadsheet_files import (
    HEADER,
    KEYS,
    SHEET,
    col,
    confirm_data,
    csv_file,
    patch,
    row,
    xlsx,
)

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
UPLOAD = PLAN + "entry/2024/upload/"


def _preview(client, name, content, status=200):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == status, response.content.decode()[:800]
    if status != 200:
        return response
    return {r.code: r for r in response.context["preview"]}


def _one(client, content, code, name="values.xlsx"):
    return _preview(client, name, content)[code]


def _dump():
    return sorted(
        KpiValue.objects.values_list(
            "kpi__code", "fiscal_year", "value", "status", "note", "source", "version"
        )
    )


# --- 1. numbers as their format shows them -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "stored", "fmt", "expected"),
    [
        ("1-4", 0.8, "0.0%", "80"),  # the issue's own input: Excel shows 80.0%
        ("1-4", 0.8, "0%", "80"),
        ("1-4", 0.805, "0.0%", "80.5"),
        ("1-4", 0.525, "0.00%", "52.5"),
        ("1-4", 0.5, "0.000%", "50"),
        ("1-4", 0.1 + 0.7, "0%", "80"),  # 0.7999999999999999: Excel keeps 15 digits
        ("1-4", 52.5, "General", "52.5"),
        ("1-4", 52.5, '0.0"%"', "52.5"),  # a literal percent sign does not scale
        ("1-4", 52.5, "0.0\\%", "52.5"),
        ("1-4", 52.5, "[Red]0.0", "52.5"),
        ("1-4", 52.5, "0.0_);[Red](0.0)", "52.5"),
        ("1-4", 52.5, "#,##0.0#", "52.5"),
        ("1-4", 0.5, "# ?/?", "0.5"),  # shown as 1/2
        ("2-1", 1438, "#,##0", "1438"),
        ("2-1", 1438, '#,##0"件"', "1438"),
        ("2-1", 1200, "0.00E+00", "1200"),
        ("2-1", 101, "0000", "101"),
        ("1-1", 1000, "[$¥-411]#,##0", "1000"),
        ("2-1", 5, "@", "5"),  # a number in a text-formatted cell shows as General
    ],
)
def test_number_cell_is_read_as_its_format_shows_it(client, editor, code, stored, fmt, expected):
    client.force_login(editor)
    content = xlsx([row(code=code, value=stored)], formats={(0, "value"): fmt})
    result = _one(client, content, code)
    assert (result.state, result.reason) == ("new", "")
    assert result.value == Decimal(expected)
    client.post(UPLOAD, confirm_data(client))
    assert KpiValue.objects.get(kpi__code=code).value == Decimal(expected)


@pytest.mark.parametrize(
    ("code", "stored", "fmt", "says"),
    [
        ("2-2", 12.25, "0.0", "「12.3」と表示されています"),  # rounded by the format
        ("1-4", 0.8125, "0%", "「81%」と表示されています"),
        ("2-1", 1234, "0.00E+00", "「1.23E+03」と表示されています"),
        ("1-1", 1234567, "#,##0,", "桁を省いて"),  # thousands shown
        ("2-1", 5, ";;;", "数値が表示されていません"),  # hidden by the format
        ("2-1", 0, '0;-0;"-"', "数値が表示されていません"),  # zero shown as "-"
        ("1-4", 0.333333333333333, "?/?", "「1/3」と表示されています"),
        ("2-1", 5, "yyyy/m/d", "日付・時刻になっています"),
        ("2-1", 0.5, "h:mm", "日付・時刻になっています"),
        ("2-1", 5, "[>100]0;0", "条件付きの表示形式"),
        ("2-1", 5, "[DBNum1]0", "読み取れません"),
        ("2-1", 5, "000-0000", "読み取れません"),
        ("2-1", 80, "0%", "％の値は入力できません"),  # 8000% for a count
    ],
)
def test_cell_whose_display_is_not_its_value_is_refused_with_the_cause(
    client, editor, code, stored, fmt, says
):
    client.force_login(editor)
    content = xlsx([row(code=code, value=stored)], formats={(0, "value"): fmt})
    result = _one(client, content, code)
    assert result.state == "invalid"
    assert says in result.reason
    client.post(UPLOAD, confirm_data(client))
    assert KpiValue.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (datetime(2024, 5, 1), "日付・時刻になっています"),
        (True, "TRUE/FALSE"),
        ("#DIV/0!", "計算式のエラー"),
    ],
)
def test_dates_booleans_and_errors_in_a_value_cell_are_refused(client, editor, value, says):
    client.force_login(editor)

    def edit(wb, ws):
        if value == "#DIV/0!":
            ws[f"{col('value')}2"].data_type = "e"

    content = xlsx([row(code="2-1", value=value)], edit=edit)
    result = _one(client, content, "2-1")
    assert result.state == "invalid" and says in result.reason


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("80", "1-4", "80"),
        ("80%", "1-4", "80"),
        ("８０．５％", "1-4", "80.5"),
        ("１，４３８", "2-1", "1438"),
    ],
)
def test_text_cells_are_read_as_typed(client, editor, text, code, expected):
    client.force_login(editor)
    content = xlsx([row(code=code, value=text)], formats={(0, "value"): "@"})
    assert _one(client, content, code).value == Decimal(expected)


def _formula(cached: str | None):
    ref = f"{col('value')}2"

    def change(xml):
        cell = (
            f'<c r="{ref}"><f>0.4*2</f><v>{cached}</v></c>'
            if cached
            else f'<c r="{ref}"><f>0.4*2</f><v /></c>'
        )
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + 4
        return xml[:start] + cell + xml[end:]

    return change


def test_formula_with_a_saved_result_is_read_as_that_result(client, editor):
    client.force_login(editor)
    content = patch(xlsx([row(code="2-2", value=0)]), {SHEET: _formula("45.5")})
    assert _one(client, content, "2-2").value == Decimal("45.5")


def test_formula_without_a_saved_result_is_refused(client, editor):
    client.force_login(editor)
    content = patch(xlsx([row(code="2-2", value=0)]), {SHEET: _formula(None)})
    result = _one(client, content, "2-2")
    assert result.state == "invalid" and "計算結果がファイルに保存されていません" in result.reason


# --- 1. what a spreadsheet hides ------------------------------------------------------------

TWO = [row(code="2-1", value=5), row(code="2-2", value=40)]


def _hide_row(wb, ws):
    ws.row_dimensions[3].hidden = True


def _zero_height(wb, ws):
    ws.row_dimensions[3].hidden = False  # height 0 is written into the XML below


def _filter(wb, ws):
    ws.auto_filter.ref = f"A1:{col('source')}3"
    ws.row_dimensions[3].hidden = True


def _hide_value_column(wb, ws):
    ws.column_dimensions[col("value")].hidden = True


def _hide_unread_column(wb, ws):
    ws.column_dimensions[col("status")].hidden = True  # 判定: not read
    ws[f"{col('status')}2"] = "順調"


def _merge_value_rows(wb, ws):
    ws.merge_cells(f"{col('value')}2:{col('value')}3")


def _merge_over_source(wb, ws):
    ws[f"{col('note')}2"] = "備考"
    ws.merge_cells(f"{col('note')}2:{col('source')}2")  # the covered cell is added below


def _merge_note_empty_source(wb, ws):
    ws[f"{col('note')}2"] = "横に長い備考"
    ws.merge_cells(f"{col('note')}2:{col('source')}2")


@pytest.mark.parametrize(
    ("edit", "code", "says"),
    [
        (_hide_row, "2-2", value_upload.HIDDEN_ROW),
        (_zero_height, "2-2", value_upload.HIDDEN_ROW),
        (_filter, "2-2", value_upload.FILTERED_ROW),
        (_hide_value_column, "2-1", "「実績値」の列（S）が非表示"),
        (_merge_value_rows, "2-2", "複数の行にまたがる結合セル"),
        (_merge_over_source, "2-1", "結合セル"),
    ],
)
def test_rows_with_hidden_content_are_refused_naming_the_cause(client, editor, edit, code, says):
    client.force_login(editor)
    content = xlsx(TWO, edit=edit)
    if edit is _zero_height:  # openpyxl leaves out a height of 0; Excel writes ht="0"
        content = patch(
            content,
            {SHEET: lambda x: x.replace('<row r="3"', '<row r="3" ht="0" customHeight="1"')},
        )
    if edit is _merge_over_source:  # openpyxl empties covered cells; Excel keeps their values
        hidden = f'<c r="{col("source")}2" t="inlineStr"><is><t>隠れた出典</t></is></c>'
        content = patch(
            content,
            {
                SHEET: lambda x: x.replace("</row>", hidden + "</row>", 2).replace(
                    hidden + "</row>", "</row>", 1
                )
            },
        )
    result = _one(client, content, code)
    assert result.state == "invalid"
    assert says in result.reason
    client.post(UPLOAD, confirm_data(client))
    assert not KpiValue.objects.filter(kpi__code=code).exists()


@pytest.mark.parametrize("edit", [_hide_unread_column, _merge_note_empty_source])
def test_what_hides_nothing_we_read_does_not_refuse_the_row(client, editor, edit):
    client.force_login(editor)
    result = _one(client, xlsx(TWO, edit=edit), "2-1")
    assert (result.state, result.reason) == ("new", "")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_not_read(client, editor, state):
    client.force_login(editor)

    def edit(wb, ws):
        secret = wb.create_sheet("隠し", 0)
        secret.append(HEADER)
        secret.append(
            [
                {"code": "2-3", "value": 999, "plan": "hokkaido-smart-docho-3"}.get(k, "")
                for k in KEYS
            ]
        )
        secret.sheet_state = state
        wb.active = 1

    preview = _preview(client, "values.xlsx", xlsx(TWO, edit=edit))
    assert set(preview) == {"2-1", "2-2"}


def test_line_numbers_are_the_spreadsheets_own(client, editor):
    client.force_login(editor)
    rows = [row(code="2-1", value=5), {}, {}, row(code="2-2", value=40)]
    preview = _preview(client, "values.xlsx", xlsx(rows))
    assert (preview["2-1"].line, preview["2-2"].line) == (2, 5)


# --- 2. codes stay text ----------------------------------------------------------------------


def test_xlsx_template_types_every_code_as_text(client, editor):
    client.force_login(editor)
    response = client.get(PLAN + "entry/2024/template.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    code_col = KEYS.index("code") + 1
    assert [c.value for c in ws[1]] == [*HEADER, "版"]
    codes = [ws.cell(row=r, column=code_col) for r in range(2, ws.max_row + 1)]
    assert "1-3-1" in [c.value for c in codes] and "2-1" in [c.value for c in codes]
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)
    assert ws.column_dimensions[col("code")].number_format == "@"


def test_entry_page_links_both_templates(client, editor):
    client.force_login(editor)
    html = client.get(PLAN + "entry/2024/").content.decode()
    assert "template.xlsx" in html and "template.csv" in html


@pytest.mark.parametrize(
    ("cell", "guess"),
    [
        (datetime(2026, 1, 2), "1-2"),  # Excel (ja): 1-2 → 1月2日 this year
        (datetime(2001, 3, 1), "1-3-1"),  # Excel (ja): 1-3-1 → 2001/3/1
        (datetime(2002, 4, 1, 0, 0), "2-4-1"),
        (datetime(2001, 1, 3), "1-3-1"),  # Excel (en-US): 1-3-1 → 1/3/2001
        (36951, "1-3-1"),  # the serial of 2001/3/1, its format set back to General
    ],
)
def test_a_code_the_spreadsheet_turned_into_a_date_is_named(client, editor, cell, guess):
    client.force_login(editor)
    content = xlsx([row(code=cell, value=5)])
    [result] = _preview(client, "values.xlsx", content).values()
    assert result.state == "invalid"
    assert "日付に変えた" in result.reason
    assert f"「{guess}」" in result.reason
    assert "00:00:00" not in result.reason and "T00" not in result.reason
    if isinstance(cell, datetime):  # shown as Excel in Japan shows the date
        assert f"コード「{cell.year}/{cell.month}/{cell.day}」" in result.reason


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("1月2日", "1-2"),
        ("2001/3/1", "1-3-1"),
        ("2001-03-01", "1-3-1"),
        ("2001/03/01 0:00:00", "1-3-1"),
        ("2001年3月1日", "1-3-1"),
        ("2-Jan", "1-2"),
        ("3/1/2001", "3-1"),
        ("2002/4/1", "2-4-1"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_date_shaped_code_text_is_recognised(client, editor, text, guess, kind):
    client.force_login(editor)
    rows = [row(code=text, value=5)]
    content = csv_file(rows) if kind == "csv" else xlsx(rows)
    [result] = _preview(client, f"values.{kind}", content).values()
    assert "日付に変えた" in result.reason and f"「{guess}」" in result.reason


@pytest.mark.parametrize(
    ("stored_code", "cell", "fmt", "guess"),
    [
        ("0101", 101, None, "0101"),
        ("1.10", 1.1, None, "1.10"),
        ("0101", "101", None, "0101"),  # a text cell that lost its zero elsewhere
        ("2-1", 1.1, None, None),  # no code of that number: just "type it as text"
    ],
)
def test_a_numeric_code_cell_is_told_to_be_typed_as_text(
    client, editor, stored_code, cell, fmt, guess
):
    Kpi.objects.filter(code="2-1").update(code=stored_code)
    client.force_login(editor)
    [result] = _preview(client, "values.xlsx", xlsx([row(code=cell, value=5)])).values()
    assert result.state == "invalid"
    assert "文字列として入力" in result.reason
    if guess:
        assert f"「{guess}」" in result.reason


def test_a_number_shown_with_leading_zeros_is_the_code_shown(client, editor):
    Kpi.objects.filter(code="2-1").update(code="0101")
    client.force_login(editor)
    content = xlsx([row(code=101, value=5)], formats={(0, "code"): "0000"})
    assert _one(client, content, "0101").state == "new"


def test_csv_code_without_its_leading_zero_is_named(client, editor):
    Kpi.objects.filter(code="2-1").update(code="0101")
    client.force_login(editor)
    [result] = _preview(client, "v.csv", csv_file([row(code="101", value=5)])).values()
    assert "「0101」" in result.reason


# --- 3. our own files round-trip unchanged ---------------------------------------------------

TEXTS = [
    "+5件は前年度分の追加計上",  # the issue's own input
    "=SUM(A1:A3)",
    "-3件は取消分",
    "@担当課に確認",
    "＝全角の等号",
    "＋全角の正符号",
    "'+5 は引用符つき",
    "''二重の引用符",
    "'引用符だけ",
    "改行\nあり",
    "\t先頭のタブ",
    "末尾の空白  ",
    "CRLF の\r\n改行",
    "①㈱髙～",
]


@pytest.fixture
def stored_texts(editor, admin):
    """Values whose notes and sources start like formulas, written past the form as an import
    or the admin could, so that each text is stored exactly."""
    codes = ["1-1", "1-2", "1-4", "2-1", "2-2", "2-3", "2-4-1", "1-3-1", "1-3-2", "1-3-3"]
    kpis = {k.code: k for k in Kpi.objects.filter(code__in=codes)}
    for i, text in enumerate(TEXTS):
        code = codes[i % len(codes)]
        value, created = KpiValue.objects.get_or_create(
            kpi=kpis[code],
            fiscal_year=2024 if i < len(codes) else 2023,
            defaults={"value": Decimal(10 + i), "entered_by": admin, "version": 1},
        )
        value.note = text
        value.source = TEXTS[-1 - i][:300]
        value.save()
    return _dump()


def _files(client):
    return {
        "template.xlsx": client.get(PLAN + "entry/2024/template.xlsx").content,
        "template.csv": client.get(PLAN + "entry/2024/template.csv").content,
        "export.csv": client.get(PLAN + "export.csv").content,
        "export.xlsx": client.get(PLAN + "export.xlsx").content,
    }


@pytest.mark.parametrize("user", ["editor", "admin"])
def test_every_row_of_every_file_we_produce_uploads_unchanged(client, request, stored_texts, user):
    client.force_login(request.getfixturevalue(user))
    for name, content in _files(client).items():
        assert content, name
        response = client.post(UPLOAD, {"file": SimpleUploadedFile(name.split("/")[-1], content)})
        assert response.status_code == 200, (name, response.content.decode()[:500])
        preview = response.context["preview"]
        assert preview, name
        wrong = [
            (r.line, r.code, r.state, r.reason)
            for r in preview
            if r.state not in ("unchanged", "other_year")
            and r.reason not in (services.NOT_ALLOWED,)
        ]
        assert wrong == [], name
        assert response.context["valid"] == 0, name
        client.post(UPLOAD, confirm_data(client))
        assert _dump() == stored_texts, name


def test_csv_guard_is_written_and_removed_again(client, editor, stored_texts):
    client.force_login(editor)
    body = client.get(PLAN + "entry/2024/template.csv").content.decode("utf-8-sig")
    cells = [c for r in csv.reader(io.StringIO(body)) for c in r]
    assert "'+5件は前年度分の追加計上" in cells  # Excel will not run it
    assert "''+5 は引用符つき" in cells
    table = value_upload.read_table(body.encode(), "t.csv")
    notes = {r.cells["code"]: r.cells["note"] for r in table}
    assert notes["1-1"] == "+5件は前年度分の追加計上"


def test_xlsx_text_starting_with_equals_is_a_text_cell(client, editor, stored_texts):
    client.force_login(editor)
    ws = load_workbook(io.BytesIO(client.get(PLAN + "entry/2024/template.xlsx").content)).active
    notes = [c for c in ws[col("note")][1:] if c.value]
    assert "=SUM(A1:A3)" in [c.value for c in notes]
    assert all(c.data_type == "s" for c in notes)
    assert {c.value for c in notes} <= set(TEXTS)  # no guard character added


def test_changing_one_row_of_the_template_changes_only_that_row(client, editor, stored_texts):
    client.force_login(editor)
    content = client.get(PLAN + "entry/2024/template.xlsx").content
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    for r in range(2, ws.max_row + 1):
        if ws[f"{col('code')}{r}"].value == "2-1":
            ws[f"{col('value')}{r}"] = 77
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = _preview(client, "t.xlsx", buffer.getvalue())
    assert {c for c, r in preview.items() if r.state == "changed"} == {"2-1"}
    client.post(UPLOAD, confirm_data(client))
    after = {v[0]: v for v in _dump() if v[1] == 2024}
    before = {v[0]: v for v in stored_texts if v[1] == 2024}
    assert after["2-1"][2] == Decimal(77)
    assert after["2-1"][4] == forms.normalize_text(before["2-1"][4])  # the note kept, no guard
    assert {c: v for c, v in after.items() if c != "2-1"} == {
        v[0]: v for v in stored_texts if v[1] == 2024 and v[0] != "2-1"
    }


# --- 6. one validation for the form and the upload ------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        ("note", "a\x00b", "2-1"),
        ("note", "<script>alert(1)</script>", "2-1"),
        ("note", "x" * 2001, "2-1"),
        ("note", "a\x0bb", "2-1"),
        ("source", "s" * 1000, "2-1"),
        ("value", "abc", "2-1"),
        ("value", "120", "1-4"),
        ("value", "1.5", "2-1"),
        ("value", "80%", "2-1"),
        ("value", "9" * 41, "2-1"),
    ],
)
def test_upload_and_entry_form_refuse_the_same_input_with_the_same_message(
    client, editor, field, text, code
):
    client.force_login(editor)
    values = {"code": code, "value": "5", field: text}
    [result] = _preview(client, "v.csv", csv_file([row(**values)])).values()
    kpi = Kpi.objects.select_related("unit").get(code=code)
    form = forms.ValueEntryForm(
        data={
            "kpi_id": kpi.id,
            "version": 0,
            "status": "preliminary",
            **{"value": "5", field: text},
        },
        kpi=kpi,
    )
    assert not form.is_valid()
    message = str(form.errors[field][0])
    assert result.state == "invalid"
    assert message in result.reason
    client.post(UPLOAD, confirm_data(client))
    assert KpiValue.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("v.csv", csv_file([row(code="2-1", value=5, note="x" * 200_000)]), "読み取れません"),
        ("v.csv", csv_file([row(code="2-1", value=5, note="x" * 100_000)]), "長すぎます"),
        (  # openpyxl cuts a text at 32,767 characters: write a longer one into the XML
            "v.xlsx",
            patch(
                xlsx([row(code="2-1", value=5, note="LONG")]),
                {SHEET: lambda x: x.replace("LONG", "x" * 200_000)},
            ),
            "32,767",
        ),
    ],
)
def test_huge_cells_get_a_message_not_a_500(client, editor, name, content, says):
    client.force_login(editor)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code in (200, 400)
    body = response.content.decode()
    assert says in body
    assert KpiValue.objects.count() == 0


def test_percent_typed_for_a_count_is_refused_in_the_entry_form_too(editor):
    kpi = Kpi.objects.select_related("unit").get(code="2-1")
    form = forms.ValueEntryForm(
        data={"kpi_id": kpi.id, "version": 0, "value": "80%", "status": "preliminary"}, kpi=kpi
    )
    assert not form.is_valid()
    assert "％の値は入力できません" in form.errors["value"][0]


def test_number_formats_module_agrees_with_excel_on_rounding_half_up():
    assert number_formats.shown(0.125, "0.00").text == "0.13"
    assert number_formats.shown(2.5, "0").text == "3"
    assert number_formats.shown(1234.5, "#,##0.0").text == "1,234.5"
