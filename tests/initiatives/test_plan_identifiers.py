"""Identifiers in plan files stay text as written, or are refused with a request to quote them.

YAML 1.1 (PyYAML's safe_load) reads `code: 0101` as 65, `1_000` as 1000, `0x1F` as 31,
`12:30` as 750, `1.10` as 1.1, `yes` as True and `2024-01-02` as a date.
"""

import io
import json

import pytest
from django.core.management import call_command

from initiatives.models import Pillar, Plan
from kpi import plan_io
from kpi.models import Department, Kpi, Unit

pytestmark = pytest.mark.django_db

PLAN = """\
- model: kpi.unit
  fields: {code: UNIT, label: 件, base_label: 件, scale: '1', decimals: 0, kind: count}
- model: kpi.department
  fields: {code: DEPT, name: 情報課}
- model: initiatives.plan
  fields: {slug: SLUG, government: 例示市, title: 計画, first_fy: 2024, last_fy: 2027}
- model: initiatives.pillar
  fields: {plan: [SLUG], number: NUMBER, title: 柱}
- model: kpi.kpi
  fields:
    plan: [SLUG]
    pillar: [SLUG, NUMBER]
    code: CODE
    name: 指標
    unit: [UNIT]
    direction: higher
    department: [DEPT]
    baseline_fy: 2023
    baseline_value: '1'
    target_fy: 2027
    target_kind: at_least
    target_value: '2'
- model: kpi.targetrevision
  fields:
    kpi: [SLUG, CODE]
    effective_fy: 2025
    target_fy: 2027
    kind: at_least
    value: '3'
    decided_on: 2025-04-01
    reason: 見直し
"""
DEFAULTS = {"UNIT": "cases", "DEPT": "joho", "SLUG": "city-dx", "CODE": "1-1", "NUMBER": "1"}


def _file(**written) -> bytes:
    text = PLAN
    for name, value in {**DEFAULTS, **written}.items():
        text = text.replace(name, value)
    return text.encode("utf-8")


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "initiatives", "kpi", stdout=out)
    return out.getvalue()


def _stored(placeholder: str) -> list[str]:
    return {
        "UNIT": lambda: list(Unit.objects.values_list("code", flat=True)),
        "DEPT": lambda: list(Department.objects.values_list("code", flat=True)),
        "SLUG": lambda: list(Plan.objects.values_list("slug", flat=True)),
        "CODE": lambda: list(Kpi.objects.values_list("code", flat=True)),
    }[placeholder]()


IDENTIFIERS = ["UNIT", "DEPT", "SLUG", "CODE"]
# Written unquoted; kept exactly as written (each is a valid code).
KEPT = ["0101", "010", "1_000", "0x1F", "0o17", "1e3", "2024-01-02", "1" * 30, "12", "1-2"]
# Unquoted words YAML 1.1 reads as true/false or nothing: refused with a request to quote.
QUOTE = ["yes", "no", "on", "off", "y", "N", "true", "False", "null", "~"]


@pytest.mark.parametrize("where", IDENTIFIERS)
@pytest.mark.parametrize("written", KEPT)
def test_unquoted_identifier_is_kept_exactly_as_written(where, written):
    report = plan_io.import_plan(_file(**{where: written}), "plan.yaml")
    assert report.applied, [str(p) for p in report.problems]
    assert _stored(where) == [written]
    kpi = Kpi.objects.select_related("unit", "department", "plan").get()
    assert kpi.target_revisions.get().value == 3  # references by the same text found it


@pytest.mark.parametrize("where", IDENTIFIERS)
@pytest.mark.parametrize("written", QUOTE)
def test_identifier_yaml_reads_as_a_boolean_or_null_is_refused_with_a_request_to_quote(
    where, written
):
    with pytest.raises(plan_io.PlanFileError) as err:
        plan_io.import_plan(_file(**{where: written}), "plan.yaml")
    messages = [p.message for p in err.value.problems]
    assert any("引用符で囲んでください" in m and f'"{written}"' in m for m in messages), messages
    assert not Plan.objects.exists() and not Unit.objects.exists()


