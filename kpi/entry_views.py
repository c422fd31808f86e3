"""Data entry for policy staff: the yearly entry form, reopening, revisions, the status board."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from initiatives.models import Plan
from smartdocho.display import fy_text
from smartdocho.fiscal import FiscalYearError, parse_fy

from . import permissions, services, value_upload
from .evaluation import value_years
from .forms import NOTE_MAX, SOURCE_MAX, ReopenForm, TargetRevisionForm, ValueEntryFormSet
from .models import Department, Kpi, KpiValue, TargetKind, ValueStatus

ENTRY_FORBIDDEN = "実績値を入力できるのは、所属が登録された入力担当者と管理者です。"
# ?show= on the entry form: only the rows without a value, or with a preliminary one.
SHOW_MISSING = "missing"
SHOW_PRELIMINARY = "preliminary"
SHOW_CHOICES = (SHOW_MISSING, SHOW_PRELIMINARY)
ADMIN_ONLY = "この操作は管理者だけができます。"


def _plan_and_year(slug: str, fy: str) -> tuple[Plan, int]:
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    try:
        fiscal_year = parse_fy(fy)
    except FiscalYearError:
        raise Http404("年度を読み取れません。") from None
    if fiscal_year not in value_years(plan):
        raise Http404("方針の期間外の年度です。")
    return plan, fiscal_year


def _entry_kpis(user, plan: Plan) -> list[Kpi]:
    kpis = (
        Kpi.objects.filter(plan=plan)
        .select_related("unit", "plan", "pillar", "department")
        .prefetch_related("steps")
    )
    if not permissions.is_admin(user, plan):
        kpis = kpis.filter(department_id=permissions.department_id(user))
    return [
        k
        for k in kpis.order_by("pillar__number", "order", "code")
        if permissions.can_enter(user, k)
    ]


@dataclass
class EntryRow:
    kpi: Kpi
    form: object
    current: KpiValue | None
    previous: KpiValue | None
    locked: bool
    error: str = ""


def _shown(kpis: list[Kpi], by_key: dict, fiscal_year: int, show: str) -> list[Kpi]:
    """The KPIs the form shows: all, or those missing a value, or with a preliminary one."""
    if show == SHOW_MISSING:
        return [k for k in kpis if (k.id, fiscal_year) not in by_key]
    if show == SHOW_PRELIMINARY:
        return [
            k
            for k in kpis
            if (v := by_key.get((k.id, fiscal_year))) is not None
            and v.status == ValueStatus.PRELIMINARY
        ]
    return kpis


def _initial_value(kpi: Kpi, value) -> str:
    """The value as the form shows it: a step's number for a schedule, else the number."""
    if kpi.target_kind == TargetKind.MILESTONE:
        return str(int(value))
    return kpi.unit.format(value).replace(",", "")


