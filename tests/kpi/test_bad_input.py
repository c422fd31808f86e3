"""Bad input on the entry form: each gets a clear Japanese message and changes nothing."""

from decimal import Decimal

import pytest

from kpi import forms as kpi_forms
from kpi import numbers, services
from kpi.models import Kpi, KpiValue
from tests.kpi.test_entry import ENTRY, PLAN, _form_data

pytestmark = pytest.mark.django_db

COUNT, PERCENT = "2-1", "1-4"  # 件 (whole numbers) and % (one decimal, 0–100)

# (case, {code: {field: value}}, expected message)
ROW_CASES = [
    ("text", {COUNT: {"value": "abc"}}, numbers.NOT_A_NUMBER),
    ("nan", {COUNT: {"value": "nan"}}, numbers.NOT_FINITE),
    ("NaN", {COUNT: {"value": "NaN"}}, numbers.NOT_FINITE),
    ("inf", {COUNT: {"value": "inf"}}, numbers.NOT_FINITE),
    ("-Infinity", {COUNT: {"value": "-Infinity"}}, numbers.NOT_FINITE),
    ("Infinity", {COUNT: {"value": "Infinity"}}, numbers.NOT_FINITE),
    ("exponent", {COUNT: {"value": "1e5"}}, numbers.EXPONENT),
    ("huge exponent", {COUNT: {"value": "1e309"}}, kpi_forms.OUT_OF_RANGE.format(unit="件")),
    ("misplaced comma", {COUNT: {"value": "12,34"}}, numbers.NOT_A_NUMBER),
    ("four-digit group", {COUNT: {"value": "1,2345"}}, numbers.NOT_A_NUMBER),
    (
        "huge full-width",
        {COUNT: {"value": "１２３４５６７８９０１２３４５６"}},
        kpi_forms.OUT_OF_RANGE.format(unit="件"),
    ),
    ("huge", {COUNT: {"value": "99999999999999999999"}}, kpi_forms.OUT_OF_RANGE.format(unit="件")),
    ("negative count", {COUNT: {"value": "-5"}}, numbers.NEGATIVE),
    ("U+2212 minus count", {COUNT: {"value": "−5"}}, numbers.NEGATIVE),
    ("katakana dash count", {COUNT: {"value": "ー5"}}, numbers.NEGATIVE),
    ("count with decimals", {COUNT: {"value": "12.5"}}, numbers.NOT_WHOLE),
    ("full-width count with decimals", {COUNT: {"value": "１２．５"}}, numbers.NOT_WHOLE),
    ("percent over 100", {PERCENT: {"value": "101"}}, numbers.PERCENT_RANGE),
    ("percent below 0", {PERCENT: {"value": "-0.1"}}, numbers.PERCENT_RANGE),
    ("full-width percent over 100", {PERCENT: {"value": "１２０％"}}, numbers.PERCENT_RANGE),
    (
        "too many decimals",
        {PERCENT: {"value": "52.55"}},
        numbers.TOO_MANY_DECIMALS.format(decimals=1),
    ),
    (
        "too many decimals at 100",
        {PERCENT: {"value": "99.99"}},
        numbers.TOO_MANY_DECIMALS.format(decimals=1),
    ),
    ("two points", {COUNT: {"value": "1.5.2"}}, numbers.NOT_A_NUMBER),
    ("trailing point full-width", {PERCENT: {"value": "５２．５．"}}, numbers.NOT_A_NUMBER),
    ("script in value", {COUNT: {"value": "<script>alert(1)</script>"}}, numbers.NOT_A_NUMBER),
    ("hex", {COUNT: {"value": "0x1F"}}, numbers.NOT_A_NUMBER),
    ("unit typed", {COUNT: {"value": "１，４３８件"}}, numbers.NOT_A_NUMBER),
    ("approximate typed", {PERCENT: {"value": "約30"}}, numbers.NOT_A_NUMBER),
    ("double percent", {PERCENT: {"value": "30%%"}}, numbers.NOT_A_NUMBER),
    ("two signs", {COUNT: {"value": "+-3"}}, numbers.NOT_A_NUMBER),
    ("double minus", {COUNT: {"value": "--3"}}, numbers.NOT_A_NUMBER),
    (
        "script in note",
        {COUNT: {"value": "140", "note": "<script>alert(1)</script>"}},
        kpi_forms.MARKUP,
    ),
    ("markup in note", {COUNT: {"value": "140", "note": "<b>太字</b>"}}, kpi_forms.MARKUP),
    (
        "img onerror in note",
        {COUNT: {"value": "140", "note": "<img src=x onerror=alert(1)>"}},
        kpi_forms.MARKUP,
    ),
    (
        "link in source",
        {COUNT: {"value": "140", "source": "<a href=javascript:alert(1)>x</a>"}},
        kpi_forms.MARKUP,
    ),
    ("note too long", {COUNT: {"value": "140", "note": "あ" * 2001}}, "2000"),
    ("source too long", {COUNT: {"value": "140", "source": "あ" * 301}}, "300"),
    (
        "null character in note",
        {COUNT: {"value": "140", "note": "a\x00b"}},
        kpi_forms.NULL_CHARACTER,
    ),
    ("unknown status", {COUNT: {"value": "140", "status": "approved"}}, "正しく選択してください"),
    ("missing status", {COUNT: {"value": "140", "status": ""}}, "このフィールドは必須です"),
    ("version not a number", {COUNT: {"value": "140", "version": "abc"}}, "整数を入力してください"),
    ("negative version", {COUNT: {"value": "140", "version": "-1"}}, "0 以上"),
    (
        "stale version",
        {COUNT: {"value": "140", "version": "7"}},
        "保存できませんでした。この値はあなたが画面を開いた後に",
    ),
    ("cleared value", {COUNT: {"value": ""}}, services.CANNOT_CLEAR),
    ("kpi id not a number", {COUNT: {"kpi_id": "abc", "value": "140"}}, "整数を入力してください"),
]


