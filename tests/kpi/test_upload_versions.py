"""The values template's 版 and name columns guard against overwriting unseen or misplaced values.

A file with a 版 column is checked row by row: an empty 版, a 版 below the saved value's (a
colleague saved since) or above it (never handed out) is refused; a row whose 成果指標 name is
not its code's KPI is refused (an edited code or shifted rows would land on another KPI).
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kpi import value_upload
from kpi.models import KpiValue
from tests.kpi.spreadsheet_files import col as _data_col
from tests.kpi.spreadsheet_files import confirm_data

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
UPLOAD = PLAN + "entry/2024/upload/"


def col(key: str) -> str:
    """Our layout's columns; the template's 版 by its header (it follows the data columns)."""
    if key == "version":
        header = [c.value for c in _CURRENT["ws"][1]]
        return get_column_letter(header.index("版") + 1)
    return _data_col(key)


_CURRENT: dict = {}


@pytest.fixture
def saved(sample_values, editor, client):
    """R6 values of the editor's KPIs as they are, then 2-1 saved once more (版 2)."""
    KpiValue.objects.filter(fiscal_year=2024).update(status="preliminary", is_sample=False)
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    value.note = "課内の確認済み"
    value.version = 2  # saved once more since it was entered
    value.save()
    client.force_login(editor)
    return value


def _template(client):
    wb = load_workbook(io.BytesIO(client.get(PLAN + "entry/2024/template.xlsx").content))
    _CURRENT["ws"] = wb.active
    return wb


def _rows(ws):
    return {ws[f"{col('code')}{r}"].value: r for r in range(2, ws.max_row + 1)}


def _upload(client, wb, *, rows=False):
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("v.xlsx", buffer.getvalue())})
    assert response.status_code == 200
    preview = response.context["preview"]
    return preview if rows else {r.code: r for r in preview}


def _dump():
    return sorted(
        KpiValue.objects.values_list("kpi__code", "fiscal_year", "value", "note", "version")
    )


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("", value_upload.EMPTY_VERSION),
        (None, value_upload.EMPTY_VERSION),
        ("999", "合いません"),
        ("3", "合いません"),
        ("1", "あなたが画面を開いた後に"),  # below: a colleague saved since
        ("-1", value_upload.BAD_VERSION),
        ("二", value_upload.BAD_VERSION),
    ],
)
def test_a_changed_row_whose_version_is_not_the_saved_ones_is_refused(client, saved, written, says):
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-1"]
    assert ws[f"{col('version')}{r}"].value in (2, "2")
    ws[f"{col('value')}{r}"] = 170
    ws[f"{col('version')}{r}"] = written
    before = _dump()
    row = _upload(client, wb)["2-1"]
    assert row.state == "invalid" and says in row.reason, row.reason
    client.post(UPLOAD, confirm_data(client))
    assert _dump() == before


def test_the_saved_version_lets_the_change_through(client, saved):
    wb = _template(client)
    ws = wb.active
    ws[f"{col('value')}{_rows(ws)['2-1']}"] = 170
    assert _upload(client, wb)["2-1"].state == "changed"
    client.post(UPLOAD, confirm_data(client))
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal(170)


def test_an_unchanged_row_with_an_emptied_version_stays_unchanged(client, saved):
    wb = _template(client)
    ws = wb.active
    ws[f"{col('version')}{_rows(ws)['2-1']}"] = None
    assert _upload(client, wb)["2-1"].state == "unchanged"


def test_a_new_row_typed_into_the_template_needs_version_0(client, saved):
    KpiValue.objects.filter(kpi__code="2-2", fiscal_year=2024).delete()
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-2"]
    ws[f"{col('value')}{r}"] = 40
    for written, state in (("0", "new"), ("", "invalid")):
        ws[f"{col('version')}{r}"] = written
        assert _upload(client, wb)["2-2"].state == state


@pytest.mark.parametrize("other", ["1-3-3", "2-2"])
def test_a_code_changed_in_the_sheet_is_refused_by_its_name(client, saved, other):
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["1-3-1"]
    ws[f"{col('code')}{r}"] = other
    ws[f"{col('value')}{r}"] = 73
    ws[f"{col('version')}{r}"] = KpiValue.objects.get(kpi__code=other, fiscal_year=2024).version
    before = _dump()
    rows = _upload(client, wb, rows=True)
    refused = [row for row in rows if row.state == "invalid" and "入れ替わって" in row.reason]
    assert refused and all(other in row.reason for row in refused)
    client.post(UPLOAD, confirm_data(client))
    assert _dump() == before


def test_a_name_differing_only_in_width_or_spaces_is_the_same_name(client, saved):
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-1"]
    name = ws[f"{col('name')}{r}"].value
    ws[f"{col('name')}{r}"] = " " + name.replace("ICT", "ＩＣＴ") + "\n"
    assert _upload(client, wb)["2-1"].state == "unchanged"


def test_the_preview_names_every_field_a_row_changes_old_and_new(client, saved):
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-1"]
    ws[f"{col('note')}{r}"] = "部局に確認中"
    ws[f"{col('source')}{r}"] = None
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("v.xlsx", _bytes(wb))})
    html = response.content.decode()
    row = {p.code: p for p in response.context["preview"]}["2-1"]
    assert row.state == "changed"
    assert "備考：「課内の確認済み」 → 「部局に確認中」" in row.changes
    assert not any(c.startswith("実績値") for c in row.changes)  # the value itself is the same
    assert "備考：「課内の確認済み」 → 「部局に確認中」" in html


def test_both_value_columns_of_the_preview_are_formatted_alike(client, saved):
    KpiValue.objects.filter(kpi__code="2-3", fiscal_year=2024).update(value=2750)
    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-3"]
    ws[f"{col('value')}{r}"] = 2751
    row = _upload(client, wb)["2-3"]
    assert row.current.startswith("2,750") and row.shown == "2,751"
    assert "実績値：2,750 → 2,751" in row.changes


def _bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "mark", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"]
)
def test_direction_overrides_in_a_note_are_refused_by_upload_and_form(client, saved, mark):
    from kpi import forms

    wb = _template(client)
    ws = wb.active
    r = _rows(ws)["2-1"]
    ws[f"{col('note')}{r}"] = f"確認{mark}済み"
    before = _dump()
    row = _upload(client, wb)["2-1"]
    assert row.state == "invalid" and forms.BIDI_CHARACTER in row.reason
    client.post(UPLOAD, confirm_data(client))
    assert _dump() == before
