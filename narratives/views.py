"""Pages of initiative progress and KPI commentary: the item page, the two forms, the board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from initiatives.models import InitiativeItem, Plan
from kpi.evaluation import AsOfError, assess, resolve_as_of
from kpi.figures import kpi_block
from kpi.models import Kpi, KpiValue
from kpi.permissions import sees_preliminary
from smartdocho.display import fy_text
from smartdocho.etags import public_page
from smartdocho.fiscal import FiscalYearError, parse_fy
from smartdocho.views import bad_request

from . import permissions, reads, review, services
from .forms import ActForm, CommentaryForm, ProgressForm
from .models import InitiativeProgress, ItemDepartment, KpiCommentary, scale_for

FORBIDDEN = gettext_lazy(
    "取組の進捗と成果指標の説明を扱えるのは、所属が登録された入力担当者・承認者と管理者です。"
)
INVALID = gettext_lazy(
    "入力に誤りがあります。各欄の説明を確かめてください。何も保存されていません。"
)


def _plan(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.with_nav(), slug=slug)


def _fiscal_year(plan: Plan, fy: str) -> int:
    try:
        fiscal_year = parse_fy(fy)
    except FiscalYearError:
        raise Http404(_("年度を読み取れません。")) from None
    if fiscal_year not in plan.fiscal_years:
        raise Http404(_("方針の期間外の年度です。"))
    return fiscal_year


def _item(plan: Plan, number: int, item_number: int) -> InitiativeItem:
    return get_object_or_404(
        InitiativeItem.objects.select_related("pillar__plan").prefetch_related(
            "actions",
            Prefetch(
                "department_links", queryset=ItemDepartment.objects.select_related("department")
            ),
            "kpi_links",
        ),
        pillar__plan=plan,
        pillar__number=number,
        number=item_number,
    )


def _item_kpis(item: InitiativeItem) -> tuple[list[Kpi], list[Kpi], bool]:
    """(KPIs to assess, KPIs to show, whether they are the item's own): three queries.

    An item's own KPIs are those linked to it and those the plan lists under it; an item
    without any shows its pillar's (some plans tie KPIs to pillars only).
    """
    ids = {link.kpi_id for link in item.kpi_links.all()}
    # One query: the pillar's KPIs and any linked from elsewhere; the item's own are those
    # linked to it and those the plan lists under it (Kpi.item, issue 12).
    kpis = list(
        Kpi.objects.for_display().filter(
            Q(pillar=item.pillar) | Q(id__in=ids) | Q(parent_id__in=ids)
        )
    )
    own_ids = {k.id for k in kpis if k.id in ids or k.item_id == item.id}
    if own_ids:
        own = [k for k in kpis if k.id in own_ids or k.parent_id in own_ids]
        return own, [k for k in own if k.id in own_ids], True
    return kpis, [k for k in kpis if not k.parent_id], False


@require_safe
@public_page(per_reader=True)  # the review panel depends on who submitted what
def item_detail(request: HttpRequest, slug: str, number: int, item_number: int) -> HttpResponse:
    """取組項目: actions, departments, related KPIs with charts, progress by year."""
    plan = _plan(slug)
    item = _item(plan, number, item_number)
    user = request.user
    drafts = permissions.sees_drafts(user, plan)
    scale = scale_for(plan)
    progress = reads.progress_by_year([item], scale, drafts=drafts)
    kpis, shown, own_kpis = _item_kpis(item)
    try:
        as_of = resolve_as_of(plan, request.GET.get("as_of"))
    except AsOfError as err:
        return bad_request(request, str(err))
    assessments = assess(kpis, plan, as_of, final_only=not sees_preliminary(user, plan))
    commentary = reads.commentary_by_year(shown, drafts=drafts)
    links = list(item.department_links.all())
    years = [
        (fy, progress.get((item.id, fy)))
        for fy in plan.fiscal_years
        if drafts or (item.id, fy) in progress
    ]
    kpi_rows = [
        {
            "kpi": k,
            "chart": kpi_block(assessments[k.id], small=True),
            # Every year written, the follow-up years after the plan's own included.
            "commentary": sorted(
                (fy, c) for (kpi_id, fy), c in commentary.items() if kpi_id == k.id and c
            ),
        }
        for k in shown
    ]
    context = {
        "plan": plan,
        "pillar": item.pillar,
        "item": item,
        "nav": "pillar",
        "as_of": as_of,
        "links": links,
        "years": years,
        "actions": list(item.actions.all()),
        "kpi_rows": kpi_rows,
        "own_kpis": own_kpis,
        "drafts": drafts,
        "can_write": permissions.can_write_item(user, item, links),
        "can_review": permissions.can_review_item(user, item, links),
        "shows_sample": any(v.is_sample for k in kpis for v in k.values.all()),
        "shows_sample_text": any(p and p.is_sample for _fy, p in years)
        or any(c.is_sample for c in commentary.values()),
    }
    return render(request, "narratives/item_detail.html", context)


def _history(entry) -> list:
    if entry is None:
        return []
    return list(entry.history.select_related("history_user").order_by("history_date", "history_id"))


def _act(request: HttpRequest, entry, form) -> tuple[int, str | None]:
    """Approve, return or withdraw from a posted ActForm: (status, error message or None).
    An error about one of the form's fields (a return without a comment) is put on it."""
    if entry is None or not form.is_valid():
        errors = " ".join(m for ms in form.errors.values() for m in ms) if entry else ""
        return 400, errors or _(services.UNKNOWN_ACTION)
    try:
        services.entry_act(
            user=request.user,
            entry=entry,
            action=form.cleaned_data["action"],
            version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except services.NotAllowed as err:
        raise PermissionDenied(err.message) from None
    except services.Refused as err:
        for name in err.fields:
            form.add_error(name, err.message)
        return err.status, err.message
    return 200, None


# Lazy: built at import, translated when shown (a plain gettext here froze them in Japanese).
ACT_DONE = {
    review.APPROVE: gettext_lazy("承認しました。公開ページと報告書に表示されます。"),
    review.RETURN: gettext_lazy("コメントを付けて差し戻しました。"),
    review.WITHDRAW: gettext_lazy("提出を取り下げました。下書きに戻っています。"),
}


def _narrative_page(
    request, *, entry, write_form, save, may_write, may_review, template, context, submit_needs
):
    """The shared GET/POST flow of the two forms. `save(form, submit)` calls the service;
    `submit_needs` is (the fields a submission needs, the message when one is empty)."""
    if not permissions.can_use(request.user, context["plan"]) or not (may_write or may_review):
        raise PermissionDenied(FORBIDDEN)
    status = 200
    act_form = ActForm(initial={"version": entry.version if entry else 1})
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ACT_DONE:
            posted = ActForm(request.POST)
            status, error = _act(request, entry, posted)
            if error is None:
                messages.success(request, ACT_DONE[action])
                return redirect(request.path)
            if posted.has_error("comment"):
                act_form = posted  # shown again with its comment, the error on it
            else:
                messages.error(request, error)
        elif action in (review.SAVE, review.SUBMIT):
            if write_form.is_valid():
                try:
                    save(write_form, action == review.SUBMIT)
                except services.NotAllowed as err:
                    raise PermissionDenied(err.message) from None
                except services.Refused as err:
                    status = err.status
                    marked = [f for f in err.fields if f in write_form.fields]
                    for name in marked:  # listed in the error summary, linked to the field
                        write_form.add_error(name, err.message)
                    if not marked:
                        messages.error(request, err.message)
                else:
                    messages.success(
                        request,
                        _("提出しました。承認者の確認を待っています。")
                        if action == review.SUBMIT
                        else _("下書きを保存しました。"),
                    )
                    return redirect(request.path)
            else:
                status = 400
                if action == review.SUBMIT:
                    # The service says what a submission lacks only once the form is valid:
                    # list it now too, so that one attempt shows every field to fill.
                    needed, message = submit_needs
                    for name in needed:
                        if not str(write_form.data.get(name, "")).strip():
                            write_form.add_error(name, _(message))
                messages.error(request, INVALID)
        else:
            status = 400
            messages.error(request, _(services.UNKNOWN_ACTION))
    state = entry.state if entry else review.DRAFT
    context.update(
        entry=entry,
        form=write_form,
        act_form=act_form,
        history=_history(entry),
        may_write=may_write,
        may_review=may_review,
        editable=may_write
        and bool(review.actions_from(state, review.WRITER))
        and state != review.SUBMITTED,
        can_withdraw=may_write and state == review.SUBMITTED,
        can_decide=may_review
        and state == review.SUBMITTED
        and not permissions.reviews_own_submission(request.user, entry),
    )
    return render(request, template, context, status=status)


def _entry(model, **key):
    return (
        model.objects.select_related("updated_by", "submitted_by", "reviewed_by")
        .filter(**key)
        .first()
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def progress_edit(
    request: HttpRequest, slug: str, number: int, item_number: int, fy: str
) -> HttpResponse:
    plan = _plan(slug)
    fiscal_year = _fiscal_year(plan, fy)
    item = _item(plan, number, item_number)
    links = list(item.department_links.all())
    scale = scale_for(plan)
    actions = list(item.actions.all())
    entry = _entry(InitiativeProgress, item=item, fiscal_year=fiscal_year)
    previous = _entry(InitiativeProgress, item=item, fiscal_year=fiscal_year - 1)
    initial = {"version": 0}
    if entry:
        initial = {
            "version": entry.version,
            "rating": entry.rating,
            "done": entry.done,
            "results": entry.results,
            "issues": entry.issues,
            "next_steps": entry.next_steps,
            "budget": "" if entry.budget is None else entry.budget,
            "settled": "" if entry.settled is None else entry.settled,
            "actions_carried_out": entry.actions_carried_out,
        }
    posted = request.POST if request.method == "POST" else None
    form = ProgressForm(posted, initial=initial, scale=scale, actions=actions)

    def save(form, submit: bool):
        data = form.cleaned_data
        return services.progress_save(
            user=request.user,
            item=item,
            fiscal_year=fiscal_year,
            data=services.ProgressInput(
                done=data["done"],
                results=data["results"],
                issues=data["issues"],
                next_steps=data["next_steps"],
                rating=data["rating"],
                budget=data["budget"],
                settled=data["settled"],
                actions_carried_out=tuple(data["actions_carried_out"]),
            ),
            version=data["version"],
            submit=submit,
        )

    context = {
        "plan": plan,
        "pillar": item.pillar,
        "item": item,
        "links": links,
        "actions": actions,
        "fiscal_year": fiscal_year,
        "previous": previous,
        "scale": scale,
        "nav": "entry",
        "as_of": fiscal_year,
    }
    return _narrative_page(
        request,
        entry=entry,
        write_form=form,
        save=save,
        may_write=permissions.can_write_item(request.user, item, links),
        may_review=permissions.can_review_item(request.user, item, links),
        template="narratives/progress_form.html",
        context=context,
        submit_needs=(("done", "rating"), services.INCOMPLETE_PROGRESS),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def commentary_edit(request: HttpRequest, slug: str, code: str, fy: str) -> HttpResponse:
    plan = _plan(slug)
    fiscal_year = _fiscal_year(plan, fy)
    kpi = get_object_or_404(
        Kpi.objects.select_related("plan", "pillar", "unit", "department"), plan=plan, code=code
    )
    entry = _entry(KpiCommentary, kpi=kpi, fiscal_year=fiscal_year)
    previous = _entry(KpiCommentary, kpi=kpi, fiscal_year=fiscal_year - 1)
    values = {
        v.fiscal_year: v
        for v in KpiValue.objects.filter(kpi=kpi, fiscal_year__in=(fiscal_year, fiscal_year - 1))
    }
    initial = {"version": 0}
    if entry:
        initial = {
            "version": entry.version,
            "reason": entry.reason,
            "next_actions": entry.next_actions,
        }
    form = CommentaryForm(request.POST if request.method == "POST" else None, initial=initial)

    def save(form, submit: bool):
        data = form.cleaned_data
        return services.commentary_save(
            user=request.user,
            kpi=kpi,
            fiscal_year=fiscal_year,
            data=services.CommentaryInput(reason=data["reason"], next_actions=data["next_actions"]),
            version=data["version"],
            submit=submit,
        )

    context = {
        "plan": plan,
        "kpi": kpi,
        "fiscal_year": fiscal_year,
        "previous": previous,
        "value": values.get(fiscal_year),
        "previous_value": values.get(fiscal_year - 1),
        "nav": "entry",
        "as_of": fiscal_year,
    }
    return _narrative_page(
        request,
        entry=entry,
        write_form=form,
        save=save,
        may_write=permissions.can_write_kpi(request.user, kpi),
        may_review=permissions.can_review_kpi(request.user, kpi),
        template="narratives/commentary_form.html",
        context=context,
        submit_needs=(("reason",), services.INCOMPLETE_COMMENTARY),
    )


@login_required
@require_safe
def status_board(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    """Per department: which items and KPIs are missing, drafted, submitted, returned, approved."""
    plan = _plan(slug)
    fiscal_year = _fiscal_year(plan, fy)
    user = request.user
    if not permissions.can_use(user, plan):
        raise PermissionDenied(FORBIDDEN)
    items = list(
        InitiativeItem.objects.filter(pillar__plan=plan)
        .select_related("pillar")
        .prefetch_related(
            Prefetch(
                "department_links", queryset=ItemDepartment.objects.select_related("department")
            )
        )
        .order_by("pillar__number", "number")
    )
    kpis = list(
        Kpi.objects.filter(plan=plan)
        .select_related("department")
        .order_by("pillar__number", "order", "code")
    )
    progress = {
        e.item_id: e
        for e in InitiativeProgress.objects.filter(item__pillar__plan=plan, fiscal_year=fiscal_year)
    }
    commentary = {
        c.kpi_id: c for c in KpiCommentary.objects.filter(kpi__plan=plan, fiscal_year=fiscal_year)
    }
    own = None if permissions.is_admin(user, plan) else permissions.department_id(user)
    departments: dict = {}

    def place(department, kind: str, label: str, url: str, entry) -> None:
        if own is not None and (department is None or department.id != own):
            return
        group = departments.setdefault(
            department,
            {k: {c: [] for c in review.BOARD_COLUMNS} for k in ("items", "kpis")},
        )
        column = review.board_column(entry.state, entry.review_comment) if entry else review.MISSING
        group[kind][column].append(
            {"label": label, "url": url, "sample": bool(entry and entry.is_sample)}
        )

    for item in items:
        lead = next((link.department for link in item.department_links.all() if link.is_lead), None)
        url = reverse(
            "narratives:progress",
            kwargs={
                "slug": plan.slug,
                "number": item.pillar.number,
                "item_number": item.number,
                "fy": fiscal_year,
            },
        )
        place(
            lead,
            "items",
            f"{item.pillar.number}-({item.number}) {item.title}",
            url,
            progress.get(item.id),
        )
    for kpi in kpis:
        url = reverse(
            "narratives:commentary", kwargs={"slug": plan.slug, "code": kpi.code, "fy": fiscal_year}
        )
        place(kpi.department, "kpis", f"{kpi.code} {kpi.name}", url, commentary.get(kpi.id))
    board = [
        (department, [(kind, list(cells.items())) for kind, cells in group.items()])
        for department, group in sorted(
            departments.items(), key=lambda kv: (kv[0] is None, str(kv[0] or ""))
        )
    ]
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "board": board,
        "columns": review.BOARD_COLUMNS,
        "nav": "entry",
        "as_of": fiscal_year,
        "fy_label": fy_text(fiscal_year),
    }
    return render(request, "narratives/status_board.html", context)
