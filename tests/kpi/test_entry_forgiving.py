"""An entry form that forgives (issue 16): an error summary after a failed save, rows filtered
to what is missing or preliminary, and setup_demo saying where to go and who to be."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from kpi.models import KpiValue
from tests.kpi.test_entry import ENTRY, _form_data

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"(.*?)</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_a_failed_save_lists_each_row_in_error_with_a_link_to_its_field(client, editor):
    client.force_login(editor)
    data = _form_data(
        client, **{"1-4": {"value": "120"}, "2-3": {"value": "abc"}, "2-1": {"value": "131"}}
    )
    response = client.post(ENTRY, data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html)
    assert html.index("error-summary") < html.index("<h1")  # first on the page
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary, re.S)
    by_code = {re.search(r'kpi-code">([^<]+)<', text).group(1): field for field, text in links}
    assert set(by_code) == {"1-4", "2-3"}  # 2-1 is fine
    rows = [row.kpi.code for row in response.context["rows"]]
    for code, field in by_code.items():
        assert field == f"id_v-{rows.index(code)}-value"
        assert f'id="{field}"' in html  # the link lands on the field


def test_a_refused_save_lists_the_conflicting_row(client, editor, admin):
    client.force_login(editor)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}}))
    stale = _form_data(client, **{"2-1": {"value": "140"}})
    client.force_login(admin)
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "135"}}))
    client.force_login(editor)
    response = client.post(ENTRY, stale)
    assert response.status_code == 409
    summary = _summary(response.content.decode())
    assert "2-1" in summary and "kanri さん" in summary


def test_a_good_page_has_no_error_summary_and_the_page_loads_its_focus_script(client, editor):
    client.force_login(editor)
    html = client.get(ENTRY).content.decode()
    assert 'class="error-summary"' not in html
    assert "/static/js/error-summary.js" in html
    assert "<script>" not in html


def test_the_form_shows_only_missing_or_only_preliminary_rows(client, editor):
    client.force_login(editor)
    all_codes = [r.kpi.code for r in client.get(ENTRY).context["rows"]]
    client.post(ENTRY, _form_data(client, **{"2-1": {"value": "131"}, "2-3": {"value": "2480"}}))
    value = KpiValue.objects.get(kpi__code="2-3", fiscal_year=2024)
    value.status = "final"
    value.save()
    missing = [r.kpi.code for r in client.get(ENTRY + "?show=missing").context["rows"]]
    preliminary = [r.kpi.code for r in client.get(ENTRY + "?show=preliminary").context["rows"]]
    assert preliminary == ["2-1"]
    assert missing == [c for c in all_codes if c not in ("2-1", "2-3")]
    everything = client.get(ENTRY + "?show=nonsense").context["rows"]
    assert [r.kpi.code for r in everything] == all_codes


def test_a_filtered_form_saves_its_rows_and_stays_filtered(client, editor):
    client.force_login(editor)
    url = ENTRY + "?show=missing"
    response = client.post(url, _form_data(client, url, **{"2-2": {"value": "45.8"}}))
    assert response.status_code == 302
    assert response["Location"].endswith("?show=missing")
    assert KpiValue.objects.get(kpi__code="2-2", fiscal_year=2024).value == Decimal("45.8")
    remaining = [r.kpi.code for r in client.get(url).context["rows"]]
    assert "2-2" not in remaining and remaining


def test_setup_demo_ends_with_the_address_and_the_demo_users(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    text = out.getvalue()
    tail = text[text.rindex("準備ができました") :]
    assert "http://127.0.0.1:8000/" in tail
    for username, password in (("admin", "smartdocho-admin"), ("editor", "smartdocho-editor")):
        assert username in tail and password in tail


def test_the_error_summary_and_filter_speak_english_in_the_english_interface(client, editor):
    from django.conf import settings

    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _form_data(client, **{"1-4": {"value": "120"}})
    html = client.post(ENTRY, data).content.decode()
    summary = _summary(html)
    assert "Nothing was saved. Please correct these rows" in summary
    assert "Some entries are wrong." in html
    filtered = client.get(ENTRY + "?show=missing").content.decode()
    assert "Rows shown" in filtered and "Missing values" in filtered


def test_setup_demo_names_every_user_it_created_then_every_user_it_kept(settings):
    from tests.test_setup_demo import DEMO_USERS

    settings.DEBUG = True
    first, again = io.StringIO(), io.StringIO()
    call_command("setup_demo", stdout=first)
    call_command("setup_demo", stdout=again)

    def named(text: str, heading: str) -> set[str]:
        line = next(x for x in text.splitlines() if x.startswith(heading))
        return set(line.split(": ", 1)[1].split(", "))

    assert named(first.getvalue(), "デモ利用者を作成しました") == DEMO_USERS
    assert named(again.getvalue(), "すでにある利用者はそのままにしました") == DEMO_USERS


def test_the_error_summary_lists_a_cleared_value_beside_a_malformed_one_at_once(client, editor):
    """A save would refuse the cleared value; the form refuses the letters. One attempt lists
    both, and nothing is saved."""
    from kpi import services as value_services
    from kpi.models import Kpi

    value_services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[
            value_services.ValueInput(
                kpi=Kpi.objects.get(code="2-1"), value=Decimal(131), status="preliminary"
            )
        ],
    )
    client.force_login(editor)
    data = _form_data(client, **{"2-1": {"value": ""}, "1-4": {"value": "abc"}})
    response = client.post(ENTRY, data)
    assert response.status_code == 400
    codes = {e.kpi.code: e.message for e in response.context["errors"]}
    assert codes["2-1"] == value_services.CANNOT_CLEAR
    assert "1-4" in codes
    assert KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).value == Decimal(131)
