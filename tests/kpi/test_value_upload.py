"""Yearly values from spreadsheets: UTF-8 with a BOM, cp932 and XLSX give the same result."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from kpi import numbers, services
from kpi.exports import CSV_COLUMNS
from kpi.models import KpiValue
from tests.kpi.spreadsheet_files import confirm_data

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
UPLOAD = PLAN + "entry/2024/upload/"
HEADER = [label for _, label in CSV_COLUMNS]
KEYS = [key for key, _ in CSV_COLUMNS]


def _row(**values):
    row = dict.fromkeys(KEYS, "")
    row.update(plan="hokkaido-smart-docho-3", **values)
    return [str(row[k]) for k in KEYS]


ROWS = [
    _row(
        code="2-1",
        name="ICTツールの業務への導入数",
        fiscal_year="2024",
        value="１３１",
        value_status="速報値",
        note="①集計（㈱委託）",
    ),
    _row(
        code="2-3", fiscal_year="R6", value="2,480", value_status="確定値", source="業務統計～年報"
    ),
    _row(
        code="1-4", fiscal_year="2024", value="120", value_status="速報値"
    ),  # a percentage over 100
    _row(code="3-1", fiscal_year="2024", value="50", value_status="速報値"),  # another department's
    _row(code="2-2", fiscal_year="2023", value="47.2", value_status="速報値"),  # another year
    _row(code="9-9", fiscal_year="2024", value="1", value_status="速報値"),  # no such KPI
]


def _csv(encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return buffer.getvalue().encode(encoding)


def _xlsx():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES = {
    "utf-8-bom.csv": lambda: _csv("utf-8-sig"),
    "cp932.csv": lambda: _csv("cp932"),
    "excel.xlsx": _xlsx,
}


def _preview(client, name):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, FILES[name]())})
    assert response.status_code == 200, response.content.decode()[:500]
    return [(r.line, r.code, r.state, r.value, r.reason) for r in response.context["preview"]]


def test_the_three_formats_give_the_same_preview_and_the_same_result(client, editor):
    client.force_login(editor)
    previews = {name: _preview(client, name) for name in FILES}
    assert previews["utf-8-bom.csv"] == previews["cp932.csv"] == previews["excel.xlsx"]
    states = [(code, state) for _, code, state, _, _ in previews["cp932.csv"]]
    assert states == [
        ("2-1", "new"),
        ("2-3", "new"),
        ("1-4", "invalid"),
        ("3-1", "invalid"),
        ("2-2", "other_year"),
        ("9-9", "invalid"),
    ]
    reasons = {code: reason for _, code, _, _, reason in previews["cp932.csv"]}
    assert reasons["1-4"] == numbers.PERCENT_RANGE
    assert reasons["3-1"] == services.NOT_ALLOWED
    results = {}
    for name in FILES:
        KpiValue.objects.all().delete()
        _preview(client, name)
        assert client.post(UPLOAD, confirm_data(client)).status_code == 302
        results[name] = sorted(
            KpiValue.objects.values_list(
                "kpi__code",
                "fiscal_year",
                "value",
                "status",
                "note",
                "source",
                "entered_by__username",
            )
        )
    assert results["utf-8-bom.csv"] == results["cp932.csv"] == results["excel.xlsx"]
    assert results["cp932.csv"] == [
        ("2-1", 2024, Decimal("131"), "preliminary", "①集計（㈱委託）", "", "editor"),
        ("2-3", 2024, Decimal("2480"), "final", "", "業務統計～年報", "editor"),
    ]


def test_a_file_with_a_bad_row_changes_nothing_until_confirmed(client, editor):
    client.force_login(editor)
    _preview(client, "cp932.csv")
    assert KpiValue.objects.count() == 0
    html = client.get(PLAN + "entry/2024/").content.decode()
    assert "未入力" in html
    client.post(UPLOAD, confirm_data(client))
    assert set(KpiValue.objects.values_list("kpi__code", flat=True)) == {"2-1", "2-3"}
    assert all(v.history.count() == 1 for v in KpiValue.objects.all())


def test_confirming_after_someone_else_changed_a_row_saves_nothing(client, editor, admin):
    client.force_login(editor)
    client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", _csv("utf-8-sig"))})
    services.values_save(
        user=admin,
        fiscal_year=2024,
        rows=[
            services.ValueInput(
                kpi=__import__("kpi.models").models.Kpi.objects.get(code="2-1"),
                value=Decimal(99),
                status="preliminary",
            )
        ],
    )
    response = client.post(UPLOAD, confirm_data(client), follow=True)
    assert "保存できませんでした" in response.content.decode()
    assert list(KpiValue.objects.values_list("kpi__code", "value")) == [("2-1", Decimal(99))]


def test_unchanged_and_changed_rows_are_told_apart(client, editor):
    client.force_login(editor)
    client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", _csv("utf-8-sig"))})
    client.post(UPLOAD, confirm_data(client))
    changed = [list(r) for r in ROWS[:2]]
    changed[0][KEYS.index("value")] = "135"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *changed])
    response = client.post(
        UPLOAD, {"file": SimpleUploadedFile("b.csv", buffer.getvalue().encode("utf-8"))}
    )
    assert [r.state for r in response.context["preview"]] == ["changed", "unchanged"]
    # A final value (2-3) is locked for an editor: a change to it is refused in the preview.
    changed[1][KEYS.index("value")] = "2,500"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *changed])
    response = client.post(
        UPLOAD, {"file": SimpleUploadedFile("c.csv", buffer.getvalue().encode("utf-8"))}
    )
    assert [(r.state, r.reason) for r in response.context["preview"]][1] == (
        "invalid",
        services.FINAL_LOCKED,
    )


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("values.txt", b"x", "CSV"),
        ("values.csv", "コード,成果指標\n2-1,x\n".encode(), "必要な列がありません"),
        ("values.csv", b"\xff\xfe\x00\x81\x00", "文字コード"),
        ("values.xlsx", b"not a workbook", "XLSX"),
    ],
)
def test_unreadable_spreadsheets_are_refused_with_a_reason(client, editor, name, content, says):
    client.force_login(editor)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert KpiValue.objects.count() == 0


def test_template_download_lists_the_users_kpis_in_the_export_layout(client, editor):
    client.force_login(editor)
    body = client.get(PLAN + "entry/2024/template.csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "版"]  # the export's layout, each row's version at the end
    codes = [r[1] for r in rows[1:]]
    assert "2-1" in codes and "3-1" not in codes and "1-3" not in codes


def test_viewer_cannot_upload(client, viewer, departments):
    client.force_login(viewer)
    assert (
        client.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", _csv("utf-8-sig"))}).status_code
        == 403
    )


def test_the_command_previews_and_applies(editor, tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes(_csv("cp932"))
    out = io.StringIO()
    call_command(
        "import_values", "hokkaido-smart-docho-3", "R6", str(path), "--user", "editor", stdout=out
    )
    assert "取り込める行: 2 / 6" in out.getvalue() and KpiValue.objects.count() == 0
    call_command(
        "import_values",
        "hokkaido-smart-docho-3",
        "R6",
        str(path),
        "--user",
        "editor",
        "--apply",
        stdout=out,
    )
    assert KpiValue.objects.count() == 2
