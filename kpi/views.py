"""Read-only pages of a single KPI, and the methodology page."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from initiatives.models import Plan
from smartdocho.views import bad_request

from . import progress
from .evaluation import AsOfError, assess, explain, resolve_as_of
from .figures import components_block, kpi_block
from .models import Kpi


@require_safe
def kpi_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
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
    assessments = assess([kpi, *components], plan, as_of)
    assessment = assessments[kpi.id]
    component_rows = [assessments[c.id] for c in components]
    values = list(kpi.values.all())
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
        "component_rows": component_rows,
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
def methodology(request: HttpRequest) -> HttpResponse:
    example = progress.evaluate(EXAMPLE, [EXAMPLE_VALUE], 2025)
    context = {
        "defaults": progress.Thresholds(),
        "labels": [
            (s, progress.DEFAULT_LABELS[s], progress.ICONS[s]) for s in progress.ALL_STATUSES
        ],
        "example": example,
        "example_label": progress.DEFAULT_LABELS[example.status],
        "plans": Plan.objects.all(),
    }
    return render(request, "kpi/methodology.html", context)
