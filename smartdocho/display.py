"""Display helpers that follow the reader's language (Japanese by default, or English)."""

from __future__ import annotations

from django.utils.translation import get_language

from .fiscal import format_fy, format_fy_en


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def fy_text(fy: int) -> str:
    """2024 → "R6（2024年度）", or "R6 (FY2024)" in English."""
    return format_fy_en(fy) if is_english() else format_fy(fy)


def is_fiscal_year_field(name: str) -> bool:
    """Whether a model field named `name` holds a fiscal year (target_fy, fiscal_year…), shown
    as fy_text wherever a stored value is shown to people (change history, import preview)."""
    return name.endswith("_fy") or name == "fiscal_year"


def quoted(text: str) -> str:
    """A label in the quotation marks of the reader's language."""
    return f"“{text}”" if is_english() else f"「{text}」"
