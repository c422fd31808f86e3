"""Hostile entry posts: forged management forms, odd numbers, odd characters, other plans' ids.

Each case is a whole POST to the entry form. None may answer 5xx, and none may write anything:
the values table and its history stay exactly as they were.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from kpi import forms as kpi_forms
from kpi.models import Kpi, KpiValue
from tests.factories import make_plan
from tests.kpi.test_entry import ENTRY, _form_data

pytestmark = pytest.mark.django_db

COUNT = "2-1"  # 件: whole numbers only


def _state():
    rows = sorted(
        KpiValue.objects.values_list("kpi_id", "fiscal_year", "value", "status", "note", "version")
    )
    return rows, KpiValue.history.count()


def _other_plan_kpi_id(editor) -> int:
    """A KPI of a second plan, owned by the editor's own department (the worst case)."""
    plan = make_plan("other-plan", pillars=1, kpis_per_pillar=1, years=())
    kpi = plan.kpis.get()
    kpi.department = editor.staff_profile.department
    kpi.save()
    return kpi.id


def _row_index(data, code):
    kpi_id = str(Kpi.objects.get(plan__slug="hokkaido-smart-docho-3", code=code).id)
    return next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-kpi_id") and str(value) == kpi_id
    )


def _set(data, code, **fields):
    i = _row_index(data, code)
    for name, value in fields.items():
        data[f"v-{i}-{name}"] = value
    return data


def _total(n):
    def forge(data):
        data["v-TOTAL_FORMS"] = n
        return data

    return forge


def _drop_management(data):
    for key in ("v-TOTAL_FORMS", "v-INITIAL_FORMS", "v-MIN_NUM_FORMS", "v-MAX_NUM_FORMS"):
        data.pop(key)
    return data


def _min_max(data):
    data["v-MIN_NUM_FORMS"] = "5000"
    data["v-MAX_NUM_FORMS"] = "-1"
    return data


def _initial(n):
    def forge(data):
        data["v-INITIAL_FORMS"] = n
        return data

    return forge


def _extra_form(data):
    # One more form than the user may edit, for a KPI of another department.
    n = int(data["v-TOTAL_FORMS"])
    other = Kpi.objects.get(plan__slug="hokkaido-smart-docho-3", code="3-1")
    data.update(
        {
            "v-TOTAL_FORMS": str(n + 1),
            f"v-{n}-kpi_id": str(other.id),
            f"v-{n}-version": "0",
            f"v-{n}-value": "50",
            f"v-{n}-status": "preliminary",
        }
    )
    return data


def _fewer_forms(data):
    data["v-TOTAL_FORMS"] = str(int(data["v-TOTAL_FORMS"]) - 1)
    return _set(data, COUNT, value="140")


def _duplicate_kpi(data):
    # Two forms carry the same KPI id (the second one stands where another KPI belongs).
    first = data["v-0-kpi_id"]
    data["v-1-kpi_id"] = first
    data["v-0-value"] = "1"
    data["v-1-value"] = "2"
    return data


def _other_plan(data):
    from django.contrib.auth import get_user_model

    i = _row_index(data, COUNT)
    data[f"v-{i}-kpi_id"] = str(_other_plan_kpi_id(get_user_model().objects.get(username="editor")))
    data[f"v-{i}-value"] = "140"
    return data


def _other_department(data):
    i = _row_index(data, COUNT)
    data[f"v-{i}-kpi_id"] = str(Kpi.objects.get(code="3-1").id)
    data[f"v-{i}-value"] = "140"
    return data


def _value(text):
    return lambda data: _set(data, COUNT, value=text)


def _version(text):
    return lambda data: _set(data, COUNT, value="140", version=text)


def _thousands_of_fields(data):
    for i in range(3000):
        data[f"junk-{i}"] = "x"
    return data


def _non_digit_kpi_id(data):
    return _set(data, COUNT, kpi_id="1 OR 1=1", value="140")


