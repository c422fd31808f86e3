"""A new KPI (no baseline), a range and a milestone KPI: their page and the exports answer, and
the CSV/XLSX say what export.json says (issue 12)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kpi.exports import CSV_COLUMNS
from tests.factories import add_new_shapes, make_plan

pytestmark = pytest.mark.django_db

PLAN = "/plans/shapes/"


@pytest.fixture
def shapes(db):
    plan = make_plan("shapes", pillars=2, kpis_per_pillar=1, years=(2022, 2023, 2024))
    add_new_shapes(plan)
    return plan


@pytest.mark.parametrize(
    "code",
    ["new-1", "range-1", "milestone-1"],
)
def test_the_kpi_page_answers_with_the_real_progress_rules(client, shapes, code):
    response = client.get(f"{PLAN}kpis/{code}/?as_of=R6")
    assert response.status_code == 200
    assert ("—（新規）" in response.content.decode()) == (code != "range-1")


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_the_exports_answer_with_the_real_progress_rules(client, shapes, fmt):
    assert client.get(f"{PLAN}export.{fmt}?as_of=R6").status_code == 200


def test_the_overview_shows_a_new_kpi_as_new(client, shapes):
    response = client.get(PLAN)
    assert response.status_code == 200
    assert "—（新規）" in response.content.decode()


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_the_exports_of_new_shapes_answer(client, shapes, fmt):
    assert client.get(f"{PLAN}export.{fmt}?as_of=R6").status_code == 200


def _by_code(rows: list[dict]) -> dict[str, dict]:
    return {r["code"]: r for r in rows}


def _csv_rows(client) -> list[dict]:
    body = client.get(PLAN + "export.csv?as_of=R6").content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(body))
    header = next(reader)
    assert header == [label for _, label in CSV_COLUMNS]
    keys = [key for key, _ in CSV_COLUMNS]
    return [dict(zip(keys, row, strict=True)) for row in reader]


def test_the_csv_appends_item_cumulative_basis_range_and_schedule(client, shapes):
    keys = [key for key, _ in CSV_COLUMNS]
    assert keys[-6:] == [
        "item",
        "cumulative",
        "target_basis",
        "target_value_high",
        "yearly_targets",
        "steps",
    ]
    rows = _by_code(_csv_rows(client))
    new, range_, milestone, plain = (rows[c] for c in ("new-1", "range-1", "milestone-1", "g2-1"))
    assert (new["item"], new["cumulative"], new["target_basis"]) == ("2-8-2", "はい", "level")
    assert (new["baseline_fy"], new["baseline_value"]) == ("", "")
    assert new["yearly_targets"] == "R5（2023年度）: 20；R6（2024年度）: 35.5"
    assert (range_["item"], range_["target_kind"], range_["target_value"]) == ("(2)", "range", "70")
    assert (range_["target_value_high"], range_["target_basis"]) == ("80.5", "annual")
    assert (
        milestone["steps"]
        == "1. 検討（R5（2023年度））；2. 導入（R6（2024年度））；3. 運用（R7（2025年度））"
    )
    assert (milestone["item"], milestone["target_value_high"], milestone["yearly_targets"]) == (
        "",
        "",
        "",
    )
    assert (plain["cumulative"], plain["steps"]) == ("いいえ", "")


def test_the_xlsx_has_the_same_columns_with_exact_numbers(client, shapes):
    body = client.get(PLAN + "export.xlsx?as_of=R6").content
    sheet = load_workbook(io.BytesIO(body))["実績値"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [label for _, label in CSV_COLUMNS]
    keys = [key for key, _ in CSV_COLUMNS]
    records = _by_code([dict(zip(keys, row, strict=True)) for row in rows[1:]])
    range_ = records["range-1"]
    assert (range_["target_value"], range_["target_value_high"]) == (70, 80.5)
    assert (range_["item"], range_["target_basis"]) == ("(2)", "annual")
    assert records["new-1"]["item"] == "2-8-2" and records["new-1"]["cumulative"] == "はい"
