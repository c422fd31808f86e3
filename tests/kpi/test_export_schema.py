"""export.json against its JSON Schema (kpi/schemas/export.schema.json), which the README's
JSON section documents: the real export validates, a wrong shape is refused, and the schema's
lists of keys are the code's."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command

from kpi import progress
from kpi.models import Kpi, KpiValue, TargetBasis, TargetKind
from tests.factories import add_new_shapes, make_plan

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "kpi" / "schemas" / "export.schema.json"
EXPORT = "/plans/hokkaido-smart-docho-3/export.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)


@pytest.fixture
def document(client, demo):
    return json.loads(client.get(EXPORT).content)


def _errors(validator, document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("reader", ["anonymous", "admin"])
def test_the_real_export_validates(client, demo, validator, request, reader):
    if reader == "admin":
        client.force_login(request.getfixturevalue("admin"))
    document = json.loads(client.get(EXPORT + "?as_of=R6").content)
    assert _errors(validator, document) == []
    assert document["initiative_items"] and all("commentary" in k for k in document["kpis"])
    assert any(item["progress"] for item in document["initiative_items"])
    assert any(k["commentary"] for k in document["kpis"])


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("initiative_items"),
        lambda d: d["kpis"][0].pop("commentary"),
        lambda d: d["kpis"][0]["progress"].update(status="great"),
        lambda d: d["kpis"][0]["values"].append({"fy": "R6", "value": 1, "status": "final"}),
        lambda d: d["initiative_items"][0]["progress"][0].update(budget="1,200千円"),
        lambda d: d["initiative_items"][0]["progress"][0].update(budget=-1),
        lambda d: d["initiative_items"][0]["progress"][0].pop("rating"),
        lambda d: d["initiative_items"][0].update(departments=["情報政策課"]),
        lambda d: d["kpis"][0]["commentary"].append({"fy": 2024, "reason": "…"}),
        lambda d: d.update(unexpected=True),
    ],
    ids=[
        "no-items",
        "no-commentary",
        "unknown-status",
        "year-as-text",
        "amount-as-text",
        "negative-amount",
        "progress-without-rating",
        "departments-as-names",
        "commentary-missing-fields",
        "unknown-top-level-key",
    ],
)
def test_the_schema_refuses_a_wrong_shape(document, validator, break_it):
    assert _errors(validator, document) == []
    wrong = copy.deepcopy(document)
    break_it(wrong)
    assert _errors(validator, wrong) != []


def test_the_schemas_lists_are_the_codes(validator):
    defs = validator.schema["$defs"]
    assert set(defs["status"]["enum"]) == set(progress.ALL_STATUSES)
    assert set(defs["target_kind"]["enum"]) == set(TargetKind.values)
    assert set(defs["revision_kind"]["enum"]) == set(TargetKind.values) - {
        TargetKind.RANGE,
        TargetKind.MILESTONE,
    }
    kpi = defs["kpi"]["properties"]
    assert set(kpi["target"]["properties"]["basis"]["enum"]) == set(TargetBasis.values)
    assert set(kpi["direction"]["enum"]) == {c for c, _ in Kpi._meta.get_field("direction").choices}
    assert set(kpi["values"]["items"]["properties"]["status"]["enum"]) == set(
        KpiValue.Status.values
    )
    flags = {v for k, v in vars(progress).items() if k.startswith("FLAG_") and isinstance(v, str)}
    assert set(kpi["progress"]["properties"]["flags"]["items"]["enum"]) == flags


# Issue 12's shapes: a new KPI (no baseline) with yearly targets, a range, a milestone schedule.
SHAPES = "/plans/shapes/export.json?as_of=R6"


@pytest.fixture
def shapes(db):
    plan = make_plan("shapes", pillars=2, kpis_per_pillar=1, years=(2022, 2023, 2024))
    add_new_shapes(plan)
    return plan


@pytest.fixture
def shapes_document(client, shapes):
    response = client.get(SHAPES)
    assert response.status_code == 200
    return json.loads(response.content)


def _kpi(document, code: str) -> dict:
    return next(k for k in document["kpis"] if k["code"] == code)


def test_an_export_with_every_new_shape_validates(shapes_document, validator):
    assert _errors(validator, shapes_document) == []


def test_the_export_says_it_all_for_the_new_shapes(shapes_document):
    new, range_, milestone, plain = (
        _kpi(shapes_document, code) for code in ("new-1", "range-1", "milestone-1", "g2-1")
    )
    assert new["item"] == {"pillar": 1, "number": 1, "label": "2-8-2"}
    assert new["cumulative"] is True
    assert new["baseline"] is None
    assert new["target"] == {
        "fy": 2025,
        "kind": "at_least",
        "value": 50,
        "high": None,
        "basis": "level",
        "as_written": "50件",
        "condition": None,
        "condition_fy": None,
        "yearly": [{"fy": 2023, "value": 20}, {"fy": 2024, "value": 35.5}],
        "steps": [],
    }
    assert new["values"][1] == {"fy": 2023, "value": 22.25, "status": "final"}

    assert range_["item"] == {"pillar": 1, "number": 2, "label": "(2)"}
    assert range_["cumulative"] is False
    assert range_["baseline"] == {"fy": 2021, "value": 60, "approximate": False, "as_written": "60"}
    target = range_["target"]
    assert (target["kind"], target["value"], target["high"]) == ("range", 70, 80.5)
    assert (target["basis"], target["yearly"], target["steps"]) == ("annual", [], [])

    assert milestone["item"] is None
    assert milestone["baseline"] is None
    assert milestone["target"]["kind"] == "milestone"
    assert milestone["target"]["value"] is None and milestone["target"]["high"] is None
    assert milestone["target"]["steps"] == [
        {"order": 1, "label": "検討", "fy": 2023},
        {"order": 2, "label": "導入", "fy": 2024},
        {"order": 3, "label": "運用", "fy": 2025},
    ]

    # A KPI of the old shape: its item (the pillar's first, unlabelled) is not set.
    assert plain["item"] is None and plain["cumulative"] is False
    assert plain["baseline"] == {"fy": 2021, "value": 100, "approximate": False, "as_written": ""}
    assert plain["target"]["yearly"] == [] and plain["target"]["steps"] == []


@pytest.mark.parametrize(
    "code, break_it",
    [
        ("new-1", lambda k: k.pop("item")),
        ("new-1", lambda k: k.update(item="2-8-2")),
        ("new-1", lambda k: k["item"].pop("label")),
        ("new-1", lambda k: k.pop("cumulative")),
        ("new-1", lambda k: k.update(cumulative="はい")),
        ("new-1", lambda k: k.update(baseline={"fy": None, "value": None})),
        ("range-1", lambda k: k["baseline"].update(value=None)),
        ("new-1", lambda k: k["target"].pop("yearly")),
        ("new-1", lambda k: k["target"]["yearly"].append({"fy": "R7", "value": 50})),
        ("new-1", lambda k: k["target"]["yearly"][0].update(value="20")),
        ("new-1", lambda k: k["target"].update(basis="yearly")),
        ("new-1", lambda k: k["target"].pop("basis")),
        ("new-1", lambda k: k["target"].update(high=60)),
        ("range-1", lambda k: k["target"].pop("high")),
        ("range-1", lambda k: k["target"].update(high=None)),
        ("range-1", lambda k: k["target"].update(high="80.5")),
        ("range-1", lambda k: k["target"]["steps"].append({"order": 1, "label": "x", "fy": 2024})),
        ("milestone-1", lambda k: k["target"].pop("steps")),
        ("milestone-1", lambda k: k["target"]["steps"][0].pop("fy")),
        ("milestone-1", lambda k: k["target"]["steps"][0].update(order="1")),
        ("milestone-1", lambda k: k["target"].update(kind="schedule")),
    ],
    ids=[
        "no-item",
        "item-as-text",
        "item-without-label",
        "no-cumulative",
        "cumulative-as-text",
        "baseline-of-nulls",
        "baseline-without-value",
        "no-yearly",
        "yearly-year-as-text",
        "yearly-value-as-text",
        "unknown-basis",
        "no-basis",
        "high-outside-a-range",
        "range-without-high-key",
        "range-without-upper-bound",
        "high-as-text",
        "steps-outside-a-milestone",
        "no-steps",
        "step-without-year",
        "step-order-as-text",
        "unknown-kind",
    ],
)
def test_the_schema_refuses_a_wrong_new_shape(shapes_document, validator, code, break_it):
    wrong = copy.deepcopy(shapes_document)
    break_it(_kpi(wrong, code))
    assert _errors(validator, wrong) != []
