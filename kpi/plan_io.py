"""Plans in and out: check and load a plan fixture, and write one back (backup and hand-over).

The format is the one the real plan ships in (`fixtures/*.yaml`): a Django fixture, YAML or
JSON, with natural keys only. Loading checks every object before anything stays written: it runs
inside one transaction, collects every problem with the object and field it concerns, and rolls
back if there is any (or when asked for a dry run).

Re-loading a file changes only what the file says differently: objects are found again by their
natural keys; a field the file does not mention keeps the value set in the application (a KPI's
department, a plan's thresholds); each field that changes is reported, old → new. Yearly values,
users, staff profiles and published reports already in the database are kept as they are.

Values are read as written (plan_reader.py gives the text of every unquoted scalar): text fields
(codes, slugs, names) keep that text — `code: 0101` is "0101", not YAML 1.1's octal 65 — and an
identifier written as a bare yes/no/on/off/true/false/null is refused with a request to quote
it; integer fields take decimal integers only (`010` is 10, never octal 8; `0x1F`, `1_000`,
`12:30` are refused); decimals are parsed from their text, so nothing is rounded through a float.

A backup (`export_plan --with-values`) also carries every user (without password hash), their
groups and staff profiles, the plan's published reports and the history of its KPIs, target
revisions and values. Users restored from it get an unusable password: an administrator sets a
new one (`manage.py changepassword NAME`). Those records load only through the command
(`accounts=True`), never through the upload page.

One organization (`export_plan --organization`, export_organization) is the same format: its
departments, its staff (no password hash), all its plans and, with values, their values, reports
and history. Departments are named [organization slug, code] (codes are per organization); a
file naming one by its code alone is read within its plan's organization (plan_organizations).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.core.serializers.pyyaml import DjangoSafeDumper
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DatabaseError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from initiatives import plan_reader
from initiatives.models import (
    Action,
    InitiativeItem,
    Milestone,
    Organization,
    Pillar,
    Plan,
    PlanSection,
    PolicyDirection,
)
from initiatives.plan_reader import Number, Plain
from smartdocho.display import fy_text, is_fiscal_year_field
from smartdocho.fiscal import era_label, format_fy

from . import plan_organizations, plan_xlsx
from .evaluation import value_years
from .forms import validate_value_row
from .models import (
    Department,
    Kpi,
    KpiValue,
    PublishedReport,
    ScheduleStep,
    StaffProfile,
    TargetBasis,
    TargetKind,
    TargetRevision,
    Unit,
    YearlyTarget,
)

User = get_user_model()

HISTORY_MODEL = "kpi.valuehistory"  # the value history of files written before history was generic
# In the order a file lists them: every reference points to something already loaded.
MODELS = [
    Organization,
    Department,
    Group,
    User,
    StaffProfile,
    Plan,
    Unit,
    PlanSection,
    Pillar,
    PolicyDirection,
    InitiativeItem,
    Action,
    Milestone,
    Kpi,
    TargetRevision,
    YearlyTarget,
    ScheduleStep,
    KpiValue,
    PublishedReport,
]
# Accounts load only through the command (a restore by whoever runs the server), never the page.
ACCOUNT_MODELS = (Group, User, StaffProfile)
# Already in the database: left exactly as they are (entered values, people, frozen reports).
KEEP_EXISTING = (KpiValue, User, StaffProfile, PublishedReport)
HISTORIES = {m.history.model._meta.label_lower: m for m in (Kpi, TargetRevision, KpiValue)}
MODEL_LABELS = {m._meta.label_lower: m for m in MODELS}
ALLOWED = [*MODEL_LABELS, *HISTORIES, HISTORY_MODEL]
MAX_PROBLEMS = 200  # past this many, checking the rest would only make the list longer
HEADER = "# smartdocho plan fixture: natural keys only; load with `manage.py import_plan`.\n"
HISTORY_NAME = "{}の履歴"
# Values and their history: the page is for the plan's structure; values enter through the entry
# form or the spreadsheet upload (their checks, permissions and 入力者), or a restore (command).
VALUE_LABELS = frozenset(
    {KpiValue._meta.label_lower, KpiValue.history.model._meta.label_lower, HISTORY_MODEL}
)
VALUES_NOT_HERE = (
    "実績値は入力画面か一括登録で入力してください（この画面では方針の構成だけを読み込みます）。"
)

Progress = Callable[[int, int], None]


def _f(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


# Each natural key, position by position: the field whose type decides how its text is read.
NATURAL_KEYS: dict[type[models.Model], list[models.Field]] = {
    Unit: [_f(Plan, "slug"), _f(Unit, "code")],
    Department: [_f(Organization, "slug"), _f(Department, "code")],
    Organization: [_f(Organization, "slug")],
    Plan: [_f(Plan, "slug")],
    PlanSection: [_f(Plan, "slug"), _f(PlanSection, "kind"), _f(PlanSection, "order")],
    Pillar: [_f(Plan, "slug"), _f(Pillar, "number")],
    Kpi: [_f(Plan, "slug"), _f(Kpi, "code")],
    TargetRevision: [_f(Plan, "slug"), _f(Kpi, "code"), _f(TargetRevision, "effective_fy")],
    KpiValue: [_f(Plan, "slug"), _f(Kpi, "code"), _f(KpiValue, "fiscal_year")],
    User: [_f(User, User.USERNAME_FIELD)],
    Group: [_f(Group, "name")],
    Permission: [
        _f(Permission, "codename"),
        _f(ContentType, "app_label"),
        _f(ContentType, "model"),
    ],
}
for _child in (PolicyDirection, InitiativeItem, Milestone):
    NATURAL_KEYS[_child] = [*NATURAL_KEYS[Pillar], _f(_child, "number")]
NATURAL_KEYS[Action] = [*NATURAL_KEYS[InitiativeItem], _f(Action, "order")]
IDENTIFIERS = {f for key in NATURAL_KEYS.values() for f in key}

# YAML 1.1 reads these unquoted words as booleans and nulls (https://yaml.org/type/bool.html).
_BOOL_WORDS = {
    **dict.fromkeys("y Y yes Yes YES true True TRUE on On ON".split(), True),
    **dict.fromkeys("n N no No NO false False FALSE off Off OFF".split(), False),
}
_NULL_WORDS = {"", "~", "null", "Null", "NULL"}
_DECIMAL_INT = re.compile(r"[-+]?[0-9]+")
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Problem:
    index: int | None  # the record's position in the file, from 1
    model: str
    key: str
    field: str
    message: str
    where: str = ""  # a workbook's sheet and row (成果指標 5行目), said instead of index and model

    def __str__(self) -> str:
        if self.where or self.field.startswith("「"):  # 成果指標 5行目「基準値」：…
            return f"{self.where}{self.field}：{self.message}"
        where = f"{self.index}件目" if self.index else "ファイル"
        parts = [where, self.model, self.key, self.field]
        return " ".join(p for p in parts if p) + f": {self.message}"

    @property
    def model_name(self) -> str:
        """The record's kind as people call it (成果指標, not kpi.kpi); the label as written
        when it names no kind this file may hold (the message then says so)."""
        label = self.model.lower()
        if label in MODEL_LABELS:
            return str(MODEL_LABELS[label]._meta.verbose_name)
        if label in HISTORIES:
            return HISTORY_NAME.format(HISTORIES[label]._meta.verbose_name)
        if label == "auth.user":
            return str(get_user_model()._meta.verbose_name)
        return self.model


@dataclass(frozen=True)
class Change:
    """One field an import changes (or would): the object, the field's name, old and new."""

    index: int
    model: str
    key: str
    field: str
    old: str
    new: str
    where: str = ""  # a workbook's sheet and row, said instead of the record's position

    def __str__(self) -> str:
        where = self.where or f"{self.index}件目"
        return f"{where} {self.model} {self.key} {self.field}: {self.old} → {self.new}"


