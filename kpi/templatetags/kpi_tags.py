"""Template filters for fiscal years and KPI values."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kpi import evaluation
from smartdocho import display, fiscal

register = template.Library()


@register.filter
def fy(value: int | None) -> str:
    """2024 → "R6（2024年度）", or "R6 (FY2024)" in English."""
    if value in (None, ""):
        return "—"
    return display.fy_text(int(value))


@register.filter
def fy_short(value: int | None) -> str:
    """2024 → "R6"."""
    if value in (None, ""):
        return "—"
    return fiscal.era_label(int(value))


@register.filter
def in_unit(value: Decimal | None, unit) -> str:
    """A value with the unit's decimals and separators: 1438 百件 → "1,438"."""
    return unit.format(value)


@register.filter
def percent(value: float | None, decimals: int = 1) -> str:
    """0.4 → "40.0%"; None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(decimals)}f}%"


@register.filter
def num(value: float | None, decimals: int = 2) -> str:
    """A plain number with separators and the given decimals; None → "—"."""
    if value is None:
        return "—"
    return f"{value:,.{int(decimals)}f}"


@register.filter
def value_years(plan) -> range:
    """The years values are entered and judged for: the plan's and its follow-up years."""
    return evaluation.value_years(plan)


@register.filter
def may_use_entry(user, plan) -> bool:
    """Whether `user` may open the value entry pages of `plan` (kpi.permissions.can_use_entry):
    a link to them is shown only to those for whom it answers 200."""
    from kpi import permissions

    return permissions.can_use_entry(user, plan)
