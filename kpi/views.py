"""Read-only pages of a single KPI, and the methodology page."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from initiatives.models import Plan
from smartdocho.etags import public_page
from smartdocho.views import bad_request

from . import exports, history, permissions, progress, reports
from . import methodology as worked
from .display import fy_text
from .evaluation import AsOfError, assess, explain, resolve_as_of, visible_values
from .figures import components_block, kpi_block
from .fiscal import FiscalYearError, parse_fy
from .models import Kpi, PublishedReport
from .tables import KpiProgressTable


@require_safe
@public_page
def kpi_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    kpi = get_object_or_404(
        Kpi.objects.for_display().prefetch_related(
            Prefetch("components", queryset=Kpi.objects.for_display()),
        ),
        plan=plan,
        code=code,
    )
    components = list(kpi.components.all())
    try:
        as_of = resolve_as_of(plan, request.GET.get("as_of"))
    except AsOfError as err:
        return bad_request(request, str(err))
    final_only = not permissions.sees_preliminary(request.user)
    assessments = assess([kpi, *components], plan, as_of, final_only=final_only)
    assessment = assessments[kpi.id]
    component_rows = [assessments[c.id] for c in components]
    values = visible_values(kpi, final_only=final_only)
    changes, past_values, history_date = [], None, request.GET.get("history_date", "")
    if not final_only:
        changes = history.kpi_changes(kpi)
        if history_date:
            try:
                past_values = history.values_as_of(kpi, history.parse_moment(history_date))
            except ValueError:
                return bad_request(request, _("日付は 2025-06-30 の形で指定してください。"))
    component_table = None
    if component_rows:
        component_table = KpiProgressTable(component_rows, caption="構成要素", orderable=False)
    charts = [kpi_block(assessment)]
    if component_rows:
        charts.append(components_block(assessment, component_rows))
    context = {
        "plan": plan,
        "kpi": kpi,
        "as_of": as_of,
        "values": values,
        "assessment": assessment,
        "explanation": explain(assessment),
        "thresholds": plan.thresholds,
        "revisions": list(kpi.target_revisions.all()),
        "component_table": component_table,
        "final_only": final_only,
        "changes": changes,
        "past_values": past_values,
        "history_date": history_date,
        "can_revise": permissions.is_admin(request.user),
        "charts": charts,
        "shows_sample": any(v.is_sample for k in (kpi, *components) for v in k.values.all()),
    }
    return render(request, "kpi/kpi_detail.html", context)


# The worked example on the methodology page is computed by the same code as every status.
EXAMPLE = progress.KpiSpec(
    baseline_fy=2020,
    baseline_value=Decimal(258),
    target=progress.Target(fy=2025, kind=progress.AT_LEAST, value=Decimal(288)),
)
EXAMPLE_VALUE = progress.Observation(2023, Decimal(270))


@require_safe
@public_page
def methodology(request: HttpRequest) -> HttpResponse:
    example = progress.evaluate(EXAMPLE, [EXAMPLE_VALUE], 2025)
    context = {
        "defaults": progress.Thresholds(),
        "labels": [
            (s, _(progress.DEFAULT_LABELS[s]), progress.ICONS[s]) for s in progress.ALL_STATUSES
        ],
        "example": example,
        "example_label": _(progress.DEFAULT_LABELS[example.status]),
        "method_version": progress.METHOD_VERSION,
        "stale_years": progress.STALE_AFTER_YEARS,
        "v2_examples": worked.worked_examples(),
        "plans": Plan.objects.all(),
    }
    return render(request, "kpi/methodology.html", context)


EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_safe
@public_page
def plan_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404(_("この形式では出力できません。"))
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    try:
        as_of = resolve_as_of(plan, request.GET.get("as_of"))
    except AsOfError as err:
        return bad_request(request, str(err))
    final_only = not permissions.sees_preliminary(request.user)
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    by_id = assess(kpis, plan, as_of, final_only=final_only)
    assessments = [by_id[k.id] for k in kpis]
    if fmt == "json":
        document = exports.export_document(plan, assessments, timezone.now(), final_only=final_only)
        body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == "csv":
        body = exports.to_csv(exports.table_rows(plan, assessments, final_only=final_only))
    else:
        body = exports.plan_xlsx(plan, assessments, final_only=final_only)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    filename = f"{plan.slug}-{as_of}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _report_year(plan: Plan, raw: str) -> int:
    try:
        fy = parse_fy(raw)
    except FiscalYearError:
        raise Http404(_("年度を読み取れません。")) from None
    if fy not in plan.fiscal_years:
        raise Http404(_("方針の期間外の年度です。"))
    return fy


def _report(request: HttpRequest, slug: str, fy: str, *, compare: bool):
    """(plan, year, published report or None, the report to show, today's report or None).

    Today's report is built when there is no published one, or when `compare` asks for it to
    say what has changed since publication.
    """
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    fiscal_year = _report_year(plan, fy)
    published = PublishedReport.objects.filter(plan=plan, fiscal_year=fiscal_year).first()
    live = None
    if published is None or compare:
        final_only = not permissions.sees_preliminary(request.user)
        live = reports.build_report(plan, fiscal_year, timezone.localdate(), final_only=final_only)
    return plan, fiscal_year, published, published.snapshot if published else live, live


@require_safe
@public_page
def report_detail(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    plan, fiscal_year, published, report, live = _report(request, slug, fy, compare=True)
    context = {
        "plan": plan,
        "report": report,
        "published": published,
        "changes": reports.differences(report, live) if published else [],
        "can_publish": permissions.is_admin(request.user) and not published,
        "shows_sample": report["sample_data"],
    }
    return render(request, "kpi/report.html", context)


@require_safe
@public_page
def report_xlsx(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    plan, fiscal_year, _published, report, _live = _report(request, slug, fy, compare=False)
    response = HttpResponse(reports.report_xlsx(report), content_type=EXPORT_TYPES["xlsx"])
    filename = f"{plan.slug}-report-{fiscal_year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def report_publish(request: HttpRequest, slug: str, fy: str) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    fiscal_year = _report_year(plan, fy)
    if not permissions.is_admin(request.user):
        raise PermissionDenied(_("報告書を公表できるのは管理者だけです。"))
    with transaction.atomic():
        if (
            PublishedReport.objects.select_for_update()
            .filter(plan=plan, fiscal_year=fiscal_year)
            .exists()
        ):
            messages.error(request, _("この年度の報告書はすでに公表されています。"))
        else:
            PublishedReport.objects.create(
                plan=plan,
                fiscal_year=fiscal_year,
                published_by=request.user,
                snapshot=reports.build_report(plan, fiscal_year, timezone.localdate()),
            )
            messages.success(
                request,
                _("%(fy)sの報告書を公表しました。内容は公表時点で固定されます。")
                % {"fy": fy_text(fiscal_year)},
            )
    return redirect("kpi:report", slug=plan.slug, fy=fiscal_year)