@dataclass(frozen=True)
class Created:
    """One object an import creates (or would): where in the file, its kind, key and name."""

    index: int
    model: str
    key: str
    name: str
    where: str = ""  # a workbook's sheet and row, said instead of the record's position

    def __str__(self) -> str:
        return f"{self.where or f'{self.index}件目'} {self.model} {self.key} {self.name}"


@dataclass(frozen=True)
class Reading:
    """How the target of a KPI the import creates or changes was read, in words."""

    key: str
    name: str
    reading: str


@dataclass(frozen=True)
class Absent:
    """An object of the file's plan that the database has and the file does not list: the
    import leaves it as it is (a row taken out of a table deletes nothing)."""

    model: str
    key: str
    name: str


@dataclass(frozen=True)
class Retargeted:
    """A KPI with entered values whose target the file changes: old and new, in words."""

    key: str
    name: str
    old: str
    new: str
    values: int  # how many values the KPI has


TARGET_FIELDS = (
    "target_fy",
    "target_kind",
    "target_value",
    "target_value_high",
    "target_basis",
    "target_condition",
)


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)  # already there, left as they are
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    new: list[Created] = field(default_factory=list)  # each created object, by key
    users_created: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)  # each new or changed KPI's target
    absent: list[Absent] = field(default_factory=list)  # in the database, not in the file
    # Targets the file changes on KPIs that already have values: the import makes the new one
    # the original target; a revision during the plan belongs in 目標の再設定 (with its history).
    retargeted: list[Retargeted] = field(default_factory=list)
    records: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> list[tuple[str, int, int, int, int]]:
        """(kind of object, created, updated, unchanged, kept) for every kind seen."""
        names = [m._meta.verbose_name for m in MODELS]
        names += [HISTORY_NAME.format(m._meta.verbose_name) for m in HISTORIES.values()]
        names.append("実績値の履歴")
        labels = []
        for name in dict.fromkeys(names):
            if any(name in c for c in (self.created, self.updated, self.unchanged, self.kept)):
                labels.append(name)
        return [
            (n, self.created[n], self.updated[n], self.unchanged[n], self.kept[n]) for n in labels
        ]


class PlanFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _file_problem(message: str) -> PlanFileError:
    return PlanFileError([Problem(None, "", "", "", message)])


# --- reading values as written ---------------------------------------------------------------


class _Refused(Exception):
    pass


_YAML11_RESOLVER = yaml.resolver.Resolver()


def _usual(value: object) -> object:
    """What a YAML 1.1 loader would have made of it: for free-form JSON fields (lists of lines,
    report snapshots) whose content no field type describes, and which our own export writes
    with PyYAML, quoting what needs it."""
    if isinstance(value, Number):
        return int(value) if _DECIMAL_INT.fullmatch(value) else float(value)
    if isinstance(value, Plain):
        tag = _YAML11_RESOLVER.resolve(yaml.ScalarNode, str(value), (True, False))
        constructor = yaml.constructor.SafeConstructor()  # a fresh one keeps no cache
        return constructor.construct_object(yaml.ScalarNode(tag, str(value)))
    if isinstance(value, list):
        return [_usual(v) for v in value]
    if isinstance(value, dict):
        return {_usual(k): _usual(v) for k, v in value.items()}
    return value


def _quote_message(f: models.Field, text: str) -> str:
    return f'{f.verbose_name}は引用符で囲んでください（例: {f.name}: "{text}"）'


_BOUNDS = {"gte": (0, 0), "gt": (0, 1), "lte": (1, 0), "lt": (1, -1)}


def _integer_range(f: models.Field) -> tuple[int, int]:
    """The integers field `f` really takes: the narrowest of the portable range of its type
    (Django's integer_field_ranges, the same on every database, so the message does not depend
    on SQLite's 64-bit integers), this database's, the field's Min/MaxValueValidators, and the
    model's check constraints of the form `Q(field__lte=n)` (Unit.decimals ≤ 4)."""
    low, high = _INT64
    internal = f.get_internal_type()
    portable = BaseDatabaseOperations.integer_field_ranges.get(internal, (None, None))
    for a, b in (portable, connection.ops.integer_field_range(internal)):
        low = max(low, a) if a is not None else low
        high = min(high, b) if b is not None else high
    for v in f.validators:
        if isinstance(v, MinValueValidator) and isinstance(v.limit_value, int):
            low = max(low, v.limit_value)
        if isinstance(v, MaxValueValidator) and isinstance(v.limit_value, int):
            high = min(high, v.limit_value)
    model = getattr(f, "model", None)
    for c in getattr(getattr(model, "_meta", None), "constraints", []):
        q = getattr(c, "condition", None)
        if not isinstance(c, models.CheckConstraint) or not isinstance(q, models.Q):
            continue
        if q.negated or (q.connector != models.Q.AND and len(q.children) > 1):
            continue
        for child in q.children:
            if not isinstance(child, tuple) or not isinstance(child[1], int):
                continue
            name, _, lookup = child[0].partition("__")
            if name == f.name and lookup in _BOUNDS:
                side, step = _BOUNDS[lookup]
                if side == 0:
                    low = max(low, child[1] + step)
                else:
                    high = min(high, child[1] + step)
    return low, high


def _scalar(f: models.Field, value: object) -> object:
    """A scalar for field `f`, read as written; _Refused with the reason where it cannot be."""
    if isinstance(value, bool) and f in IDENTIFIERS:
        raise _Refused(_quote_message(f, str(value).lower()))
    if isinstance(f, models.IntegerField | models.AutoField):
        if isinstance(value, bool):  # JSON true, or !!bool: Django would store 1
            raise _Refused(f"{f.verbose_name}は整数で書いてください（例: {f.name}: 12）。")
        if isinstance(value, int):
            text = str(value)  # an explicit !!int tag
        elif isinstance(value, str):
            text = str(value)
        else:
            return value  # Django refuses it with its own message
        if isinstance(value, Plain) and not isinstance(value, Number) and text in _NULL_WORDS:
            return None
        if not _DECIMAL_INT.fullmatch(text):
            if not isinstance(value, Plain):
                return value  # quoted: Django refuses "x" with its own message
            raise _Refused(
                f"{f.verbose_name}は整数を10進数で書いてください（例: {f.name}: 12）。"
                f"書かれた値: {text}"
            )
        number = int(text)
        low, high = _integer_range(f)
        if not low <= number <= high:
            raise _Refused(
                f"{f.verbose_name}は{low:,}～{high:,}の範囲の整数で書いてください: {text}"
            )
        return number
    if not isinstance(value, Plain):
        return value
    text = str(value)
    is_json = isinstance(value, Number)
    if isinstance(f, models.CharField | models.TextField):
        if not is_json and (text in _NULL_WORDS or text in _BOOL_WORDS) and f in IDENTIFIERS:
            raise _Refused(_quote_message(f, text))
        if not is_json and text in _NULL_WORDS:
            return None if f.null else ""
        return text
    if isinstance(f, models.BooleanField):
        if not is_json and text in _BOOL_WORDS:
            return _BOOL_WORDS[text]
        return None if text in _NULL_WORDS else text
    if isinstance(f, models.JSONField):
        return _usual(value)
    if not is_json and text in _NULL_WORDS:
        return None
    return text  # decimals, dates, times: Django parses the text itself, never via a float


