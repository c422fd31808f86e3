"""The annual report's pages: the report (live or a published version), its XLSX and DOCX
downloads, and publishing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from initiatives.models import Plan
from kpi import permissions, report_docx
from kpi import reports as kpi_reports
from kpi.evaluation import value_years
from kpi.models import KpiValue, PublishedReport
from smartdocho.display import fy_text
from smartdocho.etags import public_page
from smartdocho.fiscal import FiscalYearError, parse_fy

from . import publishing, reports
from .export_views import EXPORT_TYPES


def _report_year(plan: Plan, raw: str) -> int:
    try:
        fy = parse_fy(raw)
    except FiscalYearError:
        raise Http404(_("年度を読み取れません。")) from None
    if fy not in value_years(plan):
        raise Http404(_("方針の期間外の年度です。"))
    return fy


def _report(request: HttpRequest, slug: str, fy: str, version: int | None, *, compare: bool):
    """The report to show: the version asked for, else the one in force, else today's.

    Returns (plan, year, versions, the published version shown or None, the report dict,
    the changes since publication). The changes compare like with like: with today's report
    as the publication would show it now, as far as the reader may see it. Staff see every
    value; the public sees final values and the preliminary values published knowingly; a
    publication of final values only is compared with final values only.
    """
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    fiscal_year = _report_year(plan, fy)
    versions = list(PublishedReport.objects.for_year(plan, fiscal_year))
    if version is not None:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise Http404(_("この版の報告書はありません。"))
    else:
        shown = next((v for v in versions if v.in_force), versions[-1] if versions else None)
    today = timezone.localdate()
    final_only = not permissions.sees_preliminary(request.user, plan)
    if shown is None:
        return plan, fiscal_year, versions, None, _live(plan, fiscal_year, final_only), []
    changes = []
    if compare:
        snapshot = shown.snapshot
        pending: set[str] = set()
        if not shown.includes_preliminary:
            # Published with final values only: compared with final values only, for everyone,
            # so that preliminary values known at publication are not listed as changes.
            live = _live(plan, fiscal_year, final_only=True)
        elif final_only:
            # Public now: final values, and preliminary values any version published that
            # still stand with the number published.
            published = [
                pv for v in versions for pv in kpi_reports.published_preliminary(v.snapshot)
            ]
            live = reports.build_report(
                plan, fiscal_year, today, final_only=True, published_preliminary=published
            )
            now_preliminary = KpiValue.objects.filter(
                kpi__plan=plan, status=KpiValue.Status.PRELIMINARY
            ).values_list("kpi__code", "fiscal_year", "value")
            pending = kpi_reports.pending_codes(snapshot, now_preliminary, published)
        else:
            live = reports.build_report(plan, fiscal_year, today)
        changes = kpi_reports.differences(snapshot, live, pending=pending)
    return plan, fiscal_year, versions, shown, shown.snapshot, changes


def _live(plan: Plan, fiscal_year: int, final_only: bool) -> dict:
    return reports.build_report(plan, fiscal_year, timezone.localdate(), final_only=final_only)


def _newer(versions: list[PublishedReport], shown: PublishedReport) -> PublishedReport | None:
    return next((v for v in versions if v.version == shown.version + 1), None)


def _report_page(request: HttpRequest, slug: str, fy: str, version: int | None) -> HttpResponse:
    plan, fiscal_year, versions, shown, report, changes = _report(
        request, slug, fy, version, compare=True
    )
    in_force = next((v for v in versions if v.in_force), None)
    is_sample = bool(report["sample_data"] or (shown and shown.is_sample))
    context = {
        "plan": plan,
        "report": report,
        "published": shown,
        "versions": versions,
        "newer": _newer(versions, shown) if shown else None,
        "in_force": in_force,
        "changes": changes,
        "public_view": not permissions.sees_preliminary(request.user, plan),
        "can_publish": permissions.is_admin(request.user, plan),
        "shows_sample": is_sample,
        "is_sample": is_sample,
    }
    return render(request, "kpi/report.html", context)


@require_safe
@public_page
def report_detail(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    return _report_page(request, slug, fy, None)


@require_safe
@public_page
def report_version(request: HttpRequest, slug: str, fy: str, version: int) -> HttpResponse:
    return _report_page(request, slug, fy, version)


REPORT_FORMATS = {
    "xlsx": (kpi_reports.report_xlsx, EXPORT_TYPES["xlsx"]),
    "docx": (
        report_docx.report_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def _download(request: HttpRequest, slug: str, fy: str, version: int | None, fmt: str):
    """The report shown at the same address, as XLSX or DOCX (the same dict as the page)."""
    plan, fiscal_year, versions, shown, report, _changes = _report(
        request, slug, fy, version, compare=False
    )
    facts = publishing.publication_facts(shown, _newer(versions, shown)) if shown else None
    build, content_type = REPORT_FORMATS[fmt]
    response = HttpResponse(build(report, facts), content_type=content_type)
    suffix = f"-v{shown.version}" if shown else ""
    if report["sample_data"] or (shown and shown.is_sample):
        suffix += "-sample"
    filename = f"{plan.slug}-report-{fiscal_year}{suffix}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@public_page
def report_xlsx(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    return _download(request, slug, fy, None, "xlsx")


@require_safe
@public_page
def report_version_xlsx(request: HttpRequest, slug: str, fy: str, version: int) -> HttpResponse:
    return _download(request, slug, fy, version, "xlsx")


@require_safe
@public_page
def report_docx_download(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    return _download(request, slug, fy, None, "docx")


@require_safe
@public_page
def report_version_docx(request: HttpRequest, slug: str, fy: str, version: int) -> HttpResponse:
    return _download(request, slug, fy, version, "docx")


def _error_link(form, name: str, message: str) -> tuple[str, str, str]:
    """(field label, anchor of its first input, message) for the error summary; no label and
    no anchor for an error about the whole publication or a hidden field."""
    if name not in form.fields or form.fields[name].widget.is_hidden:
        return "", "", message
    field = form[name]
    # A radio group has no single input to label: the link goes to its first choice.
    return str(field.label), field.id_for_label or f"{field.auto_id}_0", message


@login_required
@require_http_methods(["GET", "POST"])
def report_publish(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    """GET: the confirmation of what would become public. POST: publish what was confirmed."""
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    if not permissions.is_admin(request.user, plan):
        raise PermissionDenied(_("報告書を公表できるのは管理者だけです。"))
    fiscal_year = _report_year(plan, fy)
    today = timezone.localdate()
    errors: list[tuple[str, str]] = []  # (field name or "", message), for the error summary
    status = 200
    if request.method == "POST":
        form = publishing.PublishForm(request.POST)
        if form.is_valid():
            try:
                report = publishing.report_publish(
                    plan=plan,
                    fiscal_year=fiscal_year,
                    user=request.user,
                    today=today,
                    **form.cleaned_data,
                )
            except publishing.PublishError as err:
                errors, status = err.problems, err.status
            else:
                messages.success(
                    request,
                    _(
                        "%(fy)sの報告書（第%(version)s版）を公表しました。内容は公表時点で固定されます。"
                    )
                    % {"fy": fy_text(fiscal_year), "version": report.version},
                )
                return redirect("kpi:report", slug=plan.slug, fy=fiscal_year)
        else:
            status = 400
            errors = [(f, str(m)) for f, ms in form.errors.items() for m in ms]
    # The page always shows today's content, so the confirmation it carries is today's token.
    preview = publishing.report_preview(plan, fiscal_year, today)
    initial = {"office": publishing.default_office(plan), "confirm": preview.token}
    if request.method == "POST":
        initial.update({k: request.POST.get(k, "")[:2000] for k in ("office", "reason", "values")})
        initial["as_sample"] = bool(request.POST.get("as_sample"))
    form = publishing.PublishForm(initial=initial)
    shown = [_error_link(form, f, m) for f, m in errors]
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "preview": preview,
        "form": form,
        "errors": shown,
    }
    return render(request, "kpi/report_publish.html", context, status=status)
