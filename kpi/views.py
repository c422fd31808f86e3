"""Read-only pages of a single KPI, and the methodology page."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from initiatives.models import Plan
from smartdocho.etags import public_page
from smartdocho.views import bad_request

from . import history, permissions, progress
from . import methodology as worked
from .evaluation import AsOfError, assess, explain, resolve_as_of, thresholds_for, visible_values
from .figures import components_block, kpi_block
from .models import Kpi
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
    final_only = not permissions.sees_preliminary(request.user, plan)
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
        component_table = KpiProgressTable(component_rows, caption=_("構成要素"), orderable=False)
    charts = [kpi_block(assessment)]
    if component_rows and (block := components_block(assessment, component_rows)):
        charts.append(block)
    context = {
        "plan": plan,
        "kpi": kpi,
        "as_of": as_of,
        "values": values,
        "assessment": assessment,
        "explanation": explain(assessment),
        "thresholds": thresholds_for(plan),
        "revisions": list(kpi.target_revisions.all()),
        "component_table": component_table,
        "final_only": final_only,
        "changes": changes,
        "past_values": past_values,
        "history_date": history_date,
        "can_revise": permissions.is_admin(request.user, plan),
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
        "plans": _methodology_plans(request),
    }
    return render(request, "kpi/methodology.html", context)


def _methodology_plans(request: HttpRequest):
    """The plans whose thresholds the methodology page lists: the one a plan page's link names
    (?plan=<slug>), else those of the reader's organization (staff) or of the default
    organization; never every plan of an installation serving many organizations (issue 14)."""
    from initiatives.models import Organization

    slug = request.GET.get("plan", "")
    if slug:
        return Plan.objects.filter(slug=slug[:80])
    organization = permissions.organization_id(request.user) or Organization.objects.default()
    if organization is None:
        return Plan.objects.none()
    return Plan.objects.filter(organization=organization).order_by("-is_current", "-first_fy")
