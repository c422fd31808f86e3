"""Plans in and out: check and load a plan fixture, and write one back (backup and hand-over).

The format is the one the real plan ships in (`fixtures/*.yaml`): a Django fixture, YAML or
JSON, with natural keys only. Loading checks every object before anything stays written: it runs
inside one transaction, collects every problem with the object and field it concerns, and rolls
back if there is any (or when asked for a dry run). Re-loading an edited file updates objects in
place by their natural keys; yearly values already in the database are kept as they are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.core.serializers.pyyaml import DjangoSafeDumper
from django.db import IntegrityError, models, transaction

from kpi.models import Department, Kpi, KpiValue, TargetRevision, Unit

from .models import Action, InitiativeItem, Milestone, Pillar, Plan, PlanSection, PolicyDirection

HISTORY_MODEL = "kpi.valuehistory"
# In the order a file lists them: every reference points to something already loaded.
MODELS = [
    Unit,
    Department,
    Plan,
    PlanSection,
    Pillar,
    PolicyDirection,
    InitiativeItem,
    Action,
    Milestone,
    Kpi,
    TargetRevision,
    KpiValue,
]
MODEL_LABELS = {m._meta.label_lower: m for m in MODELS}
ALLOWED = [*MODEL_LABELS, HISTORY_MODEL]
HEADER = "# smartdocho plan fixture: natural keys only; load with `manage.py import_plan`.\n"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    index: int | None  # the record's position in the file, from 1
    model: str
    key: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.index}件目" if self.index else "ファイル"
        parts = [where, self.model, self.key, self.field]
        return " ".join(p for p in parts if p) + f": {self.message}"


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)  # values already entered, left as they are
    problems: list[Problem] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    records: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> list[tuple[str, int, int, int, int]]:
        """(kind of object, created, updated, unchanged, kept) for every kind seen."""
        labels = []
        for model in [*MODELS, None]:
            name = model._meta.verbose_name if model else "実績値の履歴"
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


def read_records(content: bytes, filename: str) -> list[dict]:
    """The file's records, or PlanFileError saying why it cannot be read."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _file_problem(
            f"文字コードがUTF-8ではありません（{err.start}バイト目）。UTF-8で保存し直してください。"
        ) from None
    name = filename.lower()
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise _file_problem(
                f"JSONとして読めません（{err.lineno}行{err.colno}列）: {err.msg}"
            ) from None
    elif name.endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"（{mark.line + 1}行{mark.column + 1}列）" if mark else ""
            raise _file_problem(
                f"YAMLとして読めません{where}: {getattr(err, 'problem', err)}"
            ) from None
    else:
        raise _file_problem("ファイルの種類は .yaml、.yml、.json のいずれかにしてください。")
    if not isinstance(data, list) or not data:
        raise _file_problem("ファイルの中身は、オブジェクトの一覧（リスト）にしてください。")
    problems = []
    for i, record in enumerate(data, start=1):
        if (
            not isinstance(record, dict)
            or "model" not in record
            or not isinstance(record.get("fields"), dict)
        ):
            problems.append(Problem(i, "", "", "", "model と fields を持つ形で書いてください。"))
            continue
        if "pk" in record:
            problems.append(
                Problem(
                    i, str(record["model"]), "", "pk", "pk は使わず、natural key で書いてください。"
                )
            )
        if str(record["model"]).lower() not in ALLOWED:
            problems.append(
                Problem(
                    i, str(record["model"]), "", "model", "読み込めない種類のオブジェクトです。"
                )
            )
    if problems:
        raise PlanFileError(problems)
    return data


