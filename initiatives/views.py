"""Read-only pages of a plan's structure: the plan's context, the list of plans, and the
organizations (団体) with their plans."""

from __future__ import annotations

import unicodedata

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from smartdocho.etags import public_page

from . import section_tables
from .models import Organization, Plan


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
    """Every plan with its organization, current ones first, 50 a page (?page=)."""
    plans = Plan.objects.select_related("organization").order_by("-is_current", "-first_fy", "slug")
    page = Paginator(plans, ORGANIZATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "initiatives/plan_list.html", {"page": page})


ORGANIZATIONS_PER_PAGE = 50
# A search longer than any organization's name or plan title finds nothing; cut it so that
# no request makes the database compare an unbounded string.
SEARCH_MAX_LENGTH = 100


def _organization_search(query: str):
    """Organizations whose name, code, slug, kind or a plan's title or government contains
    `query` (NFKC-folded: full-width digits and letters match), ordered by code (the national
    order: prefecture, then its municipalities), those without a code last."""
    from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

    organizations = Organization.objects.all()
    if query:
        kinds = [value for value, label in Organization.Kind.choices if query in str(label)]
        plans = Plan.objects.filter(organization=OuterRef("pk")).filter(
            Q(title__icontains=query) | Q(government__icontains=query)
        )
        organizations = organizations.filter(
            Q(name__icontains=query)
            | Q(code__startswith=query)
            | Q(slug__icontains=query)
            | Q(kind__in=kinds)
            | Exists(plans)
        )
    return organizations.order_by(
        Case(When(code="", then=Value(1)), default=Value(0), output_field=IntegerField()),
        "code",
        "name",
        "pk",
    )


@require_safe
@public_page
def organization_list(request: HttpRequest) -> HttpResponse:
    """団体の一覧: every organization with its current plan, searchable (?q=) and paginated
    (?page=, 50 a page). A fixed number of queries: the count, the page, its plans."""
    query = unicodedata.normalize("NFKC", request.GET.get("q", "")).strip()[:SEARCH_MAX_LENGTH]
    page = Paginator(_organization_search(query), ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    organizations = list(page.object_list)
    current = _current_plans(organizations)
    rows = [(organization, current.get(organization.pk)) for organization in organizations]
    context = {"page": page, "rows": rows, "query": query}
    return render(request, "initiatives/organization_list.html", context)


def _current_plans(organizations: list[Organization]) -> dict[int, Plan]:
    """Each organization's current plan (Plan.objects.current's rule), in one query."""
    current: dict[int, Plan] = {}
    plans = Plan.objects.filter(organization__in=organizations).order_by(
        "organization_id", "-is_current", "-last_fy", "slug"
    )
    for plan in plans.only("slug", "title", "organization_id", "first_fy", "last_fy"):
        current.setdefault(plan.organization_id, plan)
    return current


@require_safe
@public_page
def organization_detail(request: HttpRequest, key: str) -> HttpResponse:
    """An organization's page, named by its 全国地方公共団体コード (or its slug if it has none):
    what it is and its plans, the current one first."""
    organization = Organization.objects.by_key(key)
    if organization is None:
        raise Http404(_("この団体は登録されていません。"))
    plans = organization.plans.order_by("-is_current", "-last_fy", "slug")
    context = {"organization": organization, "plans": plans}
    return render(request, "initiatives/organization_detail.html", context)
