"""Template tags that put approved item ratings on pages of other apps (the pillar page)."""

from __future__ import annotations

from django import template

from .. import reads
from ..models import scale_for

register = template.Library()


@register.simple_tag
def latest_ratings(pillar) -> dict:
    """{item id: ProgressView of its latest approved rating} for a pillar's items: 2 queries."""
    return reads.latest_ratings(pillar.items.all(), scale_for(pillar.plan_id))


@register.filter
def by_id(mapping: dict, obj):
    """`mapping|by_id:obj`: the value kept for obj's id, or None."""
    return mapping.get(obj.id)


@register.simple_tag
def commentaries_for(rows, fiscal_year: int) -> dict:
    """{KPI id: KpiCommentary} for the entry form's rows and year: one query."""
    from ..models import KpiCommentary

    kpi_ids = [row.kpi.id for row in rows]
    return {
        c.kpi_id: c
        for c in KpiCommentary.objects.filter(kpi_id__in=kpi_ids, fiscal_year=fiscal_year)
    }