@pytest.mark.parametrize("written", ["1.10", "12:30", "1.0"])
def test_code_yaml_would_turn_into_a_number_is_never_stored_changed(written):
    # Codes are text as plans write them (issue 12): "1.10" stays "1.10", not 1.1 or "1.1".
    report = plan_io.import_plan(_file(CODE=written), "plan.yaml")
    assert report.applied, report.problems
    assert list(Kpi.objects.values_list("code", flat=True)) == [written]


def test_quoted_identifiers_are_taken_as_they_are():
    report = plan_io.import_plan(_file(CODE='"0101"', UNIT="'yes'", NUMBER="'3'"), "plan.yaml")
    assert report.applied, [str(p) for p in report.problems]
    assert _stored("CODE") == ["0101"] and _stored("UNIT") == ["yes"]
    assert Pillar.objects.get().number == 3


@pytest.mark.parametrize(("written", "number"), [("010", 10), ("7", 7), ("0009", 9), ("+2", 2)])
def test_integer_identifier_is_read_in_decimal_as_written(written, number):
    report = plan_io.import_plan(_file(NUMBER=written), "plan.yaml")
    assert report.applied, [str(p) for p in report.problems]
    assert Pillar.objects.get().number == number
    assert Kpi.objects.get().pillar.number == number


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("0x1F", "10進数"),
        ("0o17", "10進数"),
        ("1_0", "10進数"),
        ("12:30", "10進数"),
        ("1.0", "10進数"),
        ("1e3", "10進数"),
        ("yes", "10進数"),
        ("99999999999999999999999", "範囲"),
        ("-1", "範囲"),
    ],
)
def test_integer_identifier_not_written_as_a_decimal_integer_is_refused(written, says):
    before = _dump()
    with pytest.raises(plan_io.PlanFileError) as err:
        plan_io.import_plan(_file(NUMBER=written), "plan.yaml")
    problems = err.value.problems
    assert any(p.field in ("number", "pillar") and says in p.message for p in problems), problems
    assert _dump() == before


def test_json_numbers_in_identifiers_keep_their_text():
    records = plan_io.read_records(_file(), "plan.yaml")
    as_json = json.dumps(records, ensure_ascii=False, default=str)
    as_json = as_json.replace('"code": "1-1"', '"code": 101').replace('"1-1"]', "101]")
    report = plan_io.import_plan(as_json.encode("utf-8"), "plan.json")
    assert report.applied, [str(p) for p in report.problems]
    assert _stored("CODE") == ["101"]


@pytest.mark.parametrize(
    ("replace", "says"),
    [
        ('"code": "1-1"', '"code": true'),
        ('"number": "1"', '"number": 1.0'),
        ('"number": "1"', '"number": 1e2'),
        ('"number": "1"', '"number": true'),
    ],
)
def test_json_identifier_of_the_wrong_kind_is_refused(replace, says):
    records = plan_io.read_records(_file(), "plan.yaml")
    text = json.dumps(records, ensure_ascii=False, default=str)
    # read_records gives ints for integer fields; write them as JSON would quote them
    text = text.replace('"number": 1', '"number": "1"').replace(replace, says)
    with pytest.raises(plan_io.PlanFileError):
        plan_io.import_plan(text.encode("utf-8"), "plan.json")
    assert not Plan.objects.exists()


def test_empty_optional_integer_is_no_value():
    text = _file().replace(
        b"target_fy: 2027\n    target_kind: at_least", b"target_fy:\n    target_kind: none"
    )
    text = text.replace(b"    target_value: '2'\n", b"")
    records = plan_io.read_records(text, "plan.yaml")
    kpi = next(r for r in records if r["model"] == "kpi.kpi")
    assert kpi["fields"]["target_fy"] is None