def _rows(user, plan: Plan, fiscal_year: int, kpis: list[Kpi], data=None, show: str = ""):
    values = KpiValue.objects.filter(kpi__in=kpis, fiscal_year__in=(fiscal_year, fiscal_year - 1))
    by_key = {(v.kpi_id, v.fiscal_year): v for v in values.select_related("entered_by")}
    kpis = _shown(kpis, by_key, fiscal_year, show)
    # Final values are locked for everyone; an admin reopens one with a reason first.
    locked = {
        k.id
        for k in kpis
        if (v := by_key.get((k.id, fiscal_year))) is not None and v.status == ValueStatus.FINAL
    }
    initial = []
    for k in kpis:
        v = by_key.get((k.id, fiscal_year))
        initial.append(
            {
                "kpi_id": k.id,
                "version": v.version if v else 0,
                "value": _initial_value(k, v.value) if v else "",
                "status": v.status if v else ValueStatus.PRELIMINARY,
                "note": v.note if v else "",
                "source": v.source if v else "",
            }
        )
    previous = {
        k.id: v.value for k in kpis if (v := by_key.get((k.id, fiscal_year - 1))) is not None
    }
    formset = ValueEntryFormSet(
        data, initial=initial, kpis=kpis, locked=locked, previous=previous, prefix="v"
    )
    rows = [
        EntryRow(
            kpi=k,
            form=formset.forms[i] if i < len(formset.forms) else None,
            current=by_key.get((k.id, fiscal_year)),
            previous=by_key.get((k.id, fiscal_year - 1)),
            locked=k.id in locked,
        )
        for i, k in enumerate(kpis)
    ]
    return formset, rows


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    plan, fiscal_year = _plan_and_year(slug, fy)
    if not permissions.can_use_entry(request.user, plan):
        raise PermissionDenied(ENTRY_FORBIDDEN)
    kpis = _entry_kpis(request.user, plan)
    data = request.POST if request.method == "POST" else None
    show = request.GET.get("show", "")
    show = show if show in SHOW_CHOICES else ""
    formset, rows = _rows(request.user, plan, fiscal_year, kpis, data, show)
    status = 200
    if data is not None:
        if formset.is_valid():
            inputs = [
                services.ValueInput(
                    kpi=row.kpi,
                    value=form.cleaned_data["value"],
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    source=form.cleaned_data["source"],
                    version=form.cleaned_data["version"],
                )
                for row, form in zip(rows, formset.forms, strict=True)
                if not row.locked
            ]
            unlocked = [row for row in rows if not row.locked]
            try:
                result = services.values_save(
                    user=request.user, fiscal_year=fiscal_year, rows=inputs
                )
            except services.EntryRefused as refused:
                for i, message in refused.result.errors.items():
                    unlocked[i].error = message
                status = 409
                messages.error(
                    request,
                    gettext(
                        "保存できませんでした。赤字の行を確かめてください。何も保存されていません。"
                    ),
                )
            else:
                if result.changed:
                    messages.success(
                        request,
                        gettext("%(fy)sの実績値を保存しました：") % {"fy": fy_text(fiscal_year)}
                        + gettext("、").join(result.changed),
                    )
                else:
                    messages.info(request, gettext("変更はありませんでした。"))
                return redirect(_entry_url(plan, fiscal_year, show))
        else:
            status = 400
            _check_valid_rows(request.user, fiscal_year, rows)
            messages.error(
                request,
                gettext(
                    "入力に誤りがあります。各欄の説明を確かめてください。何も保存されていません。"
                ),
            )
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "formset": formset,
        "rows": rows,
        "errors": error_summary(formset, rows) if data is not None else [],
        "show": show,
        "entry_total": len(kpis),
        "is_admin": permissions.is_admin(request.user, plan),
        "nav": "entry",
        "status_choices": ValueStatus.choices,
        "source_max": SOURCE_MAX,
        "note_max": NOTE_MAX,
    }
    return render(request, "kpi/entry.html", context, status=status)


def _check_valid_rows(user, fiscal_year: int, rows: list[EntryRow]) -> None:
    """On a form with errors, the rows that passed the form's checks are checked as a save
    would check them (a cleared value, a conflict, a final value), so that the error summary
    lists every row in error at once instead of one kind per attempt."""
    checked = [
        row for row in rows if not row.locked and row.form is not None and not row.form.errors
    ]
    inputs = [
        services.ValueInput(
            kpi=row.kpi,
            value=row.form.cleaned_data["value"],
            status=row.form.cleaned_data["status"],
            note=row.form.cleaned_data["note"],
            source=row.form.cleaned_data["source"],
            version=row.form.cleaned_data["version"],
        )
        for row in checked
    ]
    for i, message in services.values_check(
        user=user, fiscal_year=fiscal_year, rows=inputs
    ).items():
        checked[i].error = message


def _entry_url(plan: Plan, fiscal_year: int, show: str) -> str:
    url = reverse("kpi:entry", args=[plan.slug, fiscal_year])
    return f"{url}?show={show}" if show else url


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: the field's id (href="#…") and what is wrong there."""

    field_id: str
    kpi: Kpi | None
    message: str


def error_summary(formset, rows: list[EntryRow]) -> list[ErrorLink]:
    """Each row in error, once per message, linking to its value field (GOV.UK error summary).

    Field errors link to their own field; a row's form-wide or service error (a conflict, a
    final value) to the row's value field; errors of the whole form to the form.
    """
    links = [ErrorLink("entry-form", None, str(e)) for e in formset.non_form_errors()]
    for row in rows:
        form = row.form
        if form is None:
            continue
        value_id = form["value"].id_for_label
        if row.error:
            links.append(ErrorLink(value_id, row.kpi, row.error))
        for message in form.non_field_errors():
            links.append(ErrorLink(value_id, row.kpi, str(message)))
        for name in ("value", "status", "source", "note", "kpi_id", "version"):
            field_id = value_id if name in ("kpi_id", "version") else form[name].id_for_label
            links += [ErrorLink(field_id, row.kpi, str(m)) for m in form.errors.get(name, [])]
    return links