# (case, forge the rendered form's data) — every one must be refused without a write.
CASES = [
    ("TOTAL_FORMS huge", _total("999999999999999999999")),
    ("TOTAL_FORMS above the absolute maximum", _total("1001")),
    ("TOTAL_FORMS one more than rendered", _total("200")),
    ("TOTAL_FORMS negative", _total("-1")),
    ("TOTAL_FORMS zero", _total("0")),
    ("TOTAL_FORMS not a number", _total("lots")),
    ("TOTAL_FORMS empty", _total("")),
    ("TOTAL_FORMS full-width digits", _total("１０")),
    ("management form missing", _drop_management),
    ("MIN and MAX forged", _min_max),
    ("INITIAL_FORMS zero", _initial("0")),
    ("INITIAL_FORMS negative", _initial("-5")),
    ("INITIAL_FORMS huge", _initial("10" * 20)),
    ("INITIAL_FORMS not a number", _initial("x")),
    ("extra form for another department's KPI", _extra_form),
    ("one form fewer than the KPIs", _fewer_forms),
    ("one KPI id in two forms", _duplicate_kpi),
    ("a KPI of another plan", _other_plan),
    ("a KPI of another department", _other_department),
    ("KPI id not a number", _non_digit_kpi_id),
    ("value 1e400", _value("1e400")),
    ("value 10^30", _value("1" + "0" * 30)),
    ("value NaN", _value("NaN")),
    ("value Infinity", _value("Infinity")),
    ("value with a NUL byte", _value("14\x000")),
    ("value of 10,000 characters", _value("9" * 10000)),
    ("note with a NUL byte", lambda d: _set(d, COUNT, value="140", note="a\x00b")),
    ("note of 100,000 characters", lambda d: _set(d, COUNT, value="140", note="あ" * 100_000)),
    ("source with markup", lambda d: _set(d, COUNT, value="140", source="<a href=x>y</a>")),
    ("status forged", lambda d: _set(d, COUNT, value="140", status="final'; DROP")),
    ("version negative", _version("-1")),
    ("version huge", _version("1" + "0" * 30)),
    ("version not a number", _version("v1")),
    ("version of an old edit", _version("7")),
    ("version missing", lambda d: _set(d, COUNT, value="140", version="")),
    ("thousands of fields", _thousands_of_fields),
]


@pytest.mark.parametrize("forge", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_entry_post_is_refused_and_writes_nothing(client, editor, forge):
    client.force_login(editor)
    data = _form_data(client)
    before = _state()
    response = client.post(ENTRY, forge(data))
    assert 400 <= response.status_code < 500, response.status_code
    assert _state() == before


def _raw_post(client, body: bytes):
    return client.generic(
        "POST", ENTRY, body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


@pytest.mark.parametrize(
    "raw_value",
    [b"%ED%A0%80", b"1%ED%B0%80", b"%FF%FE140", b"%00", b"%C0%AE"],
    ids=["lone high surrogate", "lone low surrogate", "invalid UTF-8", "NUL", "overlong"],
)
def test_undecodable_bytes_in_a_value_are_refused_and_write_nothing(client, editor, raw_value):
    client.force_login(editor)
    data = _form_data(client)
    i = _row_index(data, COUNT)
    data.pop(f"v-{i}-value")
    body = urlencode(data).encode() + b"&v-" + i.encode() + b"-value=" + raw_value
    before = _state()
    response = _raw_post(client, body)
    assert response.status_code == 400
    assert _state() == before


def test_forged_management_form_gets_the_japanese_message(client, editor):
    client.force_login(editor)
    for forge in (_total("999999999999"), _total("-3"), _drop_management, _extra_form):
        response = client.post(ENTRY, forge(_form_data(client)))
        assert response.status_code == 400
        assert kpi_forms.FORGED_KPI in response.content.decode()
    assert KpiValue.objects.count() == 0


def test_the_rendered_form_unchanged_still_saves(client, editor):
    """The guards refuse forgeries, not the real form."""
    client.force_login(editor)
    response = client.post(ENTRY, _set(_form_data(client), COUNT, value="140"))
    assert response.status_code == 302
    assert KpiValue.objects.get(kpi__code=COUNT, fiscal_year=2024).value == 140


@pytest.mark.parametrize("typed", ["-0", "-0.0", "－０", "−0"])
def test_negative_zero_is_saved_as_zero(client, editor, typed):
    client.force_login(editor)
    response = client.post(ENTRY, _set(_form_data(client), COUNT, value=typed))
    assert response.status_code == 302
    value = KpiValue.objects.get(kpi__code=COUNT, fiscal_year=2024).value
    assert value == 0 and not value.is_signed()
    page = client.get(ENTRY).content.decode()
    assert 'value="-0' not in page
