"""The import page and the commands with an Excel KPI table: preview, rows to settle, template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives.models import Plan
from kpi import plan_io
from kpi.models import Kpi
from tests.kpi.plan_books import book as any_book
from tests.kpi.plan_books import cell_values, kpi_row, plan_of

pytestmark = pytest.mark.django_db

URL = "/manage/import-plan/"
TEMPLATE_URL = "/manage/import-plan/plan_template.xlsx"
SETTLED = [kpi_row("1-1", "80%以上"), kpi_row("1-2", "1,000件/年", unit="件", baseline="—")]
UNSETTLED = [kpi_row("1-1", "80%以上"), kpi_row("1-2", "20%削減")]
# The admin fixture user is 北海道's: they load plans under its name (plan_organizations).
HOME_PLAN = plan_of("北海道")


def book(rows: list[dict], plan=HOME_PLAN) -> bytes:
    return any_book(rows, plan=plan)


def _upload(client, content: bytes, name: str = "plan.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_a_row_not_settled_is_shown_in_the_preview_and_nothing_is_saved(admin_client):
    response = _upload(admin_client, book(UNSETTLED))
    assert response.status_code == 400
    page = response.content.decode()
    assert "20%削減" in page and "3行目" in page and "目標の種類" in page
    assert "この内容で読み込む" not in page
    assert not Plan.objects.exists() and not Kpi.objects.exists()


def test_a_settled_workbook_is_previewed_then_saved_on_confirm(admin_client):
    response = _upload(admin_client, book(SETTLED))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "この内容で読み込む" in response.content.decode()
    assert not Kpi.objects.exists()
    token = response.context["token"]
    response = admin_client.post(URL, {"confirm": "1", "token": token})
    assert response.status_code == 200 and response.context["applied"]
    kpi = Kpi.objects.get(plan__slug="test-town-dx", code="1-2")
    assert (kpi.target_basis, kpi.target_value, kpi.baseline_value) == ("annual", 1000, None)


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 not really a zip", b"%PDF-1.4 renamed", "計画,成果指標".encode()],
)
def test_a_broken_workbook_is_a_400_with_a_message_never_a_500(admin_client, content):
    response = _upload(admin_client, content)
    assert response.status_code == 400
    assert response.context["problems"] and not Plan.objects.exists()


def test_the_message_is_english_in_the_english_interface(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _upload(admin_client, b"not a workbook")
    assert response.status_code == 400
    message = response.context["problems"][0].message
    assert "workbook" in message.lower() and ".xlsx" in message


def test_the_template_downloads_as_a_workbook_that_loads(admin_client):
    response = admin_client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == ["説明", "計画", "成果指標"]
    wb.close()
    # Filled in with the admin's organization's name, the only one they may load it under.
    items = dict(r[:2] for r in cell_values(response.content)["計画"])
    assert items["団体名"] == "北海道" and items["計画名"].startswith("北海道")
    response = _upload(admin_client, response.content, "plan_template.xlsx")
    assert response.status_code == 200 and "この内容で読み込む" in response.content.decode()


def test_a_site_administrator_gets_the_template_with_its_invented_government(client, db):
    from django.contrib.auth import get_user_model

    site = get_user_model().objects.create(username="site", is_staff=True, is_superuser=True)
    client.force_login(site)
    items = dict(r[:2] for r in cell_values(client.get(TEMPLATE_URL).content)["計画"])
    assert items["団体名"] == "例示市"


def test_the_import_page_links_to_the_template(admin_client):
    assert TEMPLATE_URL in admin_client.get(URL).content.decode()


def test_only_admins_get_the_template(client, editor):
    client.force_login(editor)
    assert client.get(TEMPLATE_URL).status_code == 403
    client.logout()
    assert client.get(TEMPLATE_URL).status_code == 302


def test_the_command_loads_a_workbook(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(book(SETTLED))
    out = io.StringIO()
    call_command("import_plan", str(path), "--dry-run", stdout=out)
    assert "確認のみ" in out.getvalue() and not Plan.objects.exists()
    call_command("import_plan", str(path), stdout=io.StringIO())
    assert Kpi.objects.filter(plan__slug="test-town-dx").count() == 2


def test_the_command_lists_rows_to_settle_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(book(UNSETTLED))
    with pytest.raises(CommandError, match="何も書き込んでいません"):
        call_command("import_plan", str(path), stdout=io.StringIO())
    err = capsys.readouterr().err
    assert "3行目" in err and "20%削減" in err
    assert not Plan.objects.exists()


def test_export_plan_writes_xlsx_that_loads_back(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(book(SETTLED))
    call_command("import_plan", str(path), stdout=io.StringIO())
    target = tmp_path / "out.xlsx"
    call_command("export_plan", "test-town-dx", "--format", "xlsx", "-o", str(target))
    rows = cell_values(target.read_bytes())["成果指標"]
    assert [r[4] for r in rows[1:] if any(r)] == ["1-1", "1-2"]
    with pytest.raises(CommandError, match="-o"):
        call_command("export_plan", "test-town-dx", "--format", "xlsx")
    yaml_out = io.StringIO()
    call_command("export_plan", "test-town-dx", stdout=yaml_out)  # YAML stays the default
    assert yaml_out.getvalue().startswith("# smartdocho plan fixture")


# --- the preview of a workbook (what each 目標 reads as, what the file leaves alone) --------


def test_the_preview_shows_how_each_new_target_was_read(admin_client):
    rows = [
        kpi_row("1-1", "80～90%", 50),
        kpi_row("1-2", "1,000件/年", 800, unit="件"),
        kpi_row("1-3", "検討(R6)→運用(R8)", "—", unit="段階", 基準年度=None),
        kpi_row("1-4", "1,000件（R7年度まで）、1,500件（R8年度まで）", 800, unit="件", 累計="○"),
    ]
    response = _upload(admin_client, book(rows))
    text = response.content.decode()
    assert response.status_code == 200 and not Kpi.objects.exists()
    assert "目標の読み方" in text
    assert "範囲 80.0～90.0%" in text
    assert "1,000件 以上、毎年度" in text
    assert "段階 検討（R6） → 運用（R8）" in text
    assert "年度別目標値 R7 1,000" in text and "累計" in text


def test_kpis_and_items_in_the_plan_but_not_in_the_file_are_listed_as_kept(admin_client, admin):
    # Loaded first for the admin's organization: another organization's plan is refused (403).
    assert plan_io.import_plan(
        book([kpi_row("1-1"), kpi_row("1-2", 取組項目番号="1-2", 取組項目="別の項目")]),
        "plan.xlsx",
        organization=admin.staff_profile.organization,
    ).applied
    response = _upload(admin_client, book([kpi_row("1-1")]))
    text = response.content.decode()
    assert "ファイルにない（そのまま残ります）" in text
    assert "指標1-2" in text and "別の項目" in text
    assert Kpi.objects.count() == 2


def test_an_emptied_report_to_on_the_plan_sheet_clears_it_and_the_preview_shows_it(
    admin_client, admin
):

    assert plan_io.import_plan(
        book([kpi_row("1-1", 備考="注記")]),
        "plan.xlsx",
        organization=admin.staff_profile.organization,
    ).applied
    plan = [(k, None) if k == "報告先" else (k, v) for k, v in HOME_PLAN]
    response = _upload(admin_client, book([kpi_row("1-1", 備考=None)], plan=plan))
    text = response.content.decode()
    assert "試験町DX推進会議" in text and "注記" in text  # old values, going
    report = response.context["report"]
    changes = {(c.where, c.field): (c.old, c.new) for c in report.changes}
    assert changes[("計画シート", "報告先")] == ("試験町DX推進会議", "（空欄）"), changes
    assert changes[("成果指標 2行目", "注記（「備考」）")] == ("注記", "（空欄）"), changes
    assert not any("(" in c.field or "件目" in str(c) for c in report.changes), report.changes
    admin_client.post(URL, {"confirm": "1", "token": response.context["token"]})
    assert Plan.objects.get().report_to == "" and Kpi.objects.get().note == ""


def test_the_problems_table_heads_its_message_column_problem_and_places_rows_by_sheet(admin_client):
    response = _upload(admin_client, book([kpi_row(unit="—")]))
    assert response.status_code == 400
    assert '<th scope="col">問題</th>' in response.content.decode()
    assert '<td class="num">成果指標 2行目</td>' in response.content.decode()


def test_the_page_speaks_plainly_without_technical_terms(admin_client):
    text = admin_client.get(URL).content.decode()
    for word in ("フィクスチャ", "natural key", "fixtures/templates"):
        assert word not in text
    assert text.index("Excel") < text.index("YAML")