@login_required
@require_POST
def reopen(request: HttpRequest, slug: str, fy: str, code: str) -> HttpResponse:
    plan, fiscal_year = _plan_and_year(slug, fy)
    if not permissions.is_admin(request.user, plan):
        raise PermissionDenied(ADMIN_ONLY)
    value = get_object_or_404(KpiValue, kpi__plan=plan, kpi__code=code, fiscal_year=fiscal_year)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext(services.REOPEN_NEEDS_REASON))
    else:
        try:
            services.value_reopen(
                user=request.user,
                value=value,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValueError as err:
            messages.error(request, str(err))
        else:
            messages.success(request, f"{code} の確定を解除しました（理由を履歴に記録しました）。")
    return redirect("kpi:entry", slug=plan.slug, fy=fiscal_year)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def revise_target(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    if not permissions.is_admin(request.user, plan):
        raise PermissionDenied(ADMIN_ONLY)
    kpi = get_object_or_404(Kpi.objects.select_related("plan", "unit"), plan=plan, code=code)
    form = TargetRevisionForm(request.POST or None, kpi=kpi)
    if request.method == "POST" and form.is_valid():
        revision = form.save(commit=False)
        try:
            services.target_revision_record(user=request.user, revision=revision)
        except ValueError as refused:
            field = "effective_fy" if str(refused) == gettext(services.DUPLICATE_REVISION) else None
            form.add_error(field, str(refused))
        else:
            messages.success(
                request, "目標の再設定を記録しました。当初の目標も引き続き表示されます。"
            )
            return redirect(kpi)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "kpi/revise_target.html", {"plan": plan, "kpi": kpi, "form": form}, status=status
    )


@login_required
@require_safe
def entry_status(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    plan, fiscal_year = _plan_and_year(slug, fy)
    if not permissions.is_admin(request.user, plan):
        raise PermissionDenied(ADMIN_ONLY)
    kpis = [
        k
        for k in Kpi.objects.filter(plan=plan)
        .select_related("department", "plan")
        .order_by("pillar__number", "order", "code")
        if permissions.is_entered_directly(k)
    ]
    values = {v.kpi_id: v for v in KpiValue.objects.filter(kpi__plan=plan, fiscal_year=fiscal_year)}
    # Each list holds (kpi, value or None); "sample" counts the department's sample values, so
    # the board tells demonstration data from real entries.
    groups: dict[Department | None, dict] = {}
    for k in kpis:
        group = groups.setdefault(
            k.department, {"missing": [], "preliminary": [], "final": [], "sample": 0}
        )
        v = values.get(k.id)
        key = (
            "missing"
            if v is None
            else ("final" if v.status == ValueStatus.FINAL else "preliminary")
        )
        group[key].append((k, v))
        group["sample"] += bool(v is not None and v.is_sample)
    board = sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0] or "")))
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "board": board,
        "sample_count": sum(g["sample"] for g in groups.values()),
        "nav": "entry",
    }
    return render(request, "kpi/entry_status.html", context)


UPLOAD_SESSION_KEY = "smartdocho_value_upload"
# Previews kept per session, each under its own token, so that two tabs can each confirm the
# file they show; the oldest is dropped past this many (a session stays small).
MAX_PENDING_UPLOADS = 3
NO_PENDING_UPLOAD = "確認する取り込みがありません。ファイルをもう一度選んでください。"
OTHER_PREVIEW = (
    "別の画面で新しいファイルを確認したため、この確認は無効です。もう一度ファイルを選んでください。"
)


