"""Progress of KPI model instances: builds kpi/progress.py's inputs from the database rows.

Works on KPIs fetched with `Kpi.objects.for_display()`, so it makes no queries of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from initiatives.models import Plan

from . import progress
from .fiscal import fiscal_year_of
from .models import CombineRule, Kpi, KpiValue, TargetRevision


def default_as_of(plan: Plan, today: date | None = None) -> int:
    """The year a committee reports on: the last completed fiscal year, within the plan."""
    today = today or timezone.localdate()
    return min(max(fiscal_year_of(today) - 1, plan.first_fy), plan.last_fy)


def _target(kpi: Kpi) -> progress.Target:
    return progress.Target(
        fy=kpi.target_fy,
        kind=kpi.target_kind,
        value=kpi.target_value,
        tolerance=kpi.target_tolerance,
        condition=kpi.target_condition,
        condition_fy=kpi.target_condition_fy,
        text=kpi.target_text,
    )


def _revision(kpi: Kpi, r: TargetRevision) -> progress.Target:
    return progress.Target(
        fy=r.target_fy,
        kind=r.kind,
        value=r.value,
        tolerance=kpi.target_tolerance,
        condition=kpi.target_condition,
        condition_fy=kpi.target_condition_fy,
        effective_fy=r.effective_fy,
        text=r.text,
    )


def spec_for(kpi: Kpi) -> progress.KpiSpec:
    return progress.KpiSpec(
        baseline_fy=kpi.baseline_fy,
        baseline_value=kpi.baseline_value,
        baseline_approximate=kpi.baseline_approximate,
        direction=kpi.direction,
        provisional=kpi.is_provisional,
        target=_target(kpi),
        revisions=tuple(_revision(kpi, r) for r in kpi.target_revisions.all()),
    )


def visible_values(kpi: Kpi, *, final_only: bool = False) -> list[KpiValue]:
    values = kpi.values.all()
    if final_only:
        return [v for v in values if v.status == KpiValue.Status.FINAL]
    return list(values)


def _observations(values: Iterable[KpiValue]) -> list[progress.Observation]:
    return [progress.Observation(v.fiscal_year, v.value, v.is_preliminary) for v in values]


@dataclass(frozen=True)
class Assessment:
    """A KPI's progress with what a page needs to show it."""

    kpi: Kpi
    progress: progress.Progress
    observations: tuple[progress.Observation, ...]
    derived: bool  # the series is the mean of the components, not the KPI's own values
    label: str
    icon: str
    projected_label: str

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def flag_labels(self) -> list[str]:
        return [progress.FLAG_LABELS[f] for f in sorted(self.progress.flags)]


def assess(
    kpis: Sequence[Kpi], plan: Plan, as_of: int, *, final_only: bool = False
) -> dict[int, Assessment]:
    """Each KPI's assessment, keyed by KPI id.

    A parent that combines its components and has no value of its own is judged on the mean of
    its components, which must be among `kpis`.
    """
    thresholds = plan.thresholds
    children: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        if kpi.parent_id:
            children[kpi.parent_id].append(kpi)
    result = {}
    for kpi in kpis:
        own = _observations(visible_values(kpi, final_only=final_only))
        derived = False
        if not own and kpi.combine_rule == CombineRule.MEAN and children.get(kpi.id):
            own = progress.combine_mean(
                [_observations(visible_values(c, final_only=final_only)) for c in children[kpi.id]]
            )
            derived = bool(own)
        p = progress.evaluate(spec_for(kpi), own, as_of, thresholds)
        result[kpi.id] = Assessment(
            kpi=kpi,
            progress=p,
            observations=tuple(own),
            derived=derived,
            label=plan.status_label(p.status),
            icon=progress.ICONS[p.status],
            projected_label=plan.status_label(p.projected_status) if p.projected_status else "",
        )
    return result


def status_counts(assessments: Iterable[Assessment], plan: Plan) -> list[tuple[str, str, str, int]]:
    """(status, label, icon, count) for every status, in the fixed order, zeros included."""
    counts = dict.fromkeys(progress.ALL_STATUSES, 0)
    for a in assessments:
        counts[a.status] += 1
    return [(s, plan.status_label(s), progress.ICONS[s], n) for s, n in counts.items()]
