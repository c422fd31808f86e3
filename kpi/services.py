"""Writes of yearly values and targets: validated, permission-checked, versioned, recorded.

Every write goes through here, so that the entry form, a spreadsheet upload and the admin all
keep the same rules: one value per KPI and year, no silent overwrite of a colleague's change
(optimistic locking on `version`), final values locked for editors, a history row per change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import permissions
from .models import Kpi, KpiValue, TargetRevision, ValueStatus

NOT_ALLOWED = "この成果指標の実績値を入力する権限がありません。"
FINAL_LOCKED = "確定値は変更できません。変更が必要な場合は管理者に確定の解除を依頼してください。"
CANNOT_CLEAR = "入力済みの実績値は空欄にできません。訂正する値を入力してください。"
CONFLICT = (
    "保存できませんでした。この値はあなたが画面を開いた後に {user} さんが {at} に"
    "「{value}」（{status}）へ変更しています。内容を確かめてから、もう一度入力してください。"
)
REOPEN_NEEDS_REASON = "確定を解除する理由を入力してください。"
REOPEN_ADMIN_ONLY = "確定の解除は管理者だけができます。"
NOT_FINAL = "この値は確定値ではありません。"
OUTSIDE_PLAN = "年度が方針の期間外です。"


@dataclass(frozen=True)
class ValueInput:
    kpi: Kpi
    value: Decimal | None  # None: the row was left empty
    status: str
    note: str = ""
    source: str = ""
    version: int = 0  # the version the editor saw; 0 when there was no value


@dataclass
class SaveResult:
    changed: list[str] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # row index → message

    @property
    def ok(self) -> bool:
        return not self.errors


class EntryRefused(Exception):
    def __init__(self, result: SaveResult):
        super().__init__("entry refused")
        self.result = result


def _conflict_message(current: KpiValue) -> str:
    who = current.entered_by.get_username() if current.entered_by else "不明な利用者"
    at = timezone.localtime(current.entered_at).strftime("%Y-%m-%d %H:%M")
    return CONFLICT.format(
        user=who,
        at=at,
        value=current.kpi.unit.format(current.value),
        status=current.get_status_display(),
    )


def _differs(current: KpiValue, row: ValueInput) -> bool:
    return (
        current.value != row.value
        or current.status != row.status
        or current.note != row.note
        or current.source != row.source
    )


def values_save(*, user, fiscal_year: int, rows: list[ValueInput]) -> SaveResult:
    """Save a year's values for several KPIs, all or nothing. Raises EntryRefused on any error."""
    result = SaveResult()
    with transaction.atomic():
        for i, row in enumerate(rows):
            message = _save_one(user, fiscal_year, row, result)
            if message:
                result.errors[i] = message
        if result.errors:
            # Raising inside the atomic block rolls back the rows that were fine.
            raise EntryRefused(result)
    return result


def _save_one(user, fiscal_year: int, row: ValueInput, result: SaveResult) -> str | None:
    kpi = row.kpi
    if not permissions.can_enter(user, kpi):
        return NOT_ALLOWED
    if fiscal_year not in kpi.plan.fiscal_years:
        return OUTSIDE_PLAN
    current = (
        KpiValue.objects.select_for_update(of=("self",))
        .select_related("entered_by", "kpi__unit")
        .filter(kpi=kpi, fiscal_year=fiscal_year)
        .first()
    )
    if current is None:
        if row.version != 0:
            # It existed when the form was opened and someone removed it since.
            return CONFLICT.format(user="他の利用者", at="", value="（削除）", status="")
        if row.value is None:
            return None
        try:
            with transaction.atomic():
                created = KpiValue(
                    kpi=kpi,
                    fiscal_year=fiscal_year,
                    value=row.value,
                    status=row.status,
                    note=row.note,
                    source=row.source,
                    entered_by=user,
                    entered_at=timezone.now(),
                    version=1,
                )
                created.full_clean()
                created._change_reason = "新規入力"
                created.save()
        except IntegrityError:
            # Another session created the same KPI-year value a moment ago.
            current = KpiValue.objects.select_related("entered_by", "kpi__unit").get(
                kpi=kpi, fiscal_year=fiscal_year
            )
            return _conflict_message(current)
        result.changed.append(f"{kpi.code} {kpi.name}: 新規 {kpi.unit.format(row.value)}")
        return None

    if current.version != row.version:
        return _conflict_message(current)
    if row.value is None:
        return CANNOT_CLEAR
    if not _differs(current, row):
        return None
    if current.status == ValueStatus.FINAL and not permissions.is_admin(user):
        return FINAL_LOCKED
    old = current.kpi.unit.format(current.value)
    current.value = row.value
    current.status = row.status
    current.note = row.note
    current.source = row.source
    current.is_sample = False
    current.entered_by = user
    current.entered_at = timezone.now()
    current.version += 1
    current.full_clean()
    current._change_reason = "訂正"
    current.save()
    result.changed.append(
        f"{kpi.code} {kpi.name}: {old} → {kpi.unit.format(row.value)}"
        f"（{current.get_status_display()}）"
    )
    return None


def value_reopen(*, user, value: KpiValue, reason: str, version: int) -> KpiValue:
    """An admin turns a final value back to preliminary, with the reason recorded."""
    if not permissions.is_admin(user):
        raise PermissionError(REOPEN_ADMIN_ONLY)
    if not reason.strip():
        raise ValueError(REOPEN_NEEDS_REASON)
    with transaction.atomic():
        current = (
            KpiValue.objects.select_for_update(of=("self",))
            .select_related("entered_by", "kpi__unit")
            .get(pk=value.pk)
        )
        if current.version != version:
            raise ValueError(_conflict_message(current))
        if current.status != ValueStatus.FINAL:
            raise ValueError(NOT_FINAL)
        current.status = ValueStatus.PRELIMINARY
        current.version += 1
        current.entered_by = user
        current.entered_at = timezone.now()
        current._change_reason = f"確定の解除: {reason.strip()}"
        current.save()
    return current


def target_revision_record(*, user, revision: TargetRevision) -> TargetRevision:
    """Record a revised target; the KPI's original target stays as written."""
    if not permissions.is_admin(user):
        raise PermissionError("目標の再設定は管理者だけができます。")
    revision.full_clean()
    revision._change_reason = revision.reason
    revision.save()
    return revision