def _preview_token(nonce: str, plan: Plan, fiscal_year: int, rows: list[dict]) -> str:
    """The digest of one preview's rows (with a random nonce, so no two previews share one)."""
    body = json.dumps([nonce, plan.slug, fiscal_year, rows], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _pending_uploads(request: HttpRequest) -> dict:
    pending = request.session.get(UPLOAD_SESSION_KEY)
    if not isinstance(pending, dict) or "rows" in pending:  # nothing, or an older layout
        return {}
    return pending


def _take_pending(request: HttpRequest, plan: Plan, fiscal_year: int) -> list[dict] | str:
    """The rows of the preview whose token the confirm form carries, or why there are none.

    The token is used once: a replayed, forged or missing token, one for another plan or year,
    or a session entry that does not hash to its token, gives a message and nothing to save.
    """
    pending = _pending_uploads(request)
    token = request.POST.get("token", "")
    entry = pending.pop(token, None) if token else None
    request.session[UPLOAD_SESSION_KEY] = pending
    if not isinstance(entry, dict):
        return OTHER_PREVIEW if pending else NO_PENDING_UPLOAD
    try:
        rows, nonce = entry["rows"], str(entry["nonce"])
        expected = _preview_token(nonce, plan, fiscal_year, rows)
    except (KeyError, TypeError, ValueError):
        return NO_PENDING_UPLOAD
    if not hmac.compare_digest(expected, token):
        return OTHER_PREVIEW if pending else NO_PENDING_UPLOAD
    return rows


def _keep_pending(request: HttpRequest, plan: Plan, fiscal_year: int, rows: list[dict]) -> str:
    nonce = secrets.token_hex(16)
    token = _preview_token(nonce, plan, fiscal_year, rows)
    pending = _pending_uploads(request)
    pending[token] = {"nonce": nonce, "rows": rows}
    while len(pending) > MAX_PENDING_UPLOADS:
        pending.pop(next(iter(pending)))
    request.session[UPLOAD_SESSION_KEY] = pending
    return token


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def upload_values(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    """Upload a spreadsheet, see the preview, then confirm to save the valid rows.

    The confirm form carries the token of the preview it was shown for (_take_pending): it
    saves that preview's rows or, with a token that names none, answers 400 and saves nothing.
    """
    plan, fiscal_year = _plan_and_year(slug, fy)
    if not permissions.can_use_entry(request.user, plan):
        raise PermissionDenied(ENTRY_FORBIDDEN)
    context = {"plan": plan, "fiscal_year": fiscal_year, "nav": "entry"}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        rows = _take_pending(request, plan, fiscal_year)
        if isinstance(rows, str):
            context["error"] = rows
            return render(request, "kpi/upload_values.html", context, status=400)
        try:
            result = value_upload.apply(request.user, plan, fiscal_year, rows)
        except services.EntryRefused as refused:
            lines = [rows[i]["line"] for i in refused.result.errors]
            reasons = gettext("；").join(
                gettext("%(line)s行目: %(message)s") % {"line": line, "message": msg}
                for line, msg in zip(lines, refused.result.errors.values(), strict=True)
            )
            messages.error(
                request, gettext("保存できませんでした。何も保存されていません。") + reasons
            )
            return redirect("kpi:upload_values", slug=plan.slug, fy=fiscal_year)
        messages.success(
            request,
            gettext("%(n)s件の実績値を取り込みました：") % {"n": len(result.changed)}
            + gettext("、").join(result.changed),
        )
        return redirect("kpi:entry", slug=plan.slug, fy=fiscal_year)
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise value_upload.UploadError("ファイルを選んでください。")
            if upload.size > value_upload.MAX_UPLOAD_BYTES:
                raise value_upload.UploadError(value_upload.FILE_TOO_BIG)
            rows = value_upload.read_table(upload.read(), upload.name)
        except value_upload.UploadError as err:
            context["error"] = str(err)
            status = 400
        else:
            preview = value_upload.preview(request.user, plan, fiscal_year, rows)
            valid = [r for r in preview if r.state in (value_upload.NEW, value_upload.CHANGED)]
            token = _keep_pending(request, plan, fiscal_year, [r.to_session() for r in valid])
            context.update(preview=preview, valid=len(valid), filename=upload.name, token=token)
    return render(request, "kpi/upload_values.html", context, status=status)


@login_required
@require_safe
def values_template(request: HttpRequest, slug: str, fy: str, fmt: str = "csv") -> HttpResponse:
    """The values template: XLSX for people (codes typed as text), CSV for machines."""
    plan, fiscal_year = _plan_and_year(slug, fy)
    if not permissions.can_use_entry(request.user, plan):
        raise PermissionDenied(ENTRY_FORBIDDEN)
    if fmt == "xlsx":
        body = value_upload.template_xlsx(request.user, plan, fiscal_year)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = value_upload.template_csv(request.user, plan, fiscal_year)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{plan.slug}-{fiscal_year}-template.{fmt}"'
    )
    return response
