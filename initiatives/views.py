"""Read-only pages of a plan's structure: overview, pillar, and the plan's context."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from kpi.models import Kpi

from .models import InitiativeItem, Pillar, Plan


def _get_plan(slug: str) -> Plan:
    return get_object_or_404(Plan, slug=slug)


@require_safe
def plan_overview(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _get_plan(slug)
    pillars = list(plan.pillars.all())
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    vision = plan.sections.filter(kind="vision").first()
    context = {
        "plan": plan,
        "pillars": pillars,
        "kpis": kpis,
        "vision": vision,
        "shows_sample": any(v.is_sample for k in kpis for v in k.values.all()),
    }
    return render(request, "initiatives/plan_overview.html", context)


@require_safe
def plan_about(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _get_plan(slug)
    sections = list(plan.sections.all().order_by("kind", "order"))
    by_kind: dict[str, list] = {}
    for section in sections:
        by_kind.setdefault(section.kind, []).append(section)
    return render(request, "initiatives/plan_about.html", {"plan": plan, "sections": by_kind})


@require_safe
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
    context = {
        "plan": plan,
        "pillar": pillar,
        "kpis": kpis,
        "shows_sample": any(v.is_sample for k in kpis for v in k.values.all()),
    }
    return render(request, "initiatives/pillar_detail.html", context)
