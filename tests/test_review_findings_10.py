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

from initiatives import plan_io
from kpi.models import KpiValue

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