def _key_text(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    try:
        return json.dumps(list(obj.natural_key()), ensure_ascii=False, default=str)
    except Exception:  # a half-built object may not have a key yet
        return ""


def _same(a: models.Model, b: models.Model) -> bool:
    return all(
        getattr(a, f.attname) == getattr(b, f.attname)
        for f in a._meta.concrete_fields
        if not f.primary_key
    )


def _validation_problems(i: int, label: str, key: str, err: ValidationError) -> list[Problem]:
    if hasattr(err, "error_dict"):
        return [
            Problem(i, label, key, "" if f == "__all__" else f, " ".join(msgs))
            for f, msgs in err.message_dict.items()
        ]
    return [Problem(i, label, key, "", " ".join(err.messages))]


def _ensure_users(records: list[dict], report: Report) -> None:
    """Users named by values or history that this database lacks: created inactive, no password."""
    names = set()
    for record in records:
        fields = record["fields"]
        for name in ("entered_by", "history_user"):
            value = fields.get(name)
            if isinstance(value, list) and value:
                names.add(str(value[0]))
    User = get_user_model()
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    for name in sorted(names - existing):
        user = User(username=name, is_active=False)
        user.set_unusable_password()
        user.save()
        report.users_created.append(name)


def _check_years(obj: models.Model) -> dict[str, str]:
    """Fiscal years that must lie inside the plan (the database cannot see across tables)."""
    errors = {}
    if isinstance(obj, KpiValue):
        plan = obj.kpi.plan
        if obj.fiscal_year not in plan.fiscal_years and obj.fiscal_year != obj.kpi.baseline_fy:
            errors["fiscal_year"] = f"年度が方針の期間（{plan.first_fy}～{plan.last_fy}）の外です。"
    if isinstance(obj, TargetRevision):
        plan = obj.kpi.plan
        for name in ("effective_fy", "target_fy"):
            if getattr(obj, name) not in plan.fiscal_years:
                errors[name] = f"年度が方針の期間（{plan.first_fy}～{plan.last_fy}）の外です。"
    return errors


def import_plan(
    content: bytes, filename: str, *, dry_run: bool = False, progress: Progress | None = None
) -> Report:
    """Check a plan fixture and load it in one transaction, or load nothing if any check fails."""
    records = read_records(content, filename)
    report = Report(records=len(records))
    seen: dict[tuple[str, str], int] = {}
    kept_values: set[tuple] = set()
    history: list[tuple[int, dict]] = []
    with transaction.atomic():
        _ensure_users(records, report)
        for i, record in enumerate(records, start=1):
            if progress:
                progress(i, len(records))
            label = str(record["model"]).lower()
            if label == HISTORY_MODEL:
                history.append((i, record))
                continue
            model = MODEL_LABELS[label]
            name = model._meta.verbose_name
            obj = None
            try:
                with transaction.atomic():
                    item = next(serializers.deserialize("python", [record]))
                    obj = item.object
                    key = _key_text(obj)
                    if (label, key) in seen:
                        report.problems.append(
                            Problem(
                                i,
                                label,
                                key,
                                "",
                                f"{seen[(label, key)]}件目と重複しています（同じキー）。",
                            )
                        )
                        continue
                    seen[(label, key)] = i
                    existing = model.objects.filter(pk=obj.pk).first() if obj.pk else None
                    if isinstance(obj, KpiValue) and existing is not None:
                        report.kept[name] += 1
                        kept_values.add(tuple(obj.natural_key()))
                        continue
                    if existing is not None:
                        obj._state.adding = False  # an update: its own key is not a duplicate
                    obj.full_clean()
                    years = _check_years(obj)
                    if years:
                        raise ValidationError(years)
                    if existing is None:
                        item.save()
                        report.created[name] += 1
                    elif _same(existing, obj):
                        report.unchanged[name] += 1
                    else:
                        item.save()
                        report.updated[name] += 1
            except ValidationError as err:
                report.problems += _validation_problems(i, label, _key_text(obj), err)
            except (DeserializationError, FieldDoesNotExist, ObjectDoesNotExist) as err:
                report.problems.append(Problem(i, label, "", "", _deserialization_message(err)))
            except IntegrityError as err:
                report.problems.append(
                    Problem(i, label, "", "", f"データベースの制約に反します: {err}")
                )
        for i, record in history:
            _load_history(i, record, report, kept_values)
        if report.problems or dry_run:
            transaction.set_rollback(True)
        else:
            report.applied = True
    return report


def _deserialization_message(err: Exception) -> str:
    text = str(err)
    if "has no field named" in text or isinstance(err, FieldDoesNotExist):
        return f"知らない項目名があります: {text}"
    if "matching query does not exist" in text or isinstance(err, ObjectDoesNotExist):
        return f"参照先が見つかりません（先に定義されていないか、キーが違います）: {text}"
    return f"値を読み取れません: {text}"


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
    User = get_user_model()
    try:
        user = fields.pop("history_user", None)
        entered_by = fields.pop("entered_by", None)
        KpiValue.history.model.objects.create(
            id=value.id,
            kpi_id=value.kpi_id,
            history_user=User.objects.get(username=user[0]) if user else None,
            entered_by=User.objects.get(username=entered_by[0]) if entered_by else None,
            **fields,
        )
    except (TypeError, ValueError, ValidationError, IntegrityError, ObjectDoesNotExist) as err:
        report.problems.append(Problem(i, HISTORY_MODEL, "", "", f"履歴を読み取れません: {err}"))
        return
    report.created["実績値の履歴"] += 1


HISTORY_FIELDS = [
    "fiscal_year",
    "value",
    "status",
    "note",
    "source",
    "is_sample",
    "entered_at",
    "version",
    "history_date",
    "history_type",
    "history_change_reason",
]


def _natural(user) -> list[str] | None:
    return [user.get_username()] if user else None


def export_plan(slug: str, *, with_values: bool = False) -> str:
    """The plan as a YAML fixture that import_plan reads back to the same content."""
    plan = Plan.objects.get(slug=slug)
    kpis = Kpi.objects.filter(plan=plan).order_by(
        models.F("parent").asc(nulls_first=True), "pillar__number", "order", "code"
    )
    querysets = [
        Unit.objects.filter(kpi__plan=plan).distinct().order_by("code"),
        Department.objects.filter(kpis__plan=plan).distinct().order_by("code"),
        Plan.objects.filter(pk=plan.pk),
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
    ]
    if with_values:
        querysets.append(
            KpiValue.objects.filter(kpi__plan=plan)
            .select_related("kpi", "entered_by")
            .order_by("kpi__code", "fiscal_year")
        )
    records = []
    for qs in querysets:
        records += serializers.serialize(
            "python", qs, use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
    if with_values:
        history = (
            KpiValue.history.filter(kpi__plan=plan)
            .select_related("kpi", "history_user", "entered_by")
            .order_by("kpi__code", "fiscal_year", "history_date", "history_id")
        )
        for h in history:
            fields = {"kpi": [plan.slug, h.kpi.code]}
            fields.update({f: getattr(h, f) for f in HISTORY_FIELDS})
            fields["entered_by"] = _natural(h.entered_by)
            fields["history_user"] = _natural(h.history_user)
            records.append({"model": HISTORY_MODEL, "fields": fields})
    for record in records:
        record.pop("pk", None)
    body = yaml.dump(
        records, Dumper=DjangoSafeDumper, allow_unicode=True, sort_keys=False, width=1000
    )
    return HEADER + body
