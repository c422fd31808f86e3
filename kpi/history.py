"""Who changed what and when: the audit trail of yearly values and targets (simple-history)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from smartdocho.display import fy_text, is_fiscal_year_field

from .models import Kpi, KpiValue, TargetRevision

VALUE_FIELDS = {
    "value": gettext_lazy("実績値"),
    "status": gettext_lazy("区分"),
    "note": gettext_lazy("備考"),
    "source": gettext_lazy("出典"),
}
KPI_FIELDS = {
    "target_fy": gettext_lazy("目標年度"),
    "target_kind": gettext_lazy("目標の種類"),
    "target_value": gettext_lazy("目標値"),
    "target_text": gettext_lazy("目標（原文）"),
    "target_condition": gettext_lazy("目標の条件"),
    "target_condition_fy": gettext_lazy("条件が満たされる年度"),
    "baseline_value": gettext_lazy("基準値"),
    "baseline_fy": gettext_lazy("基準年度"),
    "is_provisional": gettext_lazy("暫定の指標"),
}
REVISION_FIELDS = {
    "kind": gettext_lazy("目標の種類"),
    "value": gettext_lazy("目標値"),
    "target_fy": gettext_lazy("目標年度"),
    "reason": gettext_lazy("理由"),
}
# The reasons the application itself records (kpi/services.py, the plan and demo loaders), as
# stored (in Japanese): shown in the reader's language. A reason a person wrote is shown as is.
SYSTEM_REASONS = frozenset(
    {
        gettext_noop("新規入力"),
        gettext_noop("訂正"),
        gettext_noop("方針ファイルの読み込み"),
        gettext_noop("方針の読み込み"),
        gettext_noop("サンプル値の読み込み"),
        gettext_noop("サンプル方針の読み込み"),
        gettext_noop("サンプルの記入例を作成"),
    }
)
REOPENED = gettext_noop("確定の解除")  # stored as "確定の解除: <the admin's reason>"
# Amounts shown in the KPI's unit, with its decimals and separators.
AMOUNT_FIELDS = {"value", "target_value", "baseline_value"}


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str
    what: str  # "R6（2024年度）の実績値", "目標", …
    kind: str  # 登録 / 変更 / 削除
    # (field label, old, new, whether the values are people's free text, shown as written)
    details: list[tuple[str, str, str, bool]]
    note: str
    note_is_ours: bool = False  # the note is the application's words, in the reader's language
    none: str = ""  # how "nothing" reads (the application's word, never marked as people's)


def _note(stored: str) -> tuple[str, bool]:
    """(the reason as shown, whether it is the application's words rather than a person's)."""
    if stored in SYSTEM_REASONS:
        return gettext(stored), True
    head, sep, rest = stored.partition(": ")
    if sep and head == REOPENED:
        return f"{gettext(REOPENED)}: {rest}", False
    return stored, False


def _who(record) -> str:
    return record.history_user.get_username() if record.history_user else gettext("（システム）")


def readable(field: models.Field, value, unit=None) -> str:
    """A stored value as people read it: はい/いいえ for booleans, a choice's label, "（なし）"
    for nothing, amounts in the KPI's unit, fiscal years as "R6（2024年度）".

    `field` is the model field (of the model or its historical twin), `unit` a kpi.Unit.
    """
    if value is None or value == "":
        return gettext("（なし）")
    if isinstance(field, models.BooleanField):
        return gettext("はい") if value else gettext("いいえ")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if unit is not None and field.name in AMOUNT_FIELDS:
        return unit.format(value)
    if is_fiscal_year_field(field.name):
        return fy_text(value)
    return str(value)


def _changes(records, fields: dict[str, str], what, unit) -> list[Change]:
    """Changes of one model's history records, oldest first in, one Change per record.

    The first record of an object is its registration (登録), whatever simple-history called
    it: objects loaded from a fixture have no "+" record, and their first edit is the first
    state we know, not a change from nothing.
    """

    def text(record, f) -> str:
        return readable(record._meta.get_field(f), getattr(record, f), unit)

    def free(record, f) -> bool:
        field = record._meta.get_field(f)
        return isinstance(field, (models.CharField, models.TextField)) and not field.choices

    previous: dict[int, object] = {}
    changes = []
    for record in records:  # oldest first
        before = previous.get(record.id)
        if record.history_type == "-":
            details = []
            kind = gettext("削除")
        elif before is None:
            details = [
                (str(label), "", text(record, f), free(record, f))
                for f, label in fields.items()
                if getattr(record, f) not in (None, "")
            ]
            kind = gettext("登録")
        else:
            details = [
                (str(label), text(before, f), text(record, f), free(record, f))
                for f, label in fields.items()
                if getattr(before, f) != getattr(record, f)
            ]
            kind = gettext("変更")
            if not details and not record.history_change_reason:
                previous[record.id] = record
                continue
        note, note_is_ours = _note(record.history_change_reason or "")
        changes.append(
            Change(
                when=record.history_date,
                who=_who(record),
                what=what(record),
                kind=kind,
                details=details,
                note=note,
                note_is_ours=note_is_ours,
                none=gettext("（なし）"),
            )
        )
        previous[record.id] = record
    return changes


def kpi_changes(kpi: Kpi) -> list[Change]:
    """Every recorded change to the KPI's values, target and revisions, newest first."""
    values = (
        KpiValue.history.filter(kpi_id=kpi.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    target = (
        Kpi.history.filter(id=kpi.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    revisions = (
        TargetRevision.history.filter(kpi_id=kpi.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    unit = kpi.unit
    changes = _changes(
        values,
        VALUE_FIELDS,
        lambda r: gettext("%(fy)sの実績値") % {"fy": fy_text(r.fiscal_year)},
        unit,
    )
    changes += _changes(target, KPI_FIELDS, lambda r: gettext("基準値・目標"), unit)
    changes += _changes(
        revisions,
        REVISION_FIELDS,
        lambda r: gettext("目標の再設定（%(fy)sから）") % {"fy": fy_text(r.effective_fy)},
        unit,
    )
    return sorted(changes, key=lambda c: c.when, reverse=True)


def values_as_of(kpi: Kpi, moment: dt.datetime) -> list:
    """The KPI's values as they stood at a moment in the past."""
    return list(KpiValue.history.as_of(moment).filter(kpi_id=kpi.id).order_by("fiscal_year"))


def parse_moment(raw: str) -> dt.datetime:
    """ "2025-06-30" → the end of that day, local time."""
    day = dt.date.fromisoformat(raw)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))