def _reference(f: models.Field, value: object) -> object:
    """A natural-key reference ([slug, code]) with each part read by its own field's type."""
    target = f.related_model
    spec = NATURAL_KEYS.get(target)
    if value is None or (isinstance(value, Plain) and str(value) in _NULL_WORDS):
        return None
    if spec is None:
        return _usual(value)
    if not isinstance(value, list):
        raise _Refused(
            f"{f.verbose_name}は参照先のキーを一覧で書いてください（例: {f.name}: [{value}]）。"
        )
    if target is Department and len(value) == 1:
        spec = spec[1:]  # [code]: a file written before codes were per organization
    if len(value) != len(spec):
        raise _Refused(f"{f.verbose_name}のキーは{len(spec)}個の値で書いてください: {value}")
    return [_scalar(k, v) for k, v in zip(spec, value, strict=True)]


def _field_value(model: type[models.Model], name: str, value: object) -> object:
    try:
        f = model._meta.get_field(name)
    except FieldDoesNotExist:
        return _usual(value)  # the deserializer names the unknown field
    if f.many_to_many:
        if not isinstance(value, list):
            raise _Refused(f"{f.verbose_name}は一覧で書いてください。")
        return [_reference(f, v) for v in value]
    if f.is_relation:
        return _reference(f, value)
    return _scalar(f, value)


def _model_of(label: str) -> type[models.Model]:
    if label == HISTORY_MODEL:
        return KpiValue.history.model
    if label in HISTORIES:
        return HISTORIES[label].history.model
    return MODEL_LABELS[label]


def _as_written(i: int, label: str, fields: dict) -> tuple[dict, list[Problem]]:
    """A record's fields, each read as written for its field type; the problems found."""
    model = _model_of(label)
    out, problems = {}, []
    for name, value in fields.items():
        try:
            out[str(name)] = _field_value(model, str(name), value)
        except _Refused as err:
            problems.append(Problem(i, label, "", str(name), str(err)))
    return out, problems


def read_records(
    content: bytes,
    filename: str,
    *,
    accounts: bool = False,
    values: bool = True,
    max_records: int | None = None,
    organization: Organization | None = None,
) -> list[dict]:
    """The file's records with their values read as written, or PlanFileError saying why not.

    `accounts`: whether users, groups and staff profiles may be among them (the command).
    `values`: whether yearly values and their history may be among them (False on the page:
    VALUES_NOT_HERE).
    `max_records`: how many objects a file may hold (the upload page, to bound a request).
    `organization`: the importing admin's, where a workbook's 所管課 names are looked up.
    """
    name = filename.lower()
    if name.endswith(".json"):
        kind = "json"
    elif name.endswith((".yaml", ".yml")):
        kind = "yaml"
    elif name.endswith(".xlsx"):
        kind = "xlsx"
    else:
        raise _file_problem("ファイルの種類は .yaml、.yml、.json、.xlsx のいずれかにしてください。")
    if kind == "xlsx":
        data = _workbook_records(content, organization.pk if organization else None)
    else:
        try:
            data = plan_reader.parse(content, kind)
        except plan_reader.ReadError as err:
            raise _file_problem(err.message) from None
    if not isinstance(data, list) or not data:
        raise _file_problem("ファイルの中身は、オブジェクトの一覧（リスト）にしてください。")
    if max_records is not None and len(data) > max_records:
        raise _file_problem(
            f"オブジェクトが多すぎます（{len(data):,}件、この画面では{max_records:,}件まで）。"
            "大きなファイルは、サーバーで import_plan コマンドを使って読み込んでください。"
        )
    data = _units_in_their_plan(data)
    account_labels = {m._meta.label_lower for m in ACCOUNT_MODELS}
    problems, records = [], []
    for i, record in enumerate(data, start=1):
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("model"), str)
            or not isinstance(record.get("fields"), dict)
        ):
            problems.append(Problem(i, "", "", "", "model と fields を持つ形で書いてください。"))
            continue
        label = str(record["model"]).lower()
        if "pk" in record:
            problems.append(
                Problem(i, label, "", "pk", "pk は使わず、natural key で書いてください。")
            )
        if label not in ALLOWED:
            problems.append(Problem(i, label, "", "model", "読み込めない種類のオブジェクトです。"))
            continue
        if label in account_labels and not accounts:
            problems.append(
                Problem(
                    i,
                    label,
                    "",
                    "model",
                    "利用者・グループ・職員の所属は、サーバーで import_plan コマンドを使って"
                    "復元してください。",
                )
            )
            continue
        if label in VALUE_LABELS and not values:
            problems.append(Problem(i, label, "", "model", VALUES_NOT_HERE))
            continue
        fields, found = _as_written(i, label, record["fields"])
        problems += found
        records.append({"model": label, "fields": fields})
        for where in ("row", "sheet"):  # a workbook's: the sheet and row it comes from
            if record.get(where):
                records[-1][where] = record[where]
    if problems:
        raise PlanFileError(problems)
    return records


def _workbook_records(content: bytes, organization_id: int | None = None) -> list:
    """An Excel KPI table (kpi/plan_xlsx.py) as the records a fixture holds; each problem with
    the workbook, its sheets or rows (a target not settled) as a Problem of the whole file."""
    try:
        return plan_xlsx.read_workbook(content, organization_id)
    except plan_xlsx.WorkbookError as err:
        raise PlanFileError(
            [
                Problem(
                    None,
                    "",
                    "",
                    f"「{p.column}」" if p.column else "",
                    p.message,
                    where=_sheet_where(p.sheet, p.row),
                )
                for p in err.problems
            ]
        ) from None


def _units_in_their_plan(data: list) -> list:
    """A file written before units belonged to their plan (issue 12), read as it meant.

    Such a file lists `kpi.unit` records first, with no `plan`, and KPIs name a unit by its code
    alone (`unit: [percent]`). With exactly one plan in the file, its units are that plan's: each
    unit record gets `plan: [<slug>]` and moves to just after the plan's record (the order in
    which they can load), and each one-part unit key gets the KPI's plan in front. Files with
    several plans or already in the new shape are returned as they are. Shapes: the parsed list
    of records in, the same list (or a reordered copy) out.
    """
    records = [r for r in data if isinstance(r, dict) and isinstance(r.get("fields"), dict)]
    plans = [r for r in records if str(r.get("model", "")).lower() == "initiatives.plan"]
    if len(plans) != 1 or "slug" not in plans[0]["fields"]:
        return data
    slug = plans[0]["fields"]["slug"]
    moved = []
    for record in records:
        label, fields = str(record.get("model", "")).lower(), record["fields"]
        if label == "kpi.unit" and "plan" not in fields:
            fields["plan"] = [slug]
            moved.append(record)
        elif label == "kpi.kpi" and isinstance(fields.get("unit"), list):
            if len(fields["unit"]) == 1:
                plan = fields.get("plan")
                fields["unit"] = [
                    plan[0] if isinstance(plan, list) and plan else slug,
                    *fields["unit"],
                ]
    if not moved:
        return data
    ids = {id(r) for r in moved}
    out = [r for r in data if id(r) not in ids]
    at = next(i for i, r in enumerate(out) if r is plans[0]) + 1
    return out[:at] + moved + out[at:]


# --- loading ---------------------------------------------------------------------------------