@pytest.fixture
def existing(client, editor):
    """The editor is signed in and one value (2-1, R6 = 131) already exists."""
    client.force_login(editor)
    services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[
            services.ValueInput(
                kpi=Kpi.objects.get(code=COUNT), value=Decimal(131), status="preliminary"
            )
        ],
    )
    return KpiValue.objects.get(kpi__code=COUNT, fiscal_year=2024)


def _snapshot():
    values = KpiValue.objects.values_list(
        "kpi__code", "fiscal_year", "value", "status", "note", "source", "version"
    )
    return sorted(values), KpiValue.history.count()


@pytest.mark.parametrize(("case", "rows", "message"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_bad_row_gets_its_message_and_changes_nothing(client, existing, case, rows, message):
    data = _form_data(client, **rows)
    before = _snapshot()
    response = client.post(ENTRY, data)
    assert response.status_code in (400, 409)
    assert message in response.content.decode()
    assert _snapshot() == before


def _index(client, code):
    return [r.kpi.code for r in client.get(ENTRY).context["rows"]].index(code)


def test_forged_kpi_id_of_another_department(client, existing):
    data = _form_data(client, **{COUNT: {"value": "140"}})
    data[f"v-{_index(client, COUNT)}-kpi_id"] = str(Kpi.objects.get(code="3-1").id)
    before = _snapshot()
    response = client.post(ENTRY, data)
    assert response.status_code == 400 and kpi_forms.FORGED_KPI in response.content.decode()
    assert _snapshot() == before


def test_forged_kpi_id_that_does_not_exist(client, existing):
    data = _form_data(client, **{COUNT: {"value": "140"}})
    data[f"v-{_index(client, COUNT)}-kpi_id"] = "999999"
    before = _snapshot()
    assert kpi_forms.FORGED_KPI in client.post(ENTRY, data).content.decode()
    assert _snapshot() == before


def test_tampered_row_count(client, existing):
    data = _form_data(client, **{COUNT: {"value": "140"}})
    data["v-TOTAL_FORMS"] = "1"
    before = _snapshot()
    response = client.post(ENTRY, data)
    assert response.status_code == 400 and kpi_forms.FORGED_KPI in response.content.decode()
    assert _snapshot() == before


def test_missing_management_form(client, existing):
    before = _snapshot()
    response = client.post(ENTRY, {"v-0-value": "140"})
    assert response.status_code == 400
    assert _snapshot() == before


@pytest.mark.parametrize("year", ["2030", "2019", "abc", "R99"])
def test_forged_fiscal_year_in_the_address(client, existing, year):
    before = _snapshot()
    data = _form_data(client, **{COUNT: {"value": "140"}})
    response = client.post(f"{PLAN}entry/{year}/", data)
    assert response.status_code == 404
    assert _snapshot() == before


def test_all_rows_left_as_they_were(client, existing):
    before = _snapshot()
    response = client.post(ENTRY, _form_data(client), follow=True)
    assert "変更はありませんでした" in response.content.decode()
    assert _snapshot() == before


def test_a_valid_row_next_to_a_bad_one_is_not_saved_either(client, existing):
    before = _snapshot()
    response = client.post(
        ENTRY, _form_data(client, **{"1-2": {"value": "281"}, COUNT: {"value": "abc"}})
    )
    assert response.status_code == 400
    assert _snapshot() == before
