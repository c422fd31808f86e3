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
from kpi.models import Kpi, KpiValue, TargetKind

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
    kpi = defs["kpi"]["properties"]
    assert set(kpi["direction"]["enum"]) == {c for c, _ in Kpi._meta.get_field("direction").choices}
    assert set(kpi["values"]["items"]["properties"]["status"]["enum"]) == set(
        KpiValue.Status.values
    )
    flags = {v for k, v in vars(progress).items() if k.startswith("FLAG_") and isinstance(v, str)}
    assert set(kpi["progress"]["properties"]["flags"]["items"]["enum"]) == flags
