"""Read-only pages of a plan's structure: the plan's context, and the list of plans."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from smartdocho.etags import public_page

from . import section_tables
from .models import Plan


def _get_plan(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.with_nav(), slug=slug)


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
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.order_by("-is_current", "-first_fy", "slug")
    return render(request, "initiatives/plan_list.html", {"plans": plans})
