"""Faults a reviewer found after issue 10, each as the behaviour that now holds.

1. Values enter through the entry form's checks everywhere (the plan import page refuses them).
2. Values are read-only in the admin, deletion included; so are target revisions and reviewed
   narratives, whose writes go through services.
3. A stale values template cannot revert a colleague's newer value (each row carries its 版).
4. Confirming an upload preview saves the rows of that preview, never another tab's.
5. Messages a person can act on (YAML errors, field bounds, fiscal years, huge numbers).
6. The plan import check lists what it creates.
7. The values template marks the rows that hold a sample value.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from kpi import plan_io, services
from kpi.models import KpiValue
from tests.kpi.spreadsheet_files import confirm_data

pytestmark = pytest.mark.django_db

PLAN_IMPORT = "/manage/import-plan/"


def _value_record(model="kpi.kpivalue", **fields) -> str:
    base = {
        "kpi": "[hokkaido-smart-docho-3, 3-2]",
        "fiscal_year": "2025",
        "value": "'50'",
        "status": "preliminary",
    }
    base.update(fields)
    body = ", ".join(f"{k}: {v}" for k, v in base.items())
    return f"- model: {model}\n  fields: {{{body}}}\n"


def _values():
    return sorted(KpiValue.objects.values_list("kpi__code", "fiscal_year", "value", "note"))


# --- 1. values only through the entry form's checks ------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        _value_record(value="'9999'", status="final", note="'<script>x</script>'"),
        _value_record(),  # even a valid value: the page is for the plan's structure
        _value_record(
            model="kpi.historicalkpivalue",
            history_date="2025-05-01 09:00:00+00:00",
            history_type="+",
            entered_at="2025-05-01 09:00:00+00:00",
            version="1",
        ),
        _value_record(model="kpi.valuehistory", history_type="+"),
    ],
    ids=["reviewer's value", "valid value", "value history", "old value history"],
)
def test_plan_import_page_refuses_values_and_their_history(client, admin, policy, record):
    client.force_login(admin)
    before = _values()
    response = client.post(
        PLAN_IMPORT, {"file": SimpleUploadedFile("plan.yaml", record.encode("utf-8"))}
    )
    assert response.status_code == 400
    assert "実績値は入力画面か一括登録で入力してください" in response.content.decode()
    assert _values() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "'9999'"}, "0から100"),
        ({"value": "'-1'"}, "0から100"),
        ({"value": "'50.25'"}, "小数点以下は1桁まで"),
        ({"note": "'<script>x</script>'"}, "HTMLのタグ"),
        ({"source": "'<b>x</b>'"}, "HTMLのタグ"),
        ({"note": "'" + "あ" * 2001 + "'"}, "備考"),
        ({"source": "'" + "あ" * 301 + "'"}, "source"),
        ({"kpi": "[hokkaido-smart-docho-3, 1-2]", "value": "'1.5'"}, "整数"),
        ({"kpi": "[hokkaido-smart-docho-3, 1-2]", "value": "'-3'"}, "0以上"),
    ],
)
def test_restoring_a_value_applies_the_entry_forms_checks(policy, fields, message):
    content = _value_record(**fields).encode("utf-8")
    report = plan_io.import_plan(content, "backup.yaml", accounts=True)
    assert not report.applied
    assert any(message in str(p) for p in report.problems), [str(p) for p in report.problems]
    assert not KpiValue.objects.exists()


def test_restoring_a_value_through_the_command_refuses_markup(policy, tmp_path):
    path = tmp_path / "backup.yaml"
    path.write_text(_value_record(note="'<script>x</script>'"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), stdout=open("/dev/null", "w"))
    assert not KpiValue.objects.exists()


def test_a_value_history_row_with_markup_is_refused_on_restore(policy):
    content = (
        _value_record()
        + _value_record(
            model="kpi.historicalkpivalue",
            note="'<img src=x>'",
            history_date="2025-05-01 09:00:00+00:00",
            history_type="+",
            entered_at="2025-05-01 09:00:00+00:00",
            version="1",
        )
    ).encode("utf-8")
    report = plan_io.import_plan(content, "backup.yaml", accounts=True)
    assert not report.applied
    assert any("HTMLのタグ" in p.message for p in report.problems)
    assert not KpiValue.objects.exists()


@pytest.mark.parametrize(("written", "expected"), [(None, False), ("false", False), ("true", True)])
def test_a_restored_value_is_a_sample_only_where_the_file_says_so(policy, written, expected):
    extra = {} if written is None else {"is_sample": written}
    report = plan_io.import_plan(_value_record(**extra).encode("utf-8"), "backup.yaml")
    assert report.applied, [str(p) for p in report.problems]
    assert KpiValue.objects.get(kpi__code="3-2", fiscal_year=2025).is_sample is expected


# --- 2. read-only in the admin: values, target revisions, reviewed narratives ----------------


@pytest.fixture
def final_value(policy, admin):
    from kpi import services
    from kpi.models import Kpi

    kpi = Kpi.objects.get(code="2-1")
    services.values_save(
        user=admin,
        fiscal_year=2024,
        rows=[services.ValueInput(kpi=kpi, value=140, status="final")],
    )
    return KpiValue.objects.get(kpi=kpi, fiscal_year=2024)


def test_admin_cannot_delete_a_value_one_by_one(client, admin, final_value):
    from django.urls import reverse

    client.force_login(admin)
    url = reverse("admin:kpi_kpivalue_delete", args=[final_value.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert KpiValue.objects.filter(pk=final_value.pk).exists()


def test_admin_cannot_delete_values_with_the_bulk_action(client, admin, final_value):
    from django.urls import reverse

    client.force_login(admin)
    url = reverse("admin:kpi_kpivalue_changelist")
    assert 'value="delete_selected"' not in client.get(url).content.decode()
    client.post(
        url,
        {"action": "delete_selected", "_selected_action": [final_value.pk], "post": "yes"},
    )
    assert KpiValue.objects.filter(pk=final_value.pk).exists()


def test_admin_cannot_delete_a_kpi_together_with_its_values(client, admin, final_value):
    from django.urls import reverse

    client.force_login(admin)
    url = reverse("admin:kpi_kpi_delete", args=[final_value.kpi_id])
    client.post(url, {"post": "yes"})
    assert KpiValue.objects.filter(pk=final_value.pk).exists()


@pytest.fixture
def revision(policy, admin):
    from kpi import services
    from kpi.models import Kpi, TargetRevision

    kpi = Kpi.objects.get(code="2-1")
    return services.target_revision_record(
        user=admin,
        revision=TargetRevision(
            kpi=kpi,
            effective_fy=2025,
            target_fy=2027,
            kind=kpi.target_kind,
            value=kpi.target_value,
            text="",
            reason="見直し",
            decided_on=datetime.date(2025, 4, 1),
        ),
    )


def _revisions():
    from kpi.models import TargetRevision

    return sorted(TargetRevision.objects.values_list("kpi_id", "effective_fy", "value", "reason"))


def test_admin_shows_target_revisions_read_only(client, admin, revision):
    from django.urls import reverse

    client.force_login(admin)
    before = _revisions()
    change = reverse("admin:kpi_targetrevision_change", args=[revision.pk])
    assert client.get(change).status_code == 200  # still readable
    assert client.post(change, {"effective_fy": 2024, "reason": "x"}).status_code == 403
    assert client.get(reverse("admin:kpi_targetrevision_add")).status_code == 403
    delete = reverse("admin:kpi_targetrevision_delete", args=[revision.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    old = revision.history.earliest("history_date")
    revert = reverse("admin:kpi_targetrevision_simple_history", args=[revision.pk, old.history_id])
    assert client.post(revert, {"_change_history": "1"}).status_code == 403
    assert _revisions() == before


def test_kpi_admin_page_shows_its_revisions_without_a_way_to_edit_them(client, admin, revision):
    from django.urls import reverse

    client.force_login(admin)
    html = client.get(reverse("admin:kpi_kpi_change", args=[revision.kpi_id])).content.decode()
    assert "見直し" in html
    assert 'name="target_revisions-0-reason"' not in html
    assert 'name="target_revisions-0-DELETE"' not in html


@pytest.mark.parametrize("model", ["initiativeprogress", "kpicommentary"])
def test_admin_cannot_delete_or_revert_reviewed_narratives(admin, model):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from narratives.models import InitiativeProgress, KpiCommentary

    model_class = {"initiativeprogress": InitiativeProgress, "kpicommentary": KpiCommentary}[model]
    model_admin = django_admin.site._registry[model_class]
    request = RequestFactory().post("/")
    request.user = admin
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_change_permission(request)
    with pytest.raises(PermissionDenied):
        model_admin.history_form_view(request, "1", "1")


# --- 3. a stale values template cannot revert a colleague's save -----------------------------

TEMPLATE = "/plans/hokkaido-smart-docho-3/entry/2024/template.{fmt}"
UPLOAD = "/plans/hokkaido-smart-docho-3/entry/2024/upload/"


def _save(user, code, value, status="preliminary", note=""):
    from kpi import services
    from kpi.models import Kpi

    kpi = Kpi.objects.get(code=code)
    current = KpiValue.objects.filter(kpi=kpi, fiscal_year=2024).first()
    services.values_save(
        user=user,
        fiscal_year=2024,
        rows=[
            services.ValueInput(
                kpi=kpi,
                value=value,
                status=status,
                note=note,
                version=current.version if current else 0,
            )
        ],
    )


def _edit_template(content: bytes, fmt: str, changes: dict[str, str], drop_version=False) -> bytes:
    """The downloaded template with the value of each code in `changes` replaced."""
    import csv
    import io

    from openpyxl import load_workbook

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        code, value = rows[0].index("コード"), rows[0].index("実績値")
        for row in rows[1:]:
            if row[code] in changes:
                row[value] = changes[row[code]]
        if drop_version:
            rows = [r[:-1] for r in rows]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    code, value = header.index("コード") + 1, header.index("実績値") + 1
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, code).value in changes:
            sheet.cell(r, value).value = float(changes[sheet.cell(r, code).value])
    if drop_version:
        sheet.delete_cols(len(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _preview(client, fmt, content):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(f"values.{fmt}", content)})
    assert response.status_code == 200, response.content.decode()[:2000]
    return {r.code: r for r in response.context["preview"]}


@pytest.fixture
def stale_template(client, editor, admin):
    """What the editor downloaded: 2-1 at 140, 2-2 at 50; then the admin saved 2-1 as 150."""

    def make(fmt):
        _save(editor, "2-1", 140)
        _save(editor, "2-2", 50)
        client.force_login(editor)
        content = client.get(TEMPLATE.format(fmt=fmt)).content
        _save(admin, "2-1", 150)
        return content

    return make


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unchanged_row_of_a_stale_template_is_a_conflict_not_a_revert(client, stale_template, fmt):
    content = _edit_template(stale_template(fmt), fmt, {"2-2": "60"})
    rows = _preview(client, fmt, content)
    assert rows["2-2"].state == "changed"
    assert rows["2-1"].state == "invalid"
    assert "kanri さん" in rows["2-1"].reason and "「150」" in rows["2-1"].reason
    response = client.post(UPLOAD, confirm_data(client))
    assert response.status_code == 302
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == 150
    assert KpiValue.objects.get(kpi__code="2-2", fiscal_year=2024).value == 60


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_stale_row_that_already_equals_the_current_value_is_unchanged(
    client, stale_template, fmt
):
    content = _edit_template(stale_template(fmt), fmt, {"2-1": "150"})
    assert _preview(client, fmt, content)["2-1"].state == "unchanged"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_unchanged_template_still_uploads_unchanged(client, editor, fmt):
    _save(editor, "2-1", 140, note="+5件は前年度分")
    client.force_login(editor)
    content = client.get(TEMPLATE.format(fmt=fmt)).content
    rows = _preview(client, fmt, content)
    assert {r.state for r in rows.values()} == {"unchanged"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_without_the_version_column_is_read_as_before(client, stale_template, fmt):
    content = _edit_template(stale_template(fmt), fmt, {"2-2": "60"}, drop_version=True)
    rows = _preview(client, fmt, content)
    assert rows["2-1"].state == "changed"  # no 版: the person's word, as before the column


def test_a_row_for_a_value_deleted_since_the_template_is_a_conflict(client, editor):
    _save(editor, "2-1", 140)
    client.force_login(editor)
    content = client.get(TEMPLATE.format(fmt="csv")).content
    KpiValue.objects.filter(kpi__code="2-1").delete()
    rows = _preview(client, "csv", content)
    assert rows["2-1"].state == "invalid" and rows["2-1"].reason == services.GONE


def test_a_forged_version_is_refused(client, editor):
    client.force_login(editor)
    content = client.get(TEMPLATE.format(fmt="csv")).content
    lines = _edit_template(content, "csv", {"1-1": "5"}).decode("utf-8-sig").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",x"
    rows = _preview(client, "csv", ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    assert "「版」の列" in next(iter(rows.values())).reason


def test_the_import_values_command_refuses_a_stale_row(stale_template, tmp_path):
    import io

    path = tmp_path / "values.xlsx"
    path.write_bytes(_edit_template(stale_template("xlsx"), "xlsx", {"2-2": "60"}))
    out = io.StringIO()
    call_command(
        "import_values",
        "hokkaido-smart-docho-3",
        "2024",
        str(path),
        "--user",
        "editor",
        "--apply",
        stdout=out,
    )
    assert "kanri さん" in out.getvalue()
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == 150
    assert KpiValue.objects.get(kpi__code="2-2", fiscal_year=2024).value == 60


# --- 7. the template marks sample values -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_marks_rows_holding_a_sample_value(client, editor, sample_values, fmt):
    import csv
    import io

    from openpyxl import load_workbook

    client.force_login(editor)
    content = client.get(TEMPLATE.format(fmt=fmt)).content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        rows = [[c.value or "" for c in r] for r in load_workbook(io.BytesIO(content)).active]
    header = rows[0]
    code, sample = header.index("コード"), header.index("サンプル値")
    by_code = {r[code]: r[sample] for r in rows[1:]}
    samples = set(
        KpiValue.objects.filter(fiscal_year=2024, is_sample=True).values_list(
            "kpi__code", flat=True
        )
    )
    assert samples and all(by_code[c] == "はい" for c in samples if c in by_code)
    assert _preview(client, fmt, content) and all(
        r.state == "unchanged" for r in _preview(client, fmt, content).values()
    )


# --- 4. a confirm saves the preview it was shown for -----------------------------------------


def _values_csv(code_values: dict[str, str]) -> bytes:
    import csv
    import io

    from kpi.exports import CSV_COLUMNS

    keys = [k for k, _ in CSV_COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for code, value in code_values.items():
        row = dict.fromkeys(keys, "")
        row.update(code=code, fiscal_year="2024", value=value)
        writer.writerow([row[k] for k in keys])
    return out.getvalue().encode("utf-8-sig")


def _upload(client, name, content):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    return response.context["token"]


def test_two_previews_in_two_tabs_each_confirm_their_own_rows(client, editor):
    client.force_login(editor)
    first = _upload(client, "e1.csv", _values_csv({"2-1": "111"}))
    second = _upload(client, "e2.csv", _values_csv({"2-2": "22"}))
    assert client.post(UPLOAD, {"confirm": "1", "token": first}).status_code == 302
    assert _values() == [("2-1", 2024, 111, "")]
    assert client.post(UPLOAD, {"confirm": "1", "token": second}).status_code == 302
    assert [v[:3] for v in _values()] == [("2-1", 2024, 111), ("2-2", 2024, 22)]


@pytest.mark.parametrize("token", ["replayed", "forged", "missing", "empty"])
def test_a_confirm_without_its_previews_token_saves_nothing(client, editor, token):
    client.force_login(editor)
    used = _upload(client, "e1.csv", _values_csv({"2-1": "111"}))
    assert client.post(UPLOAD, {"confirm": "1", "token": used}).status_code == 302
    _upload(client, "e2.csv", _values_csv({"2-2": "22"}))
    before = _values()
    data = {"confirm": "1", "token": {"replayed": used, "forged": "0" * 64, "empty": ""}.get(token)}
    if token == "missing":
        del data["token"]
    response = client.post(UPLOAD, data)
    assert response.status_code == 400
    assert "別の画面で新しいファイルを確認したため、この確認は無効です" in response.content.decode()
    assert _values() == before


def test_a_confirm_with_no_preview_at_all_is_refused(client, editor):
    client.force_login(editor)
    response = client.post(UPLOAD, {"confirm": "1", "token": "0" * 64})
    assert response.status_code == 400
    assert "確認する取り込みがありません" in response.content.decode()
    assert not KpiValue.objects.exists()


def test_a_tampered_session_entry_is_refused(client, editor):
    from kpi.entry_views import UPLOAD_SESSION_KEY

    client.force_login(editor)
    token = _upload(client, "e1.csv", _values_csv({"2-1": "111"}))
    session = client.session
    session[UPLOAD_SESSION_KEY][token]["rows"][0]["value"] = "99"
    session.save()
    assert client.post(UPLOAD, {"confirm": "1", "token": token}).status_code == 400
    assert not KpiValue.objects.exists()


# --- 5. messages a person can act on ---------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b"- model: kpi.unit\n  fields: {code: a\x00b}\n",
            "YAMLに使えない文字（制御文字 U+0000）があります（2行19列）",
        ),
        (b"- model: kpi.unit\n  fields: {code: a\x07b}\n", "U+0007"),
        (
            b"- !!python/object/apply:os.system [ls]\n",
            "YAMLに使えないタグ「!!python/object/apply:os.system」があります（1行3列）",
        ),
        (b"- !!python/name:os.system ''\n", "YAMLに使えないタグ「!!python/name:os.system」"),
        (b"- model: kpi.unit\n  fields: {code: [x\n", "（3行1列）。角括弧 [ ] の閉じ忘れ"),
        (b"- model: kpi.unit\n\t fields: {}\n", "タブ文字は使えません"),
        (b"- model: kpi.unit: x\n", "「:」の位置が正しくありません"),
        (b"- *nope\n", "定義されていない別名"),
        (b"- !!int x\n", "「!!」の指定を外して"),
    ],
)
def test_yaml_errors_are_told_in_japanese_with_line_and_column(content, says):
    from initiatives import plan_reader

    with pytest.raises(plan_reader.ReadError) as caught:
        plan_reader.parse(content, "yaml")
    message = caught.value.message
    assert says in message
    head = message.split("（解析器の説明")[0]
    assert not any(word in head for word in ("could not", "found", "allowed", "invalid")), message


def test_json_errors_are_told_in_japanese_with_line_and_column():
    from initiatives import plan_reader

    with pytest.raises(plan_reader.ReadError) as caught:
        plan_reader.parse(b'[{"model": "kpi.unit",\n "fields": }]', "json")
    assert caught.value.message.startswith("JSONの書き方に誤りがあります（2行12列）")


@pytest.mark.parametrize(
    ("decimals", "says"),
    [
        ("-5", "0～4の範囲の整数で書いてください"),
        ("9", "0～4の範囲の整数で書いてください"),
        ("99999999999", "0～4"),
    ],
)
def test_an_integer_out_of_its_fields_real_bounds_names_those_bounds(db, decimals, says):
    content = (
        "- model: kpi.unit\n"
        f"  fields: {{code: c, label: 件, base_label: 件, scale: '1', kind: count, decimals: {decimals}}}\n"
    ).encode()
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(content, "plan.yaml")
    assert says in str(caught.value)
    assert "9223372036854775807" not in str(caught.value)


def test_a_fiscal_year_out_of_range_names_the_years_the_app_takes(policy):
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(_value_record(fiscal_year="99999").encode(), "backup.yaml")
    assert "1,926～2,200の範囲の整数" in str(caught.value)


def test_a_row_of_another_year_names_it_as_the_app_shows_years(client, editor):
    client.force_login(editor)
    content = _values_csv({"2-1": "5"}).replace(b",2024,", b",2023,")
    rows = _preview(client, "csv", content)
    assert (
        rows["2-1"].reason
        == "R5（2023年度）の行です（この画面ではR6（2024年度）の値を取り込みます）。"
    )


@pytest.mark.parametrize("typed", ["1e308", "1e309", "10^30", "1E+20", "-1e308", "１ｅ３０８"])
@pytest.mark.parametrize(
    ("code", "says"), [("2-1", "単位「件」で入力できるのは13桁"), ("1-4", "割合は0から100")]
)
def test_a_huge_number_in_any_notation_is_out_of_the_units_range(client, editor, typed, code, says):
    from kpi.models import Kpi
    from tests.kpi.test_entry import ENTRY, _form_data

    client.force_login(editor)
    response = client.post(ENTRY, _form_data(client, **{code: {"value": typed}}))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not KpiValue.objects.filter(kpi=Kpi.objects.get(code=code)).exists()


# --- 6. the plan import check lists what it creates ------------------------------------------


def _new_kpi_file() -> bytes:
    import yaml

    from tests.conftest import ROOT

    records = yaml.safe_load((ROOT / "fixtures" / "hokkaido_smart_docho_3.yaml").read_text())
    kpi = next(r for r in records if r["model"] == "kpi.kpi" and r["fields"]["code"] == "3-2")
    new = {"model": "kpi.kpi", "fields": {**kpi["fields"], "code": "3-9", "name": "新しい指標"}}
    records.append(new)
    return yaml.safe_dump(records, allow_unicode=True, sort_keys=False).encode("utf-8")


def test_the_plan_import_check_lists_each_new_object_by_key(client, admin, policy):
    client.force_login(admin)
    response = client.post(PLAN_IMPORT, {"file": SimpleUploadedFile("plan.yaml", _new_kpi_file())})
    assert response.status_code == 200
    html = response.content.decode()
    assert "作成するもの（1件）" in html
    assert "[&quot;hokkaido-smart-docho-3&quot;, &quot;3-9&quot;]" in html
    assert "新しい指標" in html
    report = response.context["report"]
    assert [(c.model, c.key) for c in report.new] == [
        ("kpi.kpi", '["hokkaido-smart-docho-3", "3-9"]')
    ]


def test_the_import_command_lists_each_new_object(policy, tmp_path):
    import io

    path = tmp_path / "plan.yaml"
    path.write_bytes(_new_kpi_file())
    out = io.StringIO()
    call_command("import_plan", str(path), "--dry-run", stdout=out)
    assert "新規: " in out.getvalue() and '"3-9"' in out.getvalue()
