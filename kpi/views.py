"""Read-only pages of a single KPI."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from initiatives.models import Plan

from .models import Kpi


@require_safe
def kpi_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
    kpi = get_object_or_404(
        Kpi.objects.for_display().prefetch_related(
            "target_revisions",
            Prefetch("components", queryset=Kpi.objects.for_display()),
        ),
        plan=plan,
        code=code,
    )
    values = list(kpi.values.all())
    components = list(kpi.components.all())
    context = {
        "plan": plan,
        "kpi": kpi,
        "values": values,
        "components": components,
        "shows_sample": any(v.is_sample for v in values),
    }
    return render(request, "kpi/kpi_detail.html", context)
