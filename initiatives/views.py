"""Read-only pages of a plan: overview, pillar, and the plan's context."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_tables2 import RequestConfig

from kpi.display import fy_text
from kpi.evaluation import AsOfError, assess, resolve_as_of, status_counts
from kpi.figures import kpi_block
from kpi.models import Kpi
from kpi.permissions import is_admin, sees_preliminary
from kpi.tables import KpiProgressTable
from smartdocho.etags import public_page
from smartdocho.views import bad_request

from . import plan_io, section_tables
from .models import InitiativeItem, Pillar, Plan


def _get_plan(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.with_nav(), slug=slug)


def _kpi_rows(request: HttpRequest, plan: Plan, kpis: list[Kpi], caption: str) -> dict:
    """The context every page with a KPI table needs: as-of year, assessments, sample flag."""
    as_of = resolve_as_of(plan, request.GET.get("as_of"))
    assessments = assess(kpis, plan, as_of, final_only=not sees_preliminary(request.user))
    rows = [assessments[k.id] for k in kpis]
    table = KpiProgressTable(
        rows, caption=_("%(caption)s（%(fy)s時点）") % {"caption": caption, "fy": fy_text(as_of)}
    )
    RequestConfig(request, paginate=False).configure(table)
    return {
        "as_of": as_of,
        "rows": rows,
        "table": table,
        "shows_sample": any(v.is_sample for k in kpis for v in k.values.all()),
    }


@require_safe
@public_page
def plan_overview(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _get_plan(slug)
    pillars = list(plan.pillars.all())  # prefetched with the plan
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    try:
        context = _kpi_rows(request, plan, kpis, _("すべての成果指標"))
    except AsOfError as err:
        return bad_request(request, str(err))
    by_pillar: dict[int, list] = {p.id: [] for p in pillars}
    for row in context["rows"]:
        by_pillar[row.kpi.pillar_id].append(row)
    context.update(
        plan=plan,
        nav="overview",
        pillar_summaries=[(p, status_counts(by_pillar[p.id], plan)) for p in pillars],
        vision=plan.sections.filter(kind="vision").first(),
    )
    return render(request, "initiatives/plan_overview.html", context)


@require_safe
@public_page
def plan_about(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _get_plan(slug)
    by_kind: dict[str, list] = {}
    for section in plan.sections.order_by("kind", "order"):
        section.table = section_tables.layout(section.items) if section.is_table else None
        by_kind.setdefault(section.kind, []).append(section)
    context = {"plan": plan, "sections": by_kind, "nav": "about"}
    return render(request, "initiatives/plan_about.html", context)


@require_safe
@public_page
def pillar_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    plan = _get_plan(slug)
    pillar = get_object_or_404(
        Pillar.objects.prefetch_related(
            "directions",
            "milestones",
            Prefetch("items", queryset=InitiativeItem.objects.prefetch_related("actions")),
        ),
        plan=plan,
        number=number,
    )
    kpis = list(Kpi.objects.for_display().filter(pillar=pillar))
    try:
        caption = _("取組方針%(number)sの成果指標") % {"number": pillar.number}
        context = _kpi_rows(request, plan, kpis, caption)
    except AsOfError as err:
        return bad_request(request, str(err))
    small_charts = [kpi_block(row, small=True) for row in context["rows"] if not row.kpi.parent_id]
    context.update(plan=plan, pillar=pillar, nav="pillar", small_charts=small_charts)
    return render(request, "initiatives/pillar_detail.html", context)


@require_safe
@public_page
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.order_by("-is_current", "-first_fy", "slug")
    return render(request, "initiatives/plan_list.html", {"plans": plans})


IMPORT_SESSION_KEY = "smartdocho_plan_import"
MAX_PLAN_BYTES = 5 * 1024 * 1024


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """Upload a plan fixture, see every problem and the dry-run summary, then confirm."""
    if not is_admin(request.user):
        raise PermissionDenied(_("この操作は管理者だけができます。"))
    context: dict = {}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.pop(IMPORT_SESSION_KEY, None)
        if not pending:
            messages.error(
                request, _("確認する取り込みがありません。ファイルをもう一度選んでください。")
            )
            return redirect("plan_import")
        content = base64.b64decode(pending["content"])
        try:
            report = plan_io.import_plan(content, pending["name"])
        except plan_io.PlanFileError as err:
            context["problems"] = err.problems
            status = 400
        else:
            context.update(report=report, applied=report.applied, filename=pending["name"])
            status = 200 if report.ok else 400
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_PLAN_BYTES:
            context["problems"] = [
                plan_io.Problem(None, "", "", "", _("ファイル（5MBまで）を選んでください。"))
            ]
            status = 400
        else:
            content = upload.read()
            try:
                report = plan_io.import_plan(content, upload.name, dry_run=True)
            except plan_io.PlanFileError as err:
                context["problems"] = err.problems
                status = 400
            else:
                context.update(report=report, filename=upload.name)
                if report.ok:
                    request.session[IMPORT_SESSION_KEY] = {
                        "name": upload.name,
                        "content": base64.b64encode(content).decode("ascii"),
                    }
                else:
                    status = 400
    return render(request, "initiatives/plan_import.html", context, status=status)
