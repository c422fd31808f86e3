"""Reads of narratives for pages, each in a fixed number of queries.

The public reads approved text only. An approved entry that has since been edited is a draft
again; the public then keeps the text as it was approved, which is the newest history row in
the approved state (simple-history), so nothing unreviewed ever shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ratings, review
from .models import InitiativeProgress, KpiCommentary


@dataclass(frozen=True)
class ProgressView:
    """One year of an item's progress, as a page shows it (from an entry or a history row)."""

    item_id: int
    fiscal_year: int
    state: str
    state_label: str
    is_sample: bool
    done: str
    results: str
    issues: str
    next_steps: str
    rating: str
    rating_label: str
    budget: int | None
    settled: int | None
    carried_out: frozenset[int] = field(default_factory=frozenset)
    review_comment: str = ""

    @property
    def board_column(self) -> str:
        return review.board_column(self.state, self.review_comment)


@dataclass(frozen=True)
class CommentaryView:
    kpi_id: int
    fiscal_year: int
    state: str
    state_label: str
    is_sample: bool
    reason: str
    next_actions: str


def _progress_view(row, scale: list[ratings.Rating]) -> ProgressView:
    return ProgressView(
        item_id=row.item_id,
        fiscal_year=row.fiscal_year,
        state=row.state,
        state_label=row.get_state_display(),
        is_sample=row.is_sample,
        done=row.done,
        results=row.results,
        issues=row.issues,
        next_steps=row.next_steps,
        rating=row.rating,
        rating_label=ratings.label_for(scale, row.rating) if row.rating else "",
        budget=row.budget,
        settled=row.settled,
        carried_out=frozenset(row.actions_carried_out or ()),
        review_comment=row.review_comment,
    )


def _latest_approved(model, live):
    """Newest approved history row per (subject, year) of the entries in `live`: one query."""
    rows = (
        model.history.filter(id__in=live.values("id"), state=review.APPROVED)
        .order_by("-history_date", "-history_id")
        .iterator()
    )
    return rows


def progress_by_year(items, scale, *, drafts: bool) -> dict[tuple[int, int], ProgressView]:
    """{(item id, fiscal year): ProgressView}: current entries with `drafts`, else approved text."""
    live = InitiativeProgress.objects.filter(item__in=items)
    found: dict[tuple[int, int], ProgressView] = {}
    rows = live if drafts else _latest_approved(InitiativeProgress, live)
    for row in rows:
        found.setdefault((row.item_id, row.fiscal_year), _progress_view(row, scale))
    return found


def commentary_by_year(kpis, *, drafts: bool) -> dict[tuple[int, int], CommentaryView]:
    """{(KPI id, fiscal year): CommentaryView}, the same way as progress_by_year."""
    live = KpiCommentary.objects.filter(kpi__in=kpis)
    found: dict[tuple[int, int], CommentaryView] = {}
    rows = live if drafts else _latest_approved(KpiCommentary, live)
    for row in rows:
        found.setdefault(
            (row.kpi_id, row.fiscal_year),
            CommentaryView(
                kpi_id=row.kpi_id,
                fiscal_year=row.fiscal_year,
                state=row.state,
                state_label=row.get_state_display(),
                is_sample=row.is_sample,
                reason=row.reason,
                next_actions=row.next_actions,
            ),
        )
    return found


def latest_ratings(items, scale) -> dict[int, ProgressView]:
    """{item id: its approved progress of the latest year that has one}: one query."""
    latest: dict[int, ProgressView] = {}
    for (item_id, _fy), view in sorted(
        progress_by_year(items, scale, drafts=False).items(), key=lambda kv: -kv[0][1]
    ):
        if view.rating:
            latest.setdefault(item_id, view)
    return latest