def _key_text(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    try:
        return json.dumps(_identity(obj), ensure_ascii=False, default=str)
    except Exception:  # a half-built object may not have a key yet
        return ""


def _report_ref(report: PublishedReport) -> list:
    """A published report's key in a file: plan, year and the moment it was published."""
    return [report.plan.slug, report.fiscal_year, report.published_at.isoformat()]


def _identity(obj: models.Model) -> list:
    if isinstance(obj, StaffProfile):
        return [obj.user.get_username()]
    if isinstance(obj, PublishedReport):
        return _report_ref(obj)
    return list(obj.natural_key())


def _existing(obj: models.Model) -> models.Model | None:
    """The row already in the database that this deserialized object stands for, if any."""
    model = type(obj)
    if isinstance(obj, StaffProfile):
        return StaffProfile.objects.filter(user_id=obj.user_id).first()
    if isinstance(obj, PublishedReport):
        return PublishedReport.objects.filter(
            plan_id=obj.plan_id, fiscal_year=obj.fiscal_year, published_at=obj.published_at
        ).first()
    return model._default_manager.filter(pk=obj.pk).first() if obj.pk else None


def _shown(obj: models.Model, f: models.Field) -> str:
    """A field's value as people write it in the preview: a unit by its label (not its code),
    a choice by its name, a yes/no field by its own name or "—" (never True/False)."""
    if f.is_relation:
        related = getattr(obj, f.name, None)
        value = str(related) if related is not None else None
    elif isinstance(f, models.BooleanField):
        return str(f.verbose_name) if getattr(obj, f.attname) else "—"
    elif f.choices and getattr(obj, f.attname) not in (None, ""):
        value = getattr(obj, f"get_{f.name}_display")()
    else:
        value = getattr(obj, f.attname)
    if value is None or value == "":
        return _EMPTY
    if isinstance(value, Decimal):
        value = f"{value.normalize():f}"  # 288.0000 from the database and 288 from a file
    elif is_fiscal_year_field(f.name) and isinstance(value, int):
        value = fy_text(value)  # 2025 → R7（2025年度）, as every page writes a year
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _differences(existing: models.Model, obj: models.Model) -> list[models.Field]:
    return [
        f
        for f in obj._meta.concrete_fields
        if not f.primary_key and getattr(existing, f.attname) != getattr(obj, f.attname)
    ]


def _validation_problems(i: int, label: str, key: str, err: ValidationError) -> list[Problem]:
    if hasattr(err, "error_dict"):
        return [
            Problem(i, label, key, "" if f == "__all__" else f, " ".join(msgs))
            for f, msgs in err.message_dict.items()
        ]
    return [Problem(i, label, key, "", " ".join(err.messages))]


def _ensure_users(records: list[dict], report: Report) -> None:
    """Users that values, history or reports name, that this database lacks and that the file
    does not define: created inactive and without a password (a file older than accounts)."""
    names, defined = set(), set()
    for record in records:
        fields = record["fields"]
        if record["model"] == User._meta.label_lower:
            defined.add(str(fields.get(User.USERNAME_FIELD)))
        for name in ("entered_by", "history_user", "published_by"):
            value = fields.get(name)
            if isinstance(value, list) and value:
                names.add(str(value[0]))
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    for name in sorted(names - existing - defined):
        user = User(username=name, is_active=False)
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as err:
            report.problems.append(Problem(None, "auth.user", name, "", " ".join(err.messages)))
            continue
        user.save()
        report.users_created.append(name)


def _check_years(obj: models.Model) -> dict[str, str]:
    """Fiscal years that must lie inside the plan (the database cannot see across tables)."""
    errors = {}
    if isinstance(obj, KpiValue):
        plan = obj.kpi.plan
        years = value_years(plan)
        if obj.fiscal_year not in years and obj.fiscal_year != obj.kpi.baseline_fy:
            errors["fiscal_year"] = (
                f"年度が方針の期間と追跡年度（{years[0]}～{years[-1]}）の外です。"
            )
    if isinstance(obj, TargetRevision):
        plan = obj.kpi.plan
        if obj.effective_fy not in plan.fiscal_years:
            errors["effective_fy"] = (
                f"年度が方針の期間（{format_fy(plan.first_fy)}～{format_fy(plan.last_fy)}）の外です。"
            )
        # A target may lie past the plan's last year (issue 12), never before its first.
        if obj.target_fy < plan.first_fy:
            errors["target_fy"] = (
                f"目標年度が方針の初年度（{format_fy(plan.first_fy)}）より前です。"
            )
    return errors


def _check_value(obj: KpiValue | models.Model) -> None:
    """A value (or a historical row of one) held to the entry form's rules: the unit's range and
    decimals, the status, notes and sources without markup or control characters and within
    their lengths (kpi.forms.validate_value_row). Raises ValidationError with the form's message.
    """
    value = obj.value
    _, error = validate_value_row(
        obj.kpi,
        value="" if value is None else f"{Decimal(value):f}",
        status=obj.status,
        note=obj.note or "",
        source=obj.source or "",
        version=0,
    )
    if error:
        raise ValidationError(error)


def _check_step_change(existing: models.Model, obj: models.Model) -> None:
    """Refuse renaming a schedule step that entered values have reached: a value is the number
    of the step reached, so the value would come to name another step. Its year may change."""
    if not isinstance(obj, ScheduleStep) or existing.label == obj.label:
        return
    if KpiValue.objects.filter(kpi_id=existing.kpi_id, value__gte=existing.order).exists():
        raise ValidationError(
            {
                "label": f"段階{existing.order}「{existing.label}」には入力済みの実績値が達している"
                f"ため、「{obj.label}」に変えられません（実績値の意味が変わります）。段階を"
                "前に加えるときも同じです。後ろに加える段階や、段階の年度は変えられます。"
            }
        )


def _check_unit_change(existing: models.Model, obj: models.Model) -> None:
    """Refuse a change that would make the values already entered mean something else: a KPI
    moved to another unit, or a unit's scale or kind changed while its KPIs have values.
    Raises ValidationError naming the old and new and how many values there are.
    """
    if isinstance(obj, Kpi) and existing.unit_id != obj.unit_id:
        count = KpiValue.objects.filter(kpi=existing).count()
        if count:
            raise ValidationError(
                {
                    "unit": f"入力済みの実績値が{count}件あるため、単位を「{existing.unit}」から"
                    f"「{obj.unit}」に変えられません（値の意味が変わります）。単位の違う指標にするときは、"
                    "元の成果指標はそのままにして、新しいコードの成果指標として読み込んでください。"
                }
            )
    if isinstance(obj, Unit):
        moved = [f for f in ("scale", "kind") if getattr(existing, f) != getattr(obj, f)]
        count = KpiValue.objects.filter(kpi__unit=existing).count() if moved else 0
        if count:
            name = "・".join(str(Unit._meta.get_field(f).verbose_name) for f in moved)
            raise ValidationError(
                {
                    moved[0]: f"この単位の成果指標に入力済みの実績値が{count}件あるため、"
                    f"単位の{name}を変えられません（値の意味が変わります）。"
                }
            )


def _resolve_report_refs(fields: dict) -> None:
    """References between published reports (a correction naming the report it replaces):
    written as the other report's key, found here by it."""
    for f in PublishedReport._meta.concrete_fields:
        value = fields.get(f.name)
        if f.is_relation and f.related_model is PublishedReport and isinstance(value, list):
            slug, year, when = (value + [None, None, None])[:3]
            found = PublishedReport.objects.filter(
                plan__slug=slug, fiscal_year=year, published_at=when
            ).first()
            if found is None:
                raise ObjectDoesNotExist(f"公表した報告書 {value}")
            fields[f.name] = found.pk


# Why a change made by a plan file is in the history (simple-history takes the user from the
# request on the import page; the command runs without one).
IMPORT_REASON = "方針ファイルの読み込み"


def _save(item, obj: models.Model, *, history: bool) -> None:
    """Save a deserialized object. Deserialized saves are "raw", which simple-history skips;
    a KPI or target revision a file changes (or creates, when the file carries no history of
    its own) is saved the ordinary way so that the change is in its history like any other."""
    if history and type(obj) in HISTORIES.values():
        obj._change_reason = IMPORT_REASON
        obj.save()
    else:
        item.save()


def _load_object(
    i: int, record: dict, report: Report, seen: dict, created: set, *, file_has_history: bool
) -> None:
    label = record["model"]
    model = MODEL_LABELS[label]
    name = model._meta.verbose_name
    if model is PublishedReport:
        _resolve_report_refs(record["fields"])
    item = next(serializers.deserialize("python", [record]))
    obj = item.object
    key = _key_text(obj)
    if (label, key) in seen:
        report.problems.append(
            Problem(i, label, key, "", f"{seen[(label, key)]}件目と重複しています（同じキー）。")
        )
        return
    seen[(label, key)] = i
    existing = _existing(obj)
    if existing is not None and isinstance(obj, KEEP_EXISTING):
        report.kept[name] += 1
        return
    if existing is not None:
        obj.pk = existing.pk
        obj._state.adding = False  # an update: its own key is not a duplicate
        mentioned = set(record["fields"])
        for f in model._meta.concrete_fields:
            if not f.primary_key and f.name not in mentioned:
                setattr(obj, f.attname, getattr(existing, f.attname))  # set in the application
    if isinstance(obj, User):
        obj.set_unusable_password()  # a backup carries no password hashes
    obj.full_clean(exclude=["password"] if isinstance(obj, User) else None)
    years = _check_years(obj)
    if years:
        raise ValidationError(years)
    if isinstance(obj, KpiValue):
        _check_value(obj)
    if existing is not None:
        _check_unit_change(existing, obj)
        _check_step_change(existing, obj)
    if existing is None:
        _save(item, obj, history=not file_has_history)
        report.created[name] += 1
        created.add((label, key))
        text = str(obj)
        report.new.append(Created(i, label, key, text if len(text) <= 80 else text[:79] + "…"))
        return
    changed = _differences(existing, obj)
    if not changed:
        report.unchanged[name] += 1
        return
    if isinstance(obj, Kpi) and any(f.name in (*TARGET_FIELDS, "cumulative") for f in changed):
        count = KpiValue.objects.filter(kpi=existing).count()
        if count:
            report.retargeted.append(
                Retargeted(obj.code, obj.name, _reading(existing), _reading(obj), count)
            )
    _save(item, obj, history=True)
    report.updated[name] += 1
    for f in changed:
        report.changes.append(
            Change(
                i, label, key, f"{f.verbose_name} ({f.name})", _shown(existing, f), _shown(obj, f)
            )
        )


def import_plan(
    content: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    accounts: bool = False,
    values: bool = True,
    max_records: int | None = None,
    progress: Progress | None = None,
    organization: Organization | None = None,
) -> Report:
    """Check a plan fixture and load it in one transaction, or load nothing if any check fails.

    `values` False refuses yearly values and their history (the upload page); where they may
    load (a restore), each passes the entry form's checks (_check_value) and is a sample value
    only where the file says `is_sample: true`.

    `organization`: the importing admin's (None for a site administrator): the file may touch
    nothing of another organization (plan_organizations). An organization record whose slug is
    new here but whose 全国地方公共団体コード is not stands for the organization of that code.
    A staff profile whose user name this database gives to a user of another organization (or
    of none) is refused (plan_organizations.user_collisions): users are never merged.

    Raises PlanFileError when the file as a whole cannot be read (see read_records); every
    problem with single objects is in the returned Report instead, which then applied nothing.
    Checking stops after MAX_PROBLEMS problems.
    """
    records = read_records(
        content,
        filename,
        accounts=accounts,
        values=values,
        max_records=max_records,
        organization=organization,
    )
    plan_organizations.same_organizations(records)
    records, refused = plan_organizations.with_organizations(records, organization)
    if refused:
        # One problem, not one per record: the file is another organization's as a whole.
        (first, label), count = refused[0], len(refused)
        key = f"（該当 {count} 件）" if count > 1 else ""
        raise PlanFileError([Problem(first, label, key, "", plan_organizations.OTHER_ORGANIZATION)])
    if organization is not None:
        found = plan_organizations.identity_problems(records, organization)
        if found:
            raise PlanFileError([_identity_problem(*problem) for problem in found])
    taken = plan_organizations.user_collisions(records)
    if taken:
        raise PlanFileError([Problem(i, label, "", "", message) for i, label, message in taken])
    report = Report(records=len(records))
    seen: dict[tuple[str, str], int] = {}
    created: set[tuple[str, str]] = set()
    kept_values: set[tuple] = set()
    history: list[tuple[int, dict]] = []
    file_has_history = any(r["model"] == HISTORY_MODEL or r["model"] in HISTORIES for r in records)
    with transaction.atomic():
        _ensure_users(records, report)
        for i, record in enumerate(records, start=1):
            if progress:
                progress(i, len(records))
            if len(report.problems) >= MAX_PROBLEMS:
                report.problems.append(
                    Problem(i, "", "", "", "誤りが多いため、ここから先は確認していません。")
                )
                break
            label = record["model"]
            if label == HISTORY_MODEL or label in HISTORIES:
                history.append((i, record))
                continue
            try:
                with transaction.atomic():
                    _load_object(
                        i, record, report, seen, created, file_has_history=file_has_history
                    )
            except ValidationError as err:
                report.problems += _validation_problems(i, label, "", err)
            except (DeserializationError, FieldDoesNotExist, ObjectDoesNotExist) as err:
                report.problems.append(Problem(i, label, "", "", _deserialization_message(err)))
            except (DatabaseError, TypeError, ValueError, OverflowError) as err:
                report.problems.append(
                    Problem(i, label, "", "", f"データベースに書き込めない値です: {err}")
                )
        kept_values = {
            tuple(json.loads(key))
            for label, key in seen
            if label == "kpi.kpivalue" and (label, key) not in created
        }
        for i, record in history:
            try:
                with transaction.atomic():
                    if record["model"] == HISTORY_MODEL:
                        _load_history(i, record, report, kept_values)
                    else:
                        _load_generic_history(i, record, report, created)
            except (ValidationError, DatabaseError, TypeError, ValueError, OverflowError) as err:
                report.problems.append(
                    Problem(i, record["model"], "", "", f"履歴を読み取れません: {err}")
                )
        if not report.problems:
            _prune_children(seen, report)
        if not report.problems:
            report.readings = _readings(records, report)
            report.absent = _absent(records, seen)
            report.changes = [_sheet_change(records, c) for c in report.changes]
            report.new = [_sheet_created(records, c) for c in report.new]
        if report.problems or dry_run:
            transaction.set_rollback(True)
        else:
            report.applied = True
    report.problems = _with_sheet_rows(records, report.problems)
    return report


DELETED = "（削除）"


def _prune_children(seen: dict, report: Report) -> None:
    """A KPI the file lists has the yearly targets and schedule steps the file lists, and no
    others: a step or yearly target taken out of the file is deleted, and said as a change.
    A step that entered values have reached is never deleted (their meaning would change): a
    Problem instead. Steps changed on a KPI with values are pointed out (report.retargeted).
    """
    listed = {label: set() for label in ("kpi.kpi", "kpi.yearlytarget", "kpi.schedulestep")}
    for label, key in seen:
        if label in listed:
            listed[label].add(tuple(json.loads(key)))
    touched_steps = {
        tuple(json.loads(c.key))[:2]
        for c in report.changes + report.new
        if c.model == "kpi.schedulestep"
    }
    for slug, code in sorted(listed["kpi.kpi"]):
        kpi = Kpi.objects.filter(plan__slug=slug, code=code).first()
        if kpi is None:
            continue
        index = seen.get(("kpi.kpi", json.dumps([slug, code], ensure_ascii=False)), 0)
        for target in kpi.yearly_targets.all():
            if (slug, code, target.fiscal_year) not in listed["kpi.yearlytarget"]:
                report.changes.append(
                    Change(
                        index,
                        "kpi.yearlytarget",
                        json.dumps([slug, code, target.fiscal_year], ensure_ascii=False),
                        f"年度別目標値 {era_label(target.fiscal_year)} (value)",
                        f"{Decimal(target.value).normalize():f}",
                        DELETED,
                    )
                )
                target.delete()
        reached = max((v.value for v in kpi.values.all()), default=None)
        steps = sorted(kpi.steps.all(), key=lambda s: s.order)
        gone = [s for s in steps if (slug, code, s.order) not in listed["kpi.schedulestep"]]
        for step in gone:
            if reached is not None and reached >= step.order:
                report.problems.append(
                    Problem(
                        index,
                        "kpi.schedulestep",
                        json.dumps([slug, code, step.order], ensure_ascii=False),
                        "order",
                        f"成果指標 {code} の段階{step.order}「{step.label}」には入力済みの実績値が"
                        "達しているため、ファイルから外せません（実績値の意味が変わります）。",
                    )
                )
                continue
            report.changes.append(
                Change(
                    index,
                    "kpi.schedulestep",
                    json.dumps([slug, code, step.order], ensure_ascii=False),
                    f"実施スケジュールの段階{step.order} (label)",
                    f"{step.label}（{era_label(step.due_fy)}）",
                    DELETED,
                )
            )
            step.delete()
        if reached is not None and ((slug, code) in touched_steps or gone):
            count = kpi.values.count()
            words = "→".join(f"{s.label}（{era_label(s.due_fy)}）" for s in steps)
            now = "→".join(
                f"{s.label}（{era_label(s.due_fy)}）"
                for s in sorted(kpi.steps.all(), key=lambda s: s.order)
            )
            if not any(r.key == code for r in report.retargeted):
                report.retargeted.append(Retargeted(code, kpi.name, words, now, count))


PLAN_SHEET = "計画シート"
_ALL = "*"
# A workbook's columns, by the record's model and field (_ALL: every field of that model).
SHEET_COLUMNS = {
    "kpi.kpi": {
        "code": "指標コード",
        "name": "成果指標",
        "unit": "単位",
        "department": "所管課",
        "note": "備考",
        "cumulative": "累計",
        "pillar": "取組方針番号",
        "item": "取組項目番号",
        "baseline_fy": "基準年度",
        "baseline_value": "基準値",
        "baseline_text": "基準値",
        "baseline_approximate": "基準値",
        "target_fy": "目標年度",
        _ALL: "目標",
    },
    "kpi.unit": {_ALL: "単位"},
    "kpi.department": {_ALL: "所管課"},
    "initiatives.pillar": {"number": "取組方針番号", _ALL: "取組方針"},
    "initiatives.initiativeitem": {"label": "取組項目番号", _ALL: "取組項目"},
    "kpi.yearlytarget": {_ALL: "目標"},
    "kpi.schedulestep": {_ALL: "目標"},
    "initiatives.plan": {v: k for k, v in plan_xlsx.PLAN_ITEMS.items()},
}
_REFERENCE = "参照先が見つかりません"
_DUPLICATE = re.compile(r"([0-9]+)件目と重複しています（同じキー）")


def _identity_problem(index: int, record: dict, field: str, message: str) -> Problem:
    """plan_organizations.identity_problems' finding as a Problem; a workbook's at its cell."""
    if record.get("sheet"):
        column = SHEET_COLUMNS.get(record["model"], {}).get(field, field)
        return Problem(index, record["model"], "", f"「{column}」", message, PLAN_SHEET)
    return Problem(index, record["model"], str(record["fields"].get("slug", "")), field, message)


def _sheet_where(sheet: str, row: int | None) -> str:
    sheet = PLAN_SHEET if sheet == plan_xlsx.SHEET_PLAN else sheet
    return f"{sheet} {row}行目" if row else sheet


def _sheet_place(record: dict) -> tuple[str, str]:
    if record.get("sheet") == plan_xlsx.SHEET_PLAN:
        return PLAN_SHEET, ""
    return plan_xlsx.SHEET_KPIS, f"{record['row']}行目" if record.get("row") else ""


def _reading(kpi: Kpi) -> str:
    """The target as the import read it: kind, value with unit or range, basis, condition,
    yearly targets, steps with their years, target year, 累計."""
    unit = kpi.unit
    kind = str(kpi.get_target_kind_display())
    parts = []
    if kpi.target_kind == TargetKind.RANGE:
        parts.append(
            f"{kind} {unit.format(kpi.target_value)}～{unit.format(kpi.target_value_high)}"
            f"{unit.label}"
        )
    elif kpi.target_value is not None:
        parts.append(f"{unit.format(kpi.target_value)}{unit.label} {kind}")
    else:
        parts.append(kind)
    if kpi.target_basis == TargetBasis.ANNUAL:
        parts.append("毎年度")
    if kpi.direction != plan_xlsx.direction_of(kpi.target_kind):
        parts.append(f"望ましい方向 {kpi.get_direction_display()}")  # not what the kind says
    if kpi.target_condition:
        parts.append(f"条件「{kpi.target_condition}」")
    steps = sorted(kpi.steps.all(), key=lambda s: s.order)
    if steps:
        parts.append("段階 " + " → ".join(f"{s.label}（{era_label(s.due_fy)}）" for s in steps))
    yearly = sorted(kpi.yearly_targets.all(), key=lambda y: y.fiscal_year)
    if yearly:
        parts.append(
            "年度別目標値 "
            + "、".join(f"{era_label(y.fiscal_year)} {unit.format(y.value)}" for y in yearly)
        )
    if kpi.target_fy:
        parts.append(f"目標年度 {era_label(kpi.target_fy)}")
    if kpi.cumulative:
        parts.append("累計")
    return "、".join(parts)


def _readings(records: list[dict], report: Report) -> list[Reading]:
    """How each KPI the import creates or changes (its own fields, yearly targets or steps) was
    read: from the database inside the import's transaction, before any rollback."""
    keys: dict[tuple, None] = {}
    touched = {(c.model, c.key) for c in report.changes} | {(c.model, c.key) for c in report.new}
    for label, key in touched:
        try:
            natural = json.loads(key)
        except ValueError:
            continue
        if label == "kpi.kpi":
            keys[tuple(natural)] = None
        elif label in ("kpi.yearlytarget", "kpi.schedulestep", "kpi.targetrevision"):
            keys[tuple(natural[:2])] = None
    out = []
    for slug, code in keys:
        kpi = (
            Kpi.objects.filter(plan__slug=slug, code=code)
            .select_related("unit")
            .prefetch_related("steps", "yearly_targets")
            .first()
        )
        if kpi is not None:
            out.append(Reading(code, kpi.name, _reading(kpi)))
    return sorted(out, key=lambda r: _code_order(r.key))


def _code_order(code: str) -> list[tuple[int, int, str]]:
    """1-2 before 1-10: numbers compared as numbers, the rest as text."""
    return [
        (0, int(p), "") if re.fullmatch(r"[0-9]+", p) else (1, 0, p)
        for p in re.split(r"([0-9]+)", code)
    ]


def _absent(records: list[dict], seen: dict) -> list[Absent]:
    """KPIs and initiative items of the file's plans that the file does not list."""
    slugs = [r["fields"].get("slug") for r in records if r["model"] == Plan._meta.label_lower]
    out = []
    for model, qs in (
        (Kpi, Kpi.objects.filter(plan__slug__in=slugs).order_by("pillar__number", "order", "code")),
        (
            InitiativeItem,
            InitiativeItem.objects.filter(pillar__plan__slug__in=slugs)
            .select_related("pillar__plan")
            .order_by("pillar__number", "number"),
        ),
    ):
        label = model._meta.label_lower
        for obj in qs:
            key = _key_text(obj)
            if (label, key) not in seen:
                out.append(Absent(str(model._meta.verbose_name), key, str(obj)))
    return out


_EMPTY = "（なし）"  # _shown's word for an empty value


def _sheet_record(records: list[dict], index: int) -> dict | None:
    record = records[index - 1] if 0 < index <= len(records) else None
    return record if record and (record.get("row") or record.get("sheet")) else None


def _sheet_change(records: list[dict], change: Change) -> Change:
    """A change from a workbook, said as the workbook says it: the sheet and row, the field by
    its name and column header (no internal name), an emptied cell as （空欄）."""
    record = _sheet_record(records, change.index)
    if record is None:
        return change
    verbose, _sep, name = change.field.partition(" (")
    columns = SHEET_COLUMNS.get(record["model"], {})
    column = columns.get(name.rstrip(")")) or columns.get(_ALL, "")
    sheet, row = _sheet_place(record)
    return replace(
        change,
        where=f"{sheet} {row}".strip(),
        model=str(MODEL_LABELS[record["model"]]._meta.verbose_name),
        field=f"{verbose}（「{column}」）" if column and column != verbose else verbose,
        old="（空欄）" if change.old == _EMPTY else change.old,
        new="（空欄）" if change.new == _EMPTY else change.new,
    )


def _sheet_created(records: list[dict], created: Created) -> Created:
    record = _sheet_record(records, created.index)
    if record is None:
        return created
    sheet, row = _sheet_place(record)
    model = str(MODEL_LABELS[record["model"]]._meta.verbose_name)
    return replace(created, where=f"{sheet} {row}".strip(), model=model)


def _with_sheet_rows(records: list[dict], problems: list[Problem]) -> list[Problem]:
    """A workbook's problems said the way the person sees the workbook: the sheet, the row and
    the column header as written (never a field's internal name, nor the record's position);
    a reference to an object that itself failed is not listed (said once instead)."""
    out, hidden = [], 0

    def record_of(p: Problem) -> dict | None:
        ok = p.index and p.index <= len(records)
        record = records[p.index - 1] if ok else None
        return record if record and (record.get("row") or record.get("sheet")) else None

    failed = any(record_of(p) and not p.message.startswith(_REFERENCE) for p in problems)
    for p in problems:
        record = record_of(p)
        if record is None:
            out.append(p)
            continue
        if failed and p.message.startswith(_REFERENCE):
            hidden += 1
            continue
        columns = SHEET_COLUMNS.get(record["model"], {})
        name = p.field.split(" (")[0] if p.field else ""
        column = columns.get(name) or columns.get(_ALL, "")
        message = p.message
        duplicate = _DUPLICATE.search(message)
        if duplicate and int(duplicate.group(1)) <= len(records):
            sheet, row = _sheet_place(records[int(duplicate.group(1)) - 1])
            message = message.replace(duplicate.group(0), f"{sheet} {row}と重複しています")
        sheet, row = _sheet_place(record)
        out.append(
            Problem(
                None,
                "",
                "",
                f"「{column}」" if column else "",
                message,
                where=f"{sheet} {row}".strip(),
            )
        )
    if hidden:
        out.append(
            Problem(
                None,
                "",
                "",
                "",
                f"上の誤りのあるものを参照する{hidden}件（成果指標の行など）は確かめていません。"
                "誤りを直してから、もう一度読み込んでください。",
            )
        )
    return out


# Django's deserializer appends where it was: "…: (kpi.kpi:pk=None) field_value was 'NaN'".
_WHERE = re.compile(r":? ?\([a-z_.]+:pk=[^)]*\) field_value was '(.*)'$", re.S)


def _deserialization_message(err: Exception) -> str:
    """The deserializer's complaint in our words: what was written, and why it cannot be read,
    without its internals ("(kpi.kpi:pk=None) field_value was …")."""
    text = str(err)
    where = _WHERE.search(text)
    written = where.group(1)[:80] if where else None
    reason = text[: where.start()].strip(" :[]'\"") if where else text
    if "has no field named" in text or isinstance(err, FieldDoesNotExist):
        return f"知らない項目名があります: {reason}"
    if "matching query does not exist" in text or isinstance(err, ObjectDoesNotExist):
        return (
            f"参照先が見つかりません（先に定義されていないか、キーが違います）: {written or reason}"
        )
    if written is not None:
        return (
            f"値を読み取れません（書かれた値「{written}」）: {reason or '形式が正しくありません'}"
        )
    return f"値を読み取れません: {text}"


def _load_generic_history(i: int, record: dict, report: Report, created: set) -> None:
    """One history row of a KPI, target revision or value: loaded only with its object, when
    this import created that object; an object already here keeps its own history."""
    label = record["model"]
    model = HISTORIES[label]
    historical = model.history.model
    name = HISTORY_NAME.format(model._meta.verbose_name)
    values = {}
    try:
        for field_name, value in record["fields"].items():
            f = historical._meta.get_field(field_name)
            if f.primary_key or f.name in ("history_id", "id"):
                continue
            if f.is_relation:
                values[f.attname] = (
                    None
                    if value is None
                    else f.related_model._default_manager.get_by_natural_key(*value).pk
                )
            else:
                values[f.attname] = f.to_python(value)
        row = historical(**values)
        live_key = list(row.instance.natural_key())
    except (FieldDoesNotExist, ObjectDoesNotExist, ValidationError) as err:
        report.problems.append(Problem(i, label, "", "", _deserialization_message(err)))
        return
    model_label = model._meta.label_lower
    key = json.dumps(live_key, ensure_ascii=False, default=str)
    if (model_label, key) not in created:
        report.kept[name] += 1
        return
    if model is KpiValue:
        try:
            _check_value(row)
        except ValidationError as err:
            report.problems.append(Problem(i, label, key, "", " ".join(err.messages)))
            return
    row.id = model._default_manager.get_by_natural_key(*live_key).pk
    row.save()
    report.created[name] += 1


def _load_history(i: int, record: dict, report: Report, kept_values: set[tuple]) -> None:
    fields = dict(record["fields"])
    kpi_key = fields.pop("kpi", None)
    if not isinstance(kpi_key, list) or len(kpi_key) != 2:
        report.problems.append(
            Problem(i, HISTORY_MODEL, "", "kpi", "成果指標のキーが正しくありません。")
        )
        return
    key = (*kpi_key, fields.get("fiscal_year"))
    if key in kept_values:
        report.kept["実績値の履歴"] += 1
        return
    value = KpiValue.objects.filter(
        kpi__plan__slug=kpi_key[0], kpi__code=kpi_key[1], fiscal_year=fields.get("fiscal_year")
    ).first()
    if value is None:
        report.problems.append(
            Problem(
                i,
                HISTORY_MODEL,
                json.dumps(list(key), ensure_ascii=False),
                "",
                "対応する実績値がありません。",
            )
        )
        return
    try:
        user = fields.pop("history_user", None)
        entered_by = fields.pop("entered_by", None)
        row = KpiValue.history.model(
            id=value.id,
            kpi_id=value.kpi_id,
            history_user=User.objects.get(username=user[0]) if user else None,
            entered_by=User.objects.get(username=entered_by[0]) if entered_by else None,
            **fields,
        )
        _check_value(row)
        row.save()
    except ValidationError as err:
        report.problems.append(Problem(i, HISTORY_MODEL, "", "", " ".join(err.messages)))
        return
    except (TypeError, ValueError, ObjectDoesNotExist) as err:
        report.problems.append(Problem(i, HISTORY_MODEL, "", "", f"履歴を読み取れません: {err}"))
        return
    report.created["実績値の履歴"] += 1


# --- writing ---------------------------------------------------------------------------------


def _history_records(model: type[models.Model], live: models.QuerySet) -> list[dict]:
    """The history of the objects in `live`, oldest first, references as natural keys.

    History of objects deleted since is not written: nothing could be attached to it again.
    """
    historical = model.history.model
    rows = list(
        historical.objects.filter(id__in=live.values("pk")).order_by("history_date", "history_id")
    )
    fields = [f for f in historical._meta.concrete_fields if f.name not in ("history_id", "id")]
    keys: dict[tuple[type, int], list | None] = {}
    for f in fields:
        if not f.is_relation:
            continue
        ids = {getattr(r, f.attname) for r in rows} - {None}
        for obj in f.related_model._default_manager.filter(pk__in=ids):
            keys[(f.related_model, obj.pk)] = list(obj.natural_key())
    records = []
    for row in rows:
        out = {}
        for f in fields:
            if f.is_relation:
                target = getattr(row, f.attname)
                out[f.name] = None if target is None else keys.get((f.related_model, target))
            else:
                out[f.name] = f.value_from_object(row)
        records.append({"model": historical._meta.label_lower, "fields": out})
    return records


def _serialize(qs: models.QuerySet) -> list[dict]:
    return serializers.serialize(
        "python", qs, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )


def _reports(plan: Plan) -> list[dict]:
    """Published reports, every field as Django serializes it (fields added later come along);
    references to other reports written as their keys, since reports have no natural key."""
    reports = list(PublishedReport.objects.filter(plan=plan).order_by("published_at", "pk"))
    by_pk = {r.pk: r for r in PublishedReport.objects.filter(plan=plan).select_related("plan")}
    records = _serialize(reports)
    for record in records:
        for f in PublishedReport._meta.concrete_fields:
            if f.is_relation and f.related_model is PublishedReport:
                target = record["fields"].get(f.name)
                if target is not None:
                    record["fields"][f.name] = _report_ref(by_pk[target])
    return records


def _plan_querysets(plan: Plan) -> list[models.QuerySet]:
    """The plan's structure (no values), in the order a file lists it."""
    kpis = Kpi.objects.filter(plan=plan).order_by(
        models.F("parent").asc(nulls_first=True), "pillar__number", "order", "code"
    )
    return [
        Plan.objects.filter(pk=plan.pk),
        Unit.objects.filter(plan=plan).order_by("code"),
        PlanSection.objects.filter(plan=plan).order_by("kind", "order"),
        Pillar.objects.filter(plan=plan).order_by("number"),
        PolicyDirection.objects.filter(pillar__plan=plan).order_by("pillar__number", "number"),
        InitiativeItem.objects.filter(pillar__plan=plan).order_by("pillar__number", "number"),
        Action.objects.filter(item__pillar__plan=plan).order_by(
            "item__pillar__number", "item__number", "order"
        ),
        Milestone.objects.filter(pillar__plan=plan).order_by("pillar__number", "number"),
        kpis,
        TargetRevision.objects.filter(kpi__plan=plan).order_by("kpi__code", "effective_fy"),
        YearlyTarget.objects.filter(kpi__plan=plan).order_by("kpi__code", "fiscal_year"),
        ScheduleStep.objects.filter(kpi__plan=plan).order_by("kpi__code", "order"),
    ]


def _values(plan: Plan) -> models.QuerySet:
    return KpiValue.objects.filter(kpi__plan=plan)


def _plan_history(plan: Plan) -> list[dict]:
    """The plan's published reports and the history of its KPIs, revisions and values."""
    records = _reports(plan)
    records += _history_records(Kpi, Kpi.objects.filter(plan=plan))
    records += _history_records(TargetRevision, TargetRevision.objects.filter(kpi__plan=plan))
    records += _history_records(KpiValue, _values(plan))
    return records


def _dump(records: list[dict]) -> str:
    for record in records:
        record.pop("pk", None)
        if record["model"] == User._meta.label_lower:
            record["fields"].pop("password", None)
    body = yaml.dump(
        records, Dumper=DjangoSafeDumper, allow_unicode=True, sort_keys=False, width=1000
    )
    return HEADER + body


def export_plan(slug: str, *, with_values: bool = False) -> str:
    """The plan as a YAML fixture that import_plan reads back to the same content.

    with_values: a backup — also every department, group, user (no password hash) and
    staff profile, the plan's values, published reports and history.
    """
    plan = Plan.objects.get(slug=slug)
    departments = (
        Department.objects.all() if with_values else Department.objects.filter(kpis__plan=plan)
    )
    departments = departments.distinct().select_related("organization")
    departments = departments.order_by("organization__slug", "code")
    organizations = Organization.objects.filter(
        models.Q(pk=plan.organization_id)
        | models.Q(pk__in=departments.values("organization"))
        | (
            models.Q(pk__in=StaffProfile.objects.values("organization"))
            if with_values
            else models.Q(pk__in=[])
        )
    ).order_by("slug")
    querysets = [organizations, departments]
    if with_values:
        querysets += [
            Group.objects.order_by("name"),
            User.objects.order_by("username"),
            StaffProfile.objects.select_related("user").order_by("user__username"),
        ]
    querysets += _plan_querysets(plan)
    if with_values:
        querysets.append(
            _values(plan).select_related("kpi", "entered_by").order_by("kpi__code", "fiscal_year")
        )
    records = []
    for qs in querysets:
        records += _serialize(qs)
    if with_values:
        records += _plan_history(plan)
    return _dump(records)


def find_organization(name: str) -> Organization | None:
    """The organization `name` names: its slug, or its 6-digit 全国地方公共団体コード."""
    found = Organization.objects.filter(slug=name).first()
    if found is None and re.fullmatch(r"[0-9]{6}", name):
        found = Organization.objects.filter(code=name).first()
    return found


def export_organization(organization: Organization, *, with_values: bool = False) -> str:
    """One organization (issue 14) as a YAML fixture that import_plan loads into another
    installation: the organization, its departments, its staff (users without password hash,
    their role groups and staff profiles) and every plan of it; with_values also their values,
    published reports and history, as export_plan's backup writes them.

    Users outside the organization whom values or history name (a site administrator) are not
    written: the loader creates them inactive where missing (_ensure_users).
    """
    staff = StaffProfile.objects.filter(organization=organization)
    users = User.objects.filter(pk__in=staff.values("user")).order_by("username")
    querysets: list[models.QuerySet] = [
        Organization.objects.filter(pk=organization.pk),
        Department.objects.filter(organization=organization)
        .select_related("organization")
        .order_by("code"),
        Group.objects.filter(user__in=users).distinct().order_by("name"),
        users,
        staff.select_related("user").order_by("user__username"),
    ]
    plans = list(Plan.objects.filter(organization=organization).order_by("slug"))
    for plan in plans:
        querysets += _plan_querysets(plan)
        if with_values:
            querysets.append(
                _values(plan)
                .select_related("kpi", "entered_by")
                .order_by("kpi__code", "fiscal_year")
            )
    records = []
    for qs in querysets:
        records += _serialize(qs)
    if with_values:
        for plan in plans:
            records += _plan_history(plan)
    return _dump(records)
