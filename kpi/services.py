"""Writes of yearly values and targets: validated, permission-checked, versioned, recorded.

Every write goes through here, so that the entry form, a spreadsheet upload and the admin all
keep the same rules: one value per KPI and year, no silent overwrite of a colleague's change
(optimistic locking on `version`), final values locked for editors, a history row per change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from smartdocho import etags

from . import permissions
from .evaluation import value_years
from .models import Kpi, KpiValue, TargetRevision, ValueStatus

NOT_ALLOWED = gettext_noop("この成果指標の実績値を入力する権限がありません。")
FINAL_LOCKED = gettext_noop(
    "確定値は変更できません。変更が必要な場合は管理者に確定の解除を依頼してください。"
)
FINAL_LOCKED_ADMIN = gettext_noop(
    "確定値は変更できません。変更するには、先に「確定の解除」で理由を記入して確定を解除してください。"
)
CANNOT_CLEAR = gettext_noop("入力済みの実績値は空欄にできません。訂正する値を入力してください。")
CONFLICT = gettext_noop(
    "保存できませんでした。この値はあなたが画面を開いた後に {user} さんが {at} に"
    "「{value}」（{status}）へ変更しています。内容を確かめてから、もう一度入力してください。"
)
# A version for a value that is not there: removed since the form was made, or a forged form.
GONE = gettext_noop(
    "保存できませんでした。この値は、あなたが画面を開いた後に削除されたか、まだ保存されていません"
    "（画面の版が合いません）。画面を開き直してから、もう一度入力してください。"
)
REOPEN_NEEDS_REASON = gettext_noop("確定を解除する理由を入力してください。")
REOPEN_ADMIN_ONLY = gettext_noop("確定の解除は管理者だけができます。")
NOT_FINAL = gettext_noop("この値は確定値ではありません。")
OUTSIDE_PLAN = gettext_noop("年度が方針の期間外です。")
DUPLICATE_ROW = gettext_noop("同じ成果指標が2回以上含まれています。1つにまとめてください。")
BUSY = gettext_noop(
    "ほかの方が同時に保存していたため、保存できませんでした。何も保存されていません。"
    "画面を開き直して内容を確かめ、もう一度保存してください。"
)
DUPLICATE_REVISION = gettext_noop("この年度から適用する再設定はすでに登録されています。")


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


def conflict_message(current: KpiValue) -> str:
    """CONFLICT for the value as it is now: who saved it, when, to what (the entry form's and
    the upload's message for a row opened, or templated, before that save)."""
    who = current.entered_by.get_username() if current.entered_by else gettext("不明な利用者")
    at = timezone.localtime(current.entered_at).strftime("%Y-%m-%d %H:%M")
    return gettext(CONFLICT).format(
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
    """Save a year's values for several KPIs, all or nothing. Raises EntryRefused on any error.

    Locks are taken in one order, whatever the order of `rows` (a spreadsheet's is the file's):
    the data-version row, then the existing value rows by primary key in one query, then new
    rows inserted by KPI id. A deadlock or serialization failure the database still reports is
    retried; after RETRIES attempts every row is refused with BUSY (never a 500).
    """
    return _retrying(lambda: _values_save_once(user, fiscal_year, rows), rows=len(rows))


def _values_save_once(user, fiscal_year: int, rows: list[ValueInput]) -> SaveResult:
    result = SaveResult()
    changed: dict[int, str] = {}
    with transaction.atomic():
        etags.lock_data_version()
        current = {
            v.kpi_id: v
            for v in KpiValue.objects.select_for_update(of=("self",))
            .select_related("entered_by", "kpi__unit")
            .filter(kpi__in=[row.kpi.id for row in rows], fiscal_year=fiscal_year)
            .order_by("pk")
        }
        seen: set[int] = set()
        for i in sorted(range(len(rows)), key=lambda i: (rows[i].kpi.id, i)):
            row = rows[i]
            if row.kpi.id in seen:
                result.errors[i] = gettext(DUPLICATE_ROW)
                continue
            seen.add(row.kpi.id)
            message = _save_one(user, fiscal_year, row, current.get(row.kpi.id), changed, i)
            if message:
                result.errors[i] = message
        if result.errors:
            # Raising inside the atomic block rolls back the rows that were fine.
            result.errors = dict(sorted(result.errors.items()))
            raise EntryRefused(result)
    result.changed = [changed[i] for i in sorted(changed)]
    return result


RETRIES = 3
# SQLSTATE classes PostgreSQL uses when it gives up a transaction to break a lock cycle, when a
# serializable transaction loses, or when a lock cannot be had (lock_timeout).
_RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def is_lock_failure(err: BaseException) -> bool:
    """Whether a database error means "another transaction was in the way", worth a retry."""
    if not isinstance(err, OperationalError):
        return False
    cause = err.__cause__
    code = getattr(cause, "pgcode", None)
    if code is None:
        try:
            from psycopg2 import errors as pg
        except ImportError:  # pragma: no cover - psycopg2 is a dependency
            pg = None
        if pg is not None and isinstance(
            cause, (pg.DeadlockDetected, pg.SerializationFailure, pg.LockNotAvailable)
        ):
            return True
    if code in _RETRYABLE_SQLSTATES:
        return True
    # SQLite has one writer at a time and says so when it waited too long.
    return "database is locked" in str(err)


def _retrying(attempt, *, rows: int):
    for n in range(RETRIES):
        try:
            return attempt()
        except OperationalError as err:
            if not is_lock_failure(err):
                raise
            if n == RETRIES - 1 or transaction.get_connection().needs_rollback:
                break
    raise EntryRefused(SaveResult(errors=dict.fromkeys(range(rows), gettext(BUSY))))


def values_check(*, user, fiscal_year: int, rows: list[ValueInput]) -> dict[int, str]:
    """What values_save would refuse, without saving or locking: {row index: message}.

    For a form that has other errors too (the entry page lists every row in error at once,
    GOV.UK's error summary); values_save checks again under its locks when the form is sent.
    """
    current = {
        v.kpi_id: v
        for v in KpiValue.objects.select_related("entered_by", "kpi__unit").filter(
            kpi__in=[row.kpi.id for row in rows], fiscal_year=fiscal_year
        )
    }
    errors: dict[int, str] = {}
    seen: set[int] = set()
    for i, row in enumerate(rows):
        if row.kpi.id in seen:
            errors[i] = gettext(DUPLICATE_ROW)
            continue
        seen.add(row.kpi.id)
        message = _refusal(user, fiscal_year, row, current.get(row.kpi.id))
        if message:
            errors[i] = message
    return errors


def _refusal(user, fiscal_year: int, row: ValueInput, current: KpiValue | None) -> str | None:
    """Why `row` may not be saved over `current` (the value as it is, or None), or None."""
    kpi = row.kpi
    if not permissions.can_enter(user, kpi):
        return gettext(NOT_ALLOWED)
    if fiscal_year not in value_years(kpi.plan):
        return gettext(OUTSIDE_PLAN)
    if current is None:
        # A version for a value that is not there: it existed when the form was opened and
        # someone removed it since.
        return gettext(GONE) if row.version != 0 else None
    if current.version != row.version:
        return conflict_message(current)
    if row.value is None:
        return gettext(CANNOT_CLEAR)
    if _differs(current, row) and current.status == ValueStatus.FINAL:
        # Admins too: a final value changes only after it is reopened with a reason (reopen),
        # so that every change of a published-grade number says why in its history.
        return (
            gettext(FINAL_LOCKED_ADMIN)
            if permissions.is_admin(user, current.kpi)
            else gettext(FINAL_LOCKED)
        )
    return None


def _save_one(
    user, fiscal_year: int, row: ValueInput, current, changed: dict[int, str], index: int
) -> str | None:
    kpi = row.kpi
    refusal = _refusal(user, fiscal_year, row, current)
    if refusal:
        return refusal
    if current is None:
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
            return conflict_message(current)
        changed[index] = gettext("%(code)s %(name)s: 新規 %(value)s") % {
            "code": kpi.code,
            "name": kpi.name,
            "value": kpi.unit.format(row.value),
        }
        return None
    if not _differs(current, row):
        return None
    old = current.kpi.unit.format(current.value)
    current.value = row.value
    current.status = row.status
    current.note = row.note
    # A sample value's source names it as a sample (サンプル（架空の値）); staff's own value
    # replacing it keeps that only if they wrote it again themselves, i.e. changed nothing.
    sample_source = current.is_sample and row.source == current.source
    current.source = "" if sample_source else row.source
    current.is_sample = False
    current.entered_by = user
    current.entered_at = timezone.now()
    current.version += 1
    current.full_clean()
    current._change_reason = "訂正"
    current.save()
    changed[index] = (
        f"{kpi.code} {kpi.name}: {old} → {kpi.unit.format(row.value)}"
        f"（{current.get_status_display()}）"
    )
    return None


def value_reopen(*, user, value: KpiValue, reason: str, version: int) -> KpiValue:
    """An admin turns a final value back to preliminary, with the reason recorded.

    Raises PermissionError for a non-admin, ValueError (its message for the page) for an empty
    reason, a stale version, a value that is not final, or another session in the way.
    """
    if not permissions.is_admin(user, value.kpi):
        raise PermissionError(gettext(REOPEN_ADMIN_ONLY))
    if not reason.strip():
        raise ValueError(gettext(REOPEN_NEEDS_REASON))

    def once() -> KpiValue:
        with transaction.atomic():
            etags.lock_data_version()  # the one lock order: see values_save
            current = (
                KpiValue.objects.select_for_update(of=("self",))
                .select_related("entered_by", "kpi__unit")
                .get(pk=value.pk)
            )
            if current.version != version:
                raise ValueError(conflict_message(current))
            if current.status != ValueStatus.FINAL:
                raise ValueError(gettext(NOT_FINAL))
            current.status = ValueStatus.PRELIMINARY
            current.version += 1
            current.entered_by = user
            current.entered_at = timezone.now()
            current._change_reason = f"確定の解除: {reason.strip()}"
            current.save()
        return current

    try:
        return _retrying(once, rows=1)
    except EntryRefused:
        raise ValueError(gettext(BUSY)) from None


def target_revision_record(*, user, revision: TargetRevision) -> TargetRevision:
    """Record a revised target; the KPI's original target stays as written.

    Raises PermissionError for a non-admin, ValidationError for an invalid revision, and
    ValueError(DUPLICATE_REVISION or BUSY) when the KPI already has a revision from that year
    (also when another session recorded one a moment ago) or another session was in the way.
    """
    if not permissions.is_admin(user, revision.kpi):
        raise PermissionError("目標の再設定は管理者だけができます。")

    def once() -> TargetRevision:
        with transaction.atomic():
            etags.lock_data_version()  # serialises revisions of one KPI-year, too
            if TargetRevision.objects.filter(
                kpi_id=revision.kpi_id, effective_fy=revision.effective_fy
            ).exists():
                raise ValueError(gettext(DUPLICATE_REVISION))
            revision.full_clean()
            revision._change_reason = revision.reason
            try:
                with transaction.atomic():
                    revision.save()
            except IntegrityError:
                raise ValueError(gettext(DUPLICATE_REVISION)) from None
        return revision

    try:
        return _retrying(once, rows=1)
    except EntryRefused:
        raise ValueError(gettext(BUSY)) from None
