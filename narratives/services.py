"""Writes of initiative progress and KPI commentary: validated, permitted, versioned, recorded.

Every write goes through here (forms, the demo loader's callers, tests), so that each one
keeps the same rules: the review table of narratives/review.py, the permissions of
narratives/permissions.py, optimistic locking on `version` with the same message style as the
yearly values (kpi/services.py), and one history row per step with who did it and why.

Errors are raised as `Refused` (400), `NotAllowed` (403) or `Conflict` (409); nothing is written
when one is raised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from initiatives.models import InitiativeItem
from kpi.evaluation import value_years
from kpi.models import Kpi
from kpi.services import OUTSIDE_PLAN
from smartdocho.etags import lock_data_version

from . import permissions, review
from .models import InitiativeProgress, KpiCommentary, Reviewed, scale_for

NOT_ALLOWED_ITEM = gettext_noop(
    "この取組項目の進捗を入力する権限がありません（担当課の入力担当者と管理者が入力します）。"
)
NOT_ALLOWED_KPI = gettext_noop(
    "この成果指標の説明を入力する権限がありません（所管課の入力担当者と管理者が入力します）。"
)
NOT_ALLOWED_REVIEW = gettext_noop("承認・差し戻しができるのは、担当課の承認者と管理者です。")
OWN_SUBMISSION = gettext_noop(
    "自分が提出した内容は承認・差し戻しできません。別の承認者か管理者に依頼してください。"
)
RETURN_NEEDS_COMMENT = gettext_noop("差し戻す理由（コメント）を入力してください。")
LOCKED_WHILE_SUBMITTED = gettext_noop(
    "提出済みの内容は変更できません。変更するには提出を取り下げるか、差し戻しを待ってください。"
)
NOT_POSSIBLE = gettext_noop(
    "この操作は現在の状態（{state}）ではできません。ページを開き直してください。"
)
UNKNOWN_ACTION = gettext_noop("操作の指定が正しくありません。ページを開き直してください。")
INCOMPLETE_PROGRESS = gettext_noop("提出するには、取組実績と進捗の評価を入力してください。")
INCOMPLETE_COMMENTARY = gettext_noop("提出するには、要因分析を入力してください。")
UNKNOWN_RATING = gettext_noop("進捗の評価は、方針で定めた段階（{keys}）から選んでください。")
UNKNOWN_ACTION_ORDER = gettext_noop(
    "取組内容の指定が正しくありません。ページを開き直してください。"
)
CONFLICT = gettext_noop(
    "保存できませんでした。この内容はあなたが画面を開いた後に {user} さんが {at} に"
    "変更しています（現在の状態：{state}）。内容を確かめてから、もう一度操作してください。"
)
GONE = gettext_noop(
    "保存できませんでした。この内容は、あなたが画面を開いた後に削除されたか、まだ保存されていません"
    "（画面の版が合いません）。画面を開き直してから、もう一度操作してください。"
)


class Refused(Exception):
    """A write refused with a message for the person who tried it; `fields` names the form
    fields it is about (an incomplete submission's missing ones), so the page can mark them."""

    status = 400

    def __init__(self, message: str, fields: tuple[str, ...] = ()):
        # The message constants below are marked for makemessages; shown in the reader's
        # language (a message already formatted was translated before it was formatted).
        message = gettext(message)
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotAllowed(Refused):
    status = 403


class Conflict(Refused):
    status = 409


@dataclass(frozen=True)
class ProgressInput:
    done: str = ""
    results: str = ""
    issues: str = ""
    next_steps: str = ""
    rating: str = ""  # a key of the plan's scale, or "" while not judged
    budget: int | None = None  # 千円
    settled: int | None = None  # 千円
    actions_carried_out: tuple[int, ...] = ()  # Action.order values


@dataclass(frozen=True)
class CommentaryInput:
    reason: str = ""
    next_actions: str = ""


def _conflict_message(current: Reviewed) -> str:
    who = current.updated_by.get_username() if current.updated_by else "不明な利用者"
    at = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
    return gettext(CONFLICT).format(user=who, at=at, state=current.get_state_display())


def _validation_message(err: ValidationError) -> str:
    if hasattr(err, "message_dict"):
        return " ".join(m for messages in err.message_dict.values() for m in messages)
    return " ".join(err.messages)


def _save(entry: Reviewed, user, reason: str) -> None:
    try:
        entry.full_clean()
    except ValidationError as err:
        raise Refused(_validation_message(err)) from None
    # simple-history keeps at most 100 characters of a reason; the full comment is on the row.
    entry._change_reason = reason[:100]
    entry._history_user = user
    entry.save()


def _locked_for_update(model, **key):
    # The project's one lock order (smartdocho/etags.py): the data-version row first.
    lock_data_version()
    return model.objects.select_for_update(of=("self",)).select_related("updated_by").filter(**key)


def _write(
    *, model, key: dict, user, fields: dict, version: int, submit: bool, missing_for_submission
) -> Reviewed:
    """Save (and with `submit`, submit) the entry for `key`, creating it at version 1.
    `missing_for_submission(entry)` names the fields a submission still needs (none: complete)."""
    action = review.SUBMIT if submit else review.SAVE
    with transaction.atomic():
        current = _locked_for_update(model, **key).first()
        if current is None:
            if version != 0:
                # It existed when the form was opened and someone removed it since.
                raise Conflict(GONE)
            entry = model(**key)
        else:
            if current.version != version:
                raise Conflict(_conflict_message(current))
            entry = current
        try:
            step = review.transition(entry.state, action)
        except review.TransitionError:
            if entry.state == review.SUBMITTED:
                raise Refused(LOCKED_WHILE_SUBMITTED) from None
            raise Refused(gettext(NOT_POSSIBLE).format(state=entry.get_state_display())) from None
        for name, value in fields.items():
            setattr(entry, name, value)
        if submit and (missing := missing_for_submission(entry)):
            raise Refused(
                INCOMPLETE_PROGRESS if model is InitiativeProgress else INCOMPLETE_COMMENTARY,
                fields=missing,
            )
        now = timezone.now()
        entry.state = step.target
        entry.version = current.version + 1 if current else 1
        entry.updated_by, entry.updated_at = user, now
        entry.is_sample = False
        if submit:
            entry.submitted_by, entry.submitted_at = user, now
        try:
            with transaction.atomic():
                _save(
                    entry,
                    user,
                    step.change_reason if current else f"新規作成（{step.change_reason}）",
                )
        except IntegrityError:
            # Another session created the same entry a moment ago.
            raise Conflict(
                _conflict_message(model.objects.select_related("updated_by").get(**key))
            ) from None
    return entry


def progress_save(
    *,
    user,
    item: InitiativeItem,
    fiscal_year: int,
    data: ProgressInput,
    version: int,
    submit: bool = False,
) -> InitiativeProgress:
    """Save an item's progress for a fiscal year (a draft), or save and submit it.

    `version` is the version the form showed (0: there was no entry). Raises NotAllowed unless
    the user writes for the item (permissions.can_write_item), Conflict on a stale version,
    Refused on an unknown rating or action, a fiscal year outside the plan, invalid text or
    amounts, an incomplete submission, or an entry under review.
    """
    links = list(item.department_links.all())
    if not permissions.can_write_item(user, item, links):
        raise NotAllowed(NOT_ALLOWED_ITEM)
    plan = item.pillar.plan
    if fiscal_year not in plan.fiscal_years:
        raise Refused(OUTSIDE_PLAN)
    scale = scale_for(plan)
    if data.rating and data.rating not in {r.key for r in scale}:
        raise Refused(gettext(UNKNOWN_RATING).format(keys="・".join(r.key for r in scale)))
    orders = set(item.actions.values_list("order", flat=True))
    if not set(data.actions_carried_out) <= orders:
        raise Refused(UNKNOWN_ACTION_ORDER)
    fields = asdict(data)
    fields["actions_carried_out"] = sorted(set(data.actions_carried_out))
    return _write(
        model=InitiativeProgress,
        key={"item": item, "fiscal_year": fiscal_year},
        user=user,
        fields=fields,
        version=version,
        submit=submit,
        missing_for_submission=lambda e: tuple(
            name for name, given in (("done", e.done.strip()), ("rating", e.rating)) if not given
        ),
    )


def commentary_save(
    *,
    user,
    kpi: Kpi,
    fiscal_year: int,
    data: CommentaryInput,
    version: int,
    submit: bool = False,
) -> KpiCommentary:
    """Save a KPI's commentary for a fiscal year (a draft), or save and submit it.

    Same rules and errors as progress_save; writers are those of permissions.can_write_kpi.
    """
    if not permissions.can_write_kpi(user, kpi):
        raise NotAllowed(NOT_ALLOWED_KPI)
    if fiscal_year not in value_years(kpi.plan):
        raise Refused(OUTSIDE_PLAN)
    return _write(
        model=KpiCommentary,
        key={"kpi": kpi, "fiscal_year": fiscal_year},
        user=user,
        fields=asdict(data),
        version=version,
        submit=submit,
        missing_for_submission=lambda e: () if e.reason.strip() else ("reason",),
    )


def _may_write(user, entry: Reviewed) -> bool:
    if isinstance(entry, InitiativeProgress):
        return permissions.can_write_item(user, entry.item, list(entry.item.department_links.all()))
    return permissions.can_write_kpi(user, entry.kpi)


def _may_review(user, entry: Reviewed) -> bool:
    if isinstance(entry, InitiativeProgress):
        return permissions.can_review_item(
            user, entry.item, list(entry.item.department_links.all())
        )
    return permissions.can_review_kpi(user, entry.kpi)


def entry_act(*, user, entry: Reviewed, action: str, version: int, comment: str = "") -> Reviewed:
    """Approve, return (with a comment, required) or withdraw a submitted entry.

    Approve and return are for reviewers (permissions.can_review_*), never on one's own
    submission unless an admin; withdraw is for writers. A return keeps the comment on the
    entry, which goes back to draft. Raises NotAllowed, Conflict or Refused as above.
    """
    if action not in (review.APPROVE, review.RETURN, review.WITHDRAW):
        raise Refused(UNKNOWN_ACTION)
    model = type(entry)
    with transaction.atomic():
        current = _locked_for_update(model, pk=entry.pk).first()
        if current is None:
            raise Conflict(GONE)
        if action in (review.APPROVE, review.RETURN):
            if not _may_review(user, current):
                raise NotAllowed(NOT_ALLOWED_REVIEW)
            if permissions.reviews_own_submission(user, current):
                raise NotAllowed(OWN_SUBMISSION)
        elif not _may_write(user, current):
            raise NotAllowed(NOT_ALLOWED_ITEM if model is InitiativeProgress else NOT_ALLOWED_KPI)
        if current.version != version:
            raise Conflict(_conflict_message(current))
        try:
            step = review.transition(current.state, action)
        except review.TransitionError:
            raise Refused(gettext(NOT_POSSIBLE).format(state=current.get_state_display())) from None
        comment = (comment or "").strip()
        if action == review.RETURN and not comment:
            raise Refused(RETURN_NEEDS_COMMENT, fields=("comment",))
        now = timezone.now()
        reason = step.change_reason
        if action in (review.APPROVE, review.RETURN):
            current.review_comment = comment
            current.reviewed_by, current.reviewed_at = user, now
            if comment:
                reason = f"{reason}: {comment}"
        current.state = step.target
        current.version += 1
        current.updated_by, current.updated_at = user, now
        _save(current, user, reason)
    return current
