"""Entering values for the new target shapes (issue 12): a schedule's step is a choice, and a
cumulative value that falls below last year's is questioned before it is saved."""

from decimal import Decimal

import pytest

from kpi.forms import ValueEntryForm, validate_value_row
from kpi.models import Kpi, KpiValue
from tests.factories import make_shapes_plan
from tests.kpi.test_entry import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def shapes():
    return make_shapes_plan()


def _kpi(plan, code):
    return Kpi.objects.select_related("unit", "plan").get(plan=plan, code=code)


def test_a_schedule_value_is_chosen_from_its_steps(shapes):
    kpi = _kpi(shapes, "3.1")
    form = ValueEntryForm(kpi=kpi)
    html = str(form["value"])
    assert html.startswith("<select")
    assert "1. 検討" in html and "3. 運用" in html and "0. 未着手" in html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2", Decimal(2)), ("導入", Decimal(2)), ("0", Decimal(0)), ("３", Decimal(3)), ("", None)],
)
def test_a_schedule_value_is_read_from_the_steps_number_or_name(shapes, raw, expected):
    cleaned, error = validate_value_row(
        _kpi(shapes, "3.1"), value=raw, status="preliminary", note="", source="", version=0
    )
    assert error == ""
    assert cleaned["value"] == expected


@pytest.mark.parametrize("raw", ["4", "-1", "1.5", "完了", "二"])
def test_a_schedule_value_that_is_no_step_is_refused(shapes, raw):
    cleaned, error = validate_value_row(
        _kpi(shapes, "3.1"), value=raw, status="preliminary", note="", source="", version=0
    )
    assert cleaned is None
    assert "実施スケジュールの段階" in error and "検討、導入、運用" in error


def test_a_cumulative_decrease_is_questioned_and_saved_once_confirmed(shapes):
    kpi = _kpi(shapes, "1.2")  # cumulative: 10 (R4), 20 (R5)
    row = {"status": "preliminary", "note": "", "source": "", "version": 0}
    cleaned, error = validate_value_row(kpi, value="15", previous=Decimal(20), **row)
    assert cleaned is None and "累計の値が前年度（20件）より小さく" in error
    cleaned, error = validate_value_row(kpi, value="20", previous=Decimal(20), **row)
    assert error == ""  # the same total is no decrease
    form = ValueEntryForm(
        data={"kpi_id": kpi.id, "value": "15", "confirm_decrease": "on", **row},
        kpi=kpi,
        previous=Decimal(20),
    )
    assert form.is_valid(), form.errors


def test_a_decrease_of_a_kpi_that_is_not_cumulative_is_not_questioned(shapes):
    kpi = _kpi(shapes, "1.1")
    cleaned, error = validate_value_row(
        kpi, value="1", previous=Decimal(35), status="preliminary", note="", source="", version=0
    )
    assert error == "" and cleaned["value"] == 1


def test_the_entry_page_questions_a_cumulative_decrease_and_saves_it_when_confirmed(
    client, admin, shapes
):
    client.force_login(admin)
    url = f"/plans/{shapes.slug}/entry/2024/"
    data = _form_data(client, url, **{"1.2": {"value": "15"}})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "累計の値が前年度" in response.content.decode()
    assert not KpiValue.objects.filter(kpi__code="1.2", fiscal_year=2024).exists()
    data = _form_data(client, url, **{"1.2": {"value": "15", "confirm_decrease": "on"}})
    assert client.post(url, data).status_code == 302
    assert KpiValue.objects.get(kpi__code="1.2", fiscal_year=2024).value == 15


def test_the_entry_page_saves_a_schedule_step_chosen_by_name(client, admin, shapes):
    client.force_login(admin)
    url = f"/plans/{shapes.slug}/entry/2025/"
    page = client.get(url).content.decode()
    assert "0. 未着手" in page
    data = _form_data(client, url, **{"3.1": {"value": "3"}})
    assert client.post(url, data).status_code == 302
    assert KpiValue.objects.get(kpi__code="3.1", fiscal_year=2025).value == 3
