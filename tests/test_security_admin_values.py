"""The Django admin cannot overwrite a value behind the version check: values are read-only there.

Every write of a value goes through kpi.services (entry form, upload) with the version the
person saw; an admin page that saved values would be a second path without that check.
"""

import pytest
from django.urls import reverse

from kpi.models import KpiValue
from tests.kpi.test_entry import ENTRY, _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def value(client, editor):
    client.force_login(editor)
    data = _form_data(client)
    _fill(data, "2-1", "140")
    assert client.post(ENTRY, data).status_code == 302
    return KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)


def _fill(data, code, value):
    from kpi.models import Kpi

    kpi_id = str(Kpi.objects.get(code=code).id)
    i = next(k.split("-")[1] for k, v in data.items() if k.endswith("kpi_id") and str(v) == kpi_id)
    data[f"v-{i}-value"] = value
    return data


def _snapshot():
    return sorted(KpiValue.objects.values_list("kpi_id", "fiscal_year", "value", "version"))


def test_admin_change_page_shows_the_value_read_only_and_links_to_the_entry_form(
    client, admin, value
):
    client.force_login(admin)
    html = client.get(reverse("admin:kpi_kpivalue_change", args=[value.pk])).content.decode()
    assert 'name="value"' not in html and 'name="_save"' not in html
    assert f'href="{ENTRY}"' in html


def test_posting_the_admin_change_form_changes_nothing(client, admin, value):
    client.force_login(admin)
    before = _snapshot()
    response = client.post(
        reverse("admin:kpi_kpivalue_change", args=[value.pk]),
        {
            "kpi": value.kpi_id,
            "fiscal_year": 2024,
            "value": "999",
            "status": "final",
            "version": value.version,
            "_save": "保存",
        },
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_admin_cannot_add_a_value(client, admin, value):
    client.force_login(admin)
    url = reverse("admin:kpi_kpivalue_add")
    assert client.get(url).status_code == 403
    before = _snapshot()
    response = client.post(url, {"kpi": value.kpi_id, "fiscal_year": 2023, "value": "1"})
    assert response.status_code == 403
    assert _snapshot() == before


def test_reverting_to_an_old_history_row_in_the_admin_is_refused(client, admin, editor, value):
    # A second entry makes the first one an "old version" that simple-history would restore.
    client.force_login(editor)
    assert client.post(ENTRY, _fill(_form_data(client), "2-1", "150")).status_code == 302
    old = value.history.earliest("history_date")
    client.force_login(admin)
    url = reverse("admin:kpi_kpivalue_simple_history", args=[value.pk, old.history_id])
    assert client.get(url).status_code == 200  # reading the old row stays possible
    response = client.post(url, {"_change_history": "1"})
    assert response.status_code == 403
    current = KpiValue.objects.get(pk=value.pk)
    assert (current.value, current.version) == (150, 2)


def test_admin_cannot_delete_a_value(client, admin, value):
    client.force_login(admin)
    response = client.post(reverse("admin:kpi_kpivalue_delete", args=[value.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert KpiValue.objects.filter(pk=value.pk).exists()


def test_a_form_opened_before_the_value_was_deleted_is_refused(client, editor, value):
    client.force_login(editor)
    stale = _fill(_form_data(client), "2-1", "160")
    value.delete()  # not through the admin any more; a restore or the shell still can
    client.force_login(editor)
    response = client.post(ENTRY, stale)
    assert response.status_code == 409
    assert not KpiValue.objects.filter(kpi__code="2-1", fiscal_year=2024).exists()
