"""The yearly entry form: what staff type, what is saved, what is refused, and what is kept."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from kpi import forms as kpi_forms
from kpi import numbers, services
from kpi.models import Kpi, KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
ENTRY = PLAN + "entry/2024/"


def _form_data(client, url=ENTRY, **by_code):
    """The entry form as the page rendered it, with some rows filled in: {code: {field: value}}."""
    response = client.get(url)
    assert response.status_code == 200
    formset = response.context["formset"]
    rows = response.context["rows"]
    data = {
        "v-TOTAL_FORMS": str(formset.total_form_count()),
        "v-INITIAL_FORMS": str(formset.initial_form_count()),
        "v-MIN_NUM_FORMS": "0",
        "v-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        initial = row.form.initial
        fields = {
            "kpi_id": initial["kpi_id"],
            "version": initial["version"],
            "value": initial["value"],
            "status": initial["status"],
            "note": initial["note"],
            "source": initial["source"],
        }
        fields.update(by_code.get(row.kpi.code, {}))
        for name, value in fields.items():
            data[f"v-{i}-{name}"] = value
    return data


def _snapshot():
    return sorted(
        KpiValue.objects.values_list(
            "kpi__code", "fiscal_year", "value", "status", "note", "version"
        )
    )


def test_editor_sees_only_the_kpis_of_their_department(client, editor):
    client.force_login(editor)
    codes = [row.kpi.code for row in client.get(ENTRY).context["rows"]]
    assert "1-2" in codes and "2-4-1" in codes
    assert "3-1" not in codes  # another department's
    assert "1-3" not in codes  # a parent judged on its components has no values of its own


def test_full_width_digits_and_commas_are_saved_with_who_and_when(client, editor):
    client.force_login(editor)
    data = _form_data(
        client,
        **{"2-3": {"value": "２，４８０", "source": "業務統計"}, "1-3-1": {"value": "６３．５％"}},
    )
    response = client.post(ENTRY, data)
    assert response.status_code == 302
    saved = KpiValue.objects.get(kpi__code="2-3", fiscal_year=2024)
    assert (saved.value, saved.status, saved.source, saved.entered_by, saved.version) == (
        Decimal("2480"),
        "preliminary",
        "業務統計",
        editor,
        1,
    )
    assert KpiValue.objects.get(kpi__code="1-3-1", fiscal_year=2024).value == Decimal("63.5")
    page = client.get(ENTRY).content.decode()
    assert "実績値を保存しました" in page and "2-3 電子申請システムの利用件数: 新規 2,480" in page


def test_a_bad_row_saves_nothing_and_shows_its_error_beside_the_field(client, editor):
    client.force_login(editor)
    data = _form_data(client, **{"2-3": {"value": "2480"}, "1-4": {"value": "120"}})
    response = client.post(ENTRY, data)
    assert response.status_code == 400
    assert KpiValue.objects.count() == 0
    html = response.content.decode()
    assert numbers.PERCENT_RANGE in html
    assert 'aria-invalid="true"' in html


def test_correcting_a_value_increments_its_version_and_records_history(client, editor):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "133", "note": "集計漏れを訂正"}}))
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    assert (value.value, value.version, value.note) == (Decimal("133"), 2, "集計漏れを訂正")
    history = value.history.order_by("history_date")
    assert [h.value for h in history] == [Decimal("131"), Decimal("133")]
    assert all(h.history_user == editor for h in history)


def test_unchanged_form_changes_nothing(client, editor):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    before = _snapshot()
    client.post(ENTRY, _form_data(client))
    assert _snapshot() == before
    assert KpiValue.history.count() == 1


def test_second_save_from_an_old_version_is_refused_with_the_other_persons_change(
    client, editor, admin
):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    stale = _form_data(client, **{"2-1": {"value": "140"}})
    # Meanwhile an admin corrects the same value.
    client.force_login(admin)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "135"}}))
    client.force_login(editor)
    response = client.post(ENTRY, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "kanri さん" in html and "「135」" in html
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal("135")


def test_final_values_are_locked_for_editors_and_reopened_by_an_admin_with_a_reason(
    client, editor, admin
):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131", "status": "final"}}))
    data = _form_data(client, **{"2-1": {"value": "999"}})
    client.post(ENTRY, data)
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal("131")
    # Forcing the disabled field through the service is refused too.
    kpi = Kpi.objects.get(code="2-1")
    with pytest.raises(services.EntryRefused) as refused:
        services.values_save(
            user=editor,
            fiscal_year=2024,
            rows=[services.ValueInput(kpi=kpi, value=Decimal(999), status="final", version=1)],
        )
    assert refused.value.result.errors == {0: services.FINAL_LOCKED}
    # The editor cannot reopen; the admin can, and must say why.
    assert (
        client.post(PLAN + "entry/2024/reopen/2-1/", {"version": 1, "reason": "x"}).status_code
        == 403
    )
    client.force_login(admin)
    client.post(PLAN + "entry/2024/reopen/2-1/", {"version": 1, "reason": ""})
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).status == "final"
    client.post(PLAN + "entry/2024/reopen/2-1/", {"version": 1, "reason": "部局からの訂正依頼"})
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    assert value.status == "preliminary"
    assert value.history.latest().history_change_reason == "確定の解除: 部局からの訂正依頼"


def test_a_filled_value_cannot_be_cleared(client, editor):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    response = client.post(ENTRY, _form_data(client, **{"2-1": {"value": ""}}))
    assert response.status_code == 409
    assert services.CANNOT_CLEAR in response.content.decode()
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal("131")


def test_entering_a_value_replaces_a_sample_value_and_drops_its_sample_flag(client, editor):
    call_command("loaddata", "sample_values", verbosity=0)
    client.force_login(editor)
    url = PLAN + "entry/2025/"  # R7 sample values are preliminary, so still open to editors
    client.post(url, _form_data(client, url, **{"2-1": {"value": "150"}}))
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025)
    assert value.value == Decimal("150") and not value.is_sample
    # R6 sample values are final: locked for editors.
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "130"}}))
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal("131")


def test_status_board_lists_missing_and_unconfirmed_kpis_per_department(client, editor, admin):
    client.force_login(editor)
    client.post(
        ENTRY,
        _form_data(client, **{"2-1": {"value": "131"}, "1-2": {"value": "281", "status": "final"}}),
    )
    client.force_login(admin)
    html = client.get(ENTRY + "status/").content.decode()
    joho = html.split("情報政策課", 1)[1].split("</tr>", 1)[0]
    missing, preliminary = joho.split("<td>")[1], joho.split("<td>")[2]
    assert "2-2" in missing and "2-1" not in missing and "1-2" not in missing
    assert "2-1" in preliminary
    assert "人事課" in html


def test_admin_records_a_revised_target_and_the_original_stays(client, admin, departments):
    client.force_login(admin)
    url = PLAN + "kpis/3-1/revise/"
    response = client.post(
        url,
        {
            "effective_fy": 2024,
            "target_fy": 2025,
            "kind": "at_least",
            "value": "６０",
            "text": "60",
            "decided_on": "2023-03-31",
            "reason": "計画の策定",
            "source_document": "デジタル人材育成計画",
        },
    )
    assert response.status_code == 302
    kpi = Kpi.objects.get(code="3-1")
    assert kpi.target_value == Decimal(80)
    revision = kpi.target_revisions.get()
    assert revision.value == Decimal(60) and revision.history.count() == 1
    # Both targets appear in the chart and in the export.
    import json
    import re

    html = client.get(PLAN + "kpis/3-1/").content.decode()
    figure = json.loads(
        re.search(r'id="chart-3-1-data" type="application/json">(.*?)</script>', html, re.S).group(
            1
        )
    )
    marks = {
        t["name"]: t["y"]
        for t in figure["data"]
        if "目標" in t.get("name", "") and t.get("mode") == "markers"
    }
    assert marks == {"目標": [80.0], "再設定後の目標（R6から）": [60.0]}
    doc = json.loads(client.get(PLAN + "export.json").content)
    talent = next(k for k in doc["kpis"] if k["code"] == "3-1")
    assert talent["target"]["value"] == 80
    assert talent["target_revisions"] == [
        {
            "effective_fy": 2024,
            "kind": "at_least",
            "value": 60,
            "decided_on": "2023-03-31",
            "reason": "計画の策定",
        }
    ]
    # The same effective year twice is refused.
    again = client.post(
        url,
        {
            "effective_fy": 2024,
            "target_fy": 2025,
            "kind": "at_least",
            "value": "65",
            "decided_on": "2023-04-01",
            "reason": "再",
        },
    )
    assert again.status_code == 400
    assert kpi.target_revisions.count() == 1


def test_forged_kpi_id_is_refused(client, editor):
    client.force_login(editor)
    data = _form_data(client)
    data["v-0-kpi_id"] = str(Kpi.objects.get(code="3-1").id)  # another department's KPI
    data["v-0-value"] = "50"
    response = client.post(ENTRY, data)
    assert response.status_code == 400
    assert kpi_forms.FORGED_KPI in response.content.decode()
    assert KpiValue.objects.count() == 0


def test_kpi_page_shows_who_changed_what_and_values_as_of_a_date(client, editor, viewer):
    import datetime as dt

    from django.utils import timezone

    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "133", "note": "集計漏れを訂正"}}))
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    first, second = value.history.order_by("history_date")
    first.history_date = timezone.now() - dt.timedelta(days=30)
    first.save()
    client.force_login(viewer)
    html = client.get(PLAN + "kpis/2-1/").content.decode()
    # People's words are marked as Japanese text (lang="ja"); read the history as text.
    history = re.sub(r"</?span[^>]*>", "", html.split("変更履歴", 1)[1])
    assert "editor" in history
    assert "実績値：131 → 133" in history and "備考：（なし） → 集計漏れを訂正" in history
    assert "区分：速報値" in history
    assert (
        "R6（2024年度）の実績値（登録）" in history and "R6（2024年度）の実績値（変更）" in history
    )
    day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    past = client.get(PLAN + f"kpis/2-1/?history_date={day}").content.decode()
    table = past.split(f"{day}時点の実績値", 1)[1].split("</table>", 1)[0]
    assert "131" in table and "133" not in table
    assert client.get(PLAN + "kpis/2-1/?history_date=yesterday").status_code == 400


def test_an_admin_changes_a_final_value_only_after_reopening_it_with_a_reason(
    client, policy, admin
):
    client.force_login(admin)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131", "status": "final"}}))
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    assert (value.value, value.status) == (Decimal("131"), "final")
    # The form's row is locked for the admin too; forcing it through the service is refused.
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "132"}}))
    assert KpiValue.objects.get(pk=value.pk).value == Decimal("131")
    kpi = Kpi.objects.get(code="2-1")
    with pytest.raises(services.EntryRefused) as refused:
        services.values_save(
            user=admin,
            fiscal_year=2024,
            rows=[
                services.ValueInput(
                    kpi=kpi, value=Decimal(132), status="final", version=value.version
                )
            ],
        )
    assert refused.value.result.errors == {0: services.FINAL_LOCKED_ADMIN}
    # Reopened with a reason, it can be corrected, and the history says why.
    client.post(
        PLAN + "entry/2024/reopen/2-1/", {"version": value.version, "reason": "集計誤りの訂正"}
    )
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "132", "status": "final"}}))
    value.refresh_from_db()
    assert (value.value, value.status) == (Decimal("132"), "final")
    reasons = [h.history_change_reason for h in value.history.all()]
    assert "確定の解除: 集計誤りの訂正" in reasons


@pytest.mark.parametrize("typed", ["٣", "३", "٣٥٠", "१,२००", "৩.৫", "٣e٥"])
def test_digits_of_other_scripts_are_refused_not_read_as_numbers(typed):
    """NFKC maps full-width digits (accepted) but not Arabic-Indic or Devanagari ones, which
    Decimal would quietly read: a number nobody in the office typed or saw."""
    with pytest.raises(numbers.NumberError):
        numbers.parse_number(typed)


@pytest.mark.parametrize(("typed", "value"), [("１，４３８", 1438), ("52.5％", Decimal("52.5"))])
def test_full_width_digits_are_still_read(typed, value):
    assert numbers.parse_number(typed) == value


@pytest.mark.parametrize(("source", "saved"), [(None, ""), ("庁内調査（R7）", "庁内調査（R7）")])
def test_a_sample_value_replaced_by_staff_loses_the_sample_source(
    client, editor, sample_values, source, saved
):
    client.force_login(editor)
    url = PLAN + "entry/2025/"
    before = KpiValue.objects.get(kpi__plan=sample_values, kpi__code="1-2", fiscal_year=2025)
    assert before.is_sample and before.source == "サンプル（架空の値）"
    change = {"value": "301"}
    if source is not None:
        change["source"] = source
    response = client.post(url, _form_data(client, url, **{"1-2": change}))
    assert response.status_code == 302
    after = KpiValue.objects.get(pk=before.pk)
    assert (after.value, after.is_sample, after.source) == (Decimal(301), False, saved)
