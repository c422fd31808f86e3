"""Progress of KPI model instances: builds kpi/progress.py's inputs from the database rows.

Works on KPIs fetched with `Kpi.objects.for_display()`, so it makes no queries of its own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language, gettext

from initiatives.models import Plan
from smartdocho.display import fy_text, quoted
from smartdocho.fiscal import FiscalYearError, era_label, fiscal_year_of, parse_fy

from . import progress
from .models import CombineRule, Kpi, KpiValue, TargetKind, TargetRevision, UnitKind


def value_years(plan: Plan) -> range:
    """The fiscal years values are entered and judged for: the plan's own years, followed by
    its follow-up years up to the latest target year of its KPIs (rule 13: a 2030 goal in a
    plan ending in 2026 is judged on 2027–2030 values too). One query, kept on the plan.
    """
    cached = getattr(plan, "_value_years", None)
    if cached is None:
        latest = Kpi.objects.filter(plan=plan).aggregate(
            kpi=Max("target_fy"), revision=Max("target_revisions__target_fy")
        )
        last = max([plan.last_fy, *(fy for fy in latest.values() if fy is not None)])
        cached = plan._value_years = range(plan.first_fy, last + 1)
    return cached


def default_as_of(plan: Plan, today: date | None = None) -> int:
    """The year a committee reports on: the last completed fiscal year, within the plan's
    years and then its follow-up years (value_years)."""
    today = today or timezone.localdate()
    fy = max(fiscal_year_of(today) - 1, plan.first_fy)
    if fy <= plan.last_fy:
        return fy  # no query while the plan runs
    return min(fy, value_years(plan)[-1])


def thresholds_for(plan: Plan) -> progress.Thresholds:
    """Where the plan's status bands begin (its threshold and growth fields)."""
    return progress.Thresholds(
        on_track=plan.threshold_on_track,
        needs_acceleration=plan.threshold_needs_acceleration,
        growth_on_track=plan.growth_on_track,
        growth_needs_acceleration=plan.growth_needs_acceleration,
    )


def status_label(plan: Plan, status: str) -> str:
    """The plan's name for a status (its `status_labels`), else the default name."""
    return (plan.status_labels or {}).get(status) or gettext(progress.DEFAULT_LABELS[status])


def check_status_labels(plan: Plan) -> None:
    """Part of Plan.clean (registered in kpi/apps.py): `status_labels` names known statuses only."""
    unknown = sorted(set(plan.status_labels or {}) - set(progress.ALL_STATUSES))
    if unknown:
        raise ValidationError(
            {"status_labels": f"判定の名前が正しくありません: {', '.join(unknown)}"}
        )


def _target(kpi: Kpi) -> progress.Target:
    steps = tuple(progress.Step(s.label, s.due_fy) for s in kpi.steps.all())
    target_fy = kpi.target_fy
    if kpi.target_kind == TargetKind.MILESTONE and steps:
        # A schedule ends when its last step is due, or at the later target year the plan
        # writes beside it (the Excel import accepts one, kpi/plan_xlsx.py).
        target_fy = max(s.due_fy for s in steps)
        target_fy = max(target_fy, kpi.target_fy or target_fy)
    return progress.Target(
        fy=target_fy,
        kind=kpi.target_kind,
        value=kpi.target_value,
        tolerance=kpi.target_tolerance,
        condition=kpi.target_condition,
        condition_fy=kpi.target_condition_fy,
        text=kpi.target_text,
        high=kpi.target_value_high,
        basis=kpi.target_basis,
        yearly=tuple((y.fiscal_year, y.value) for y in kpi.yearly_targets.all()),
        steps=steps,
    )


def _revision(kpi: Kpi, r: TargetRevision) -> progress.Target:
    """A revision keeps the original target's tolerance, condition and basis; the yearly
    targets were set for the original target, so a revision's path is straight."""
    return replace(
        _target(kpi),
        fy=r.target_fy,
        kind=r.kind,
        value=r.value,
        effective_fy=r.effective_fy,
        text=r.text,
        high=None,
        yearly=(),
        steps=(),
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
        percent=kpi.unit.kind == UnitKind.PERCENT,
        start_fy=kpi.plan.first_fy,
        cumulative=kpi.cumulative,
    )


def visible_values(kpi: Kpi, *, final_only: bool = False) -> list[KpiValue]:
    values = kpi.values.all()
    if final_only:
        return [v for v in values if v.status == KpiValue.Status.FINAL]
    return list(values)


def _observations(values: Iterable[KpiValue]) -> list[progress.Observation]:
    return [progress.Observation(v.fiscal_year, v.value, v.is_preliminary) for v in values]


def stale_text(p: progress.Progress) -> str:
    """ "R5の実績で判定" when the status rests on a value two or more years old, else ""."""
    if not p.stale_value:
        return ""
    return gettext(progress.FLAG_LABELS[progress.FLAG_STALE_VALUE]) % {"fy": era_label(p.value_fy)}


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
    sample: bool  # the value shown is (or is made from) sample data
    # What a pending KPI would be if its condition were met (rule 5), "" when not pending.
    if_met_label: str = ""
    if_met_icon: str = ""

    @property
    def status(self) -> str:
        return self.progress.status

    # Sort keys for the sortable table: None for an unknown, which kpi.tables.UnknownsLastData
    # puts last whichever way the column is sorted.
    @property
    def sort_code(self) -> tuple[tuple[int, int, str], ...]:
        return tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.kpi.code.split("-")
        )

    @property
    def sort_value(self) -> float | None:
        """The latest value in the KPI's unit; None when none is entered (未入力)."""
        return self.progress.value

    @property
    def sort_achievement(self) -> float | None:
        """The achievement rate as a fraction (1.0 = 100%); None when there is none."""
        return self.progress.achievement_rate

    @property
    def sort_status(self) -> int | None:
        """The status's rank, best first; None for 判定不能 (not_assessable)."""
        if self.status == progress.NOT_ASSESSABLE:
            return None
        return progress.ALL_STATUSES.index(self.status)

    @property
    def if_met_status(self) -> str | None:
        return self.progress.status_if_condition_met

    @property
    def stale_label(self) -> str:
        return stale_text(self.progress)

    @property
    def flag_labels(self) -> list[str]:
        """The flags' labels, except stale_value, which is shown beside the status itself."""
        return [
            gettext(progress.FLAG_LABELS[f])
            for f in sorted(self.progress.flags)
            if f != progress.FLAG_STALE_VALUE
        ]


def status_words(a: Assessment) -> str:
    """The status in words with what it hides and rests on: 「条件待ち」（条件を満たせば「未達成」）.

    For sentences (chart captions, summaries); pages show the same with icons (status.html).
    """
    notes = []
    if a.if_met_label:
        notes.append(gettext("条件を満たせば%(label)s") % {"label": quoted(a.if_met_label)})
    if a.stale_label:
        notes.append(a.stale_label)
    text = quoted(a.label)
    return text + (gettext("（%(notes)s）") % {"notes": gettext("、").join(notes)} if notes else "")


def assess(
    kpis: Sequence[Kpi], plan: Plan, as_of: int, *, final_only: bool = False
) -> dict[int, Assessment]:
    """Each KPI's assessment, keyed by KPI id.

    A parent that combines its components and has no value of its own is judged on the mean of
    its components, which must be among `kpis`.
    """
    thresholds = thresholds_for(plan)
    children: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        if kpi.parent_id:
            children[kpi.parent_id].append(kpi)
    result = {}
    for kpi in kpis:
        values = visible_values(kpi, final_only=final_only)
        own = _observations(values)
        derived = False
        if not own and kpi.combine_rule == CombineRule.MEAN and children.get(kpi.id):
            parts = [visible_values(c, final_only=final_only) for c in children[kpi.id]]
            own = progress.combine_mean([_observations(vs) for vs in parts])
            derived = bool(own)
            values = [v for vs in parts for v in vs]
        p = progress.evaluate(spec_for(kpi), own, as_of, thresholds)
        if_met = p.status_if_condition_met

        def label(status: str, kpi=kpi, p=p) -> str:
            return _status_label(plan, kpi, p, status)

        result[kpi.id] = Assessment(
            kpi=kpi,
            progress=p,
            observations=tuple(own),
            derived=derived,
            label=label(p.status),
            icon=progress.ICONS[p.status],
            projected_label=label(p.projected_status) if p.projected_status else "",
            sample=any(v.is_sample for v in values if v.fiscal_year == p.value_fy),
            if_met_label=label(if_met) if if_met else "",
            if_met_icon=progress.ICONS[if_met] if if_met else "",
        )
    return result


def _status_label(plan: Plan, kpi: Kpi, p: progress.Progress, status: str) -> str:
    """The plan's label for a status, except 「許容幅の外」 for a neutral maintain KPI.

    Outside its band with no desired direction, such a KPI gets limited_progress, whose label
    「遅れ」 read as behind schedule (issue 16).
    """
    if (
        status == progress.LIMITED_PROGRESS
        and kpi.direction == progress.NEUTRAL
        and p.target is not None
        and p.target.kind == progress.MAINTAIN
    ):
        return gettext(progress.OUTSIDE_BAND_LABEL)
    return status_label(plan, status)


def status_counts(assessments: Iterable[Assessment], plan: Plan) -> list[tuple[str, str, str, int]]:
    """(status, label, icon, count) for every status, in the fixed order, zeros included."""
    counts = dict.fromkeys(progress.ALL_STATUSES, 0)
    for a in assessments:
        counts[a.status] += 1
    return [(s, status_label(plan, s), progress.ICONS[s], n) for s, n in counts.items()]


class AsOfError(ValueError):
    pass


def resolve_as_of(plan: Plan, raw: str | None, today: date | None = None) -> int:
    """The as-of year a request asks for ("R6", "2024"...), or the default; within the plan."""
    if raw is None or raw.strip() == "":
        return default_as_of(plan, today)
    try:
        fy = parse_fy(raw)
    except FiscalYearError as err:
        raise AsOfError(str(err)) from None
    years = value_years(plan)
    if fy not in years:
        raise AsOfError(
            gettext("評価年度は%(first)s～%(last)sの中で指定してください。")
            % {"first": fy_text(years[0]), "last": fy_text(years[-1])}
        )
    return fy


ANNUAL_KINDS = (progress.AT_LEAST, progress.AT_MOST, progress.RANGE)


def step_label(kpi: Kpi, reached: float | int | None) -> str:
    """The step a milestone KPI's value names: "導入（2/3段階）"; "未着手（0/3段階）" at 0."""
    if reached is None:
        return "—"
    steps = list(kpi.steps.all())
    n = int(reached)
    name = steps[n - 1].label if 0 < n <= len(steps) else gettext("未着手")
    return gettext("%(name)s（%(n)s/%(total)s段階）") % {
        "name": name,
        "n": n,
        "total": len(steps),
    }


def _explain_schedule(kpi: Kpi, p: progress.Progress) -> str:
    t = p.target
    return gettext("%(fy)sの実績は%(reached)sです。%(fy)sまでに予定していた段階は%(due)sです。") % {
        "fy": fy_text(p.value_fy),
        "reached": quoted(step_label(kpi, p.value)),
        "due": quoted(step_label(kpi, t.steps_due(p.value_fy))),
    }


def _fmt(kpi: Kpi, value: float | None, extra_decimals: int = 0) -> str:
    if value is None:
        return "—"
    decimals = kpi.unit.decimals + extra_decimals
    return f"{value:,.{decimals}f}{kpi.unit.label}"


_SENTENCE_END = re.compile(r"([.!?])(?=[A-Z“(])")


def explain(a: Assessment) -> str:
    """One sentence, in the reader's language, of how the status was reached.

    The parts are translated one by one and joined as Japanese joins sentences (no space); in
    English a space is put back after each sentence's full stop."""
    text = _explain(a)
    if (get_language() or "").startswith("en"):
        text = _SENTENCE_END.sub(r"\1 ", text)
    return text


def _explain(a: Assessment) -> str:
    p, kpi = a.progress, a.kpi
    label = quoted(a.label)
    reason = gettext(p.reason) if p.reason else ""
    if p.status == progress.NOT_ASSESSABLE:
        return gettext("%(reason)sそのため%(label)sとしています。") % {
            "reason": reason,
            "label": label,
        }
    t = p.target
    # The status before a pending condition is applied: the one the numbers themselves give.
    judged = p.status_if_condition_met or p.status
    value = gettext("%(fy)sの実績%(value)s") % {
        "fy": fy_text(p.value_fy),
        "value": _fmt(kpi, p.value),
    }
    if a.derived:
        value += gettext("（構成要素の平均）")
    if progress.FLAG_NO_BASELINE in p.flags:
        base = gettext("起点とした最初の実績%(value)s（%(fy)s）") % {
            "value": _fmt(kpi, p.baseline_value),
            "fy": fy_text(p.baseline_fy),
        }
    else:
        base = gettext("基準値%(approx)s%(value)s（%(fy)s）") % {
            "approx": gettext("約") if kpi.baseline_approximate else "",
            "value": _fmt(kpi, p.baseline_value),
            "fy": fy_text(p.baseline_fy),
        }
    if t.kind == progress.MILESTONE:
        text = _explain_schedule(kpi, p) + reason
    elif t.basis == progress.ANNUAL and t.kind in ANNUAL_KINDS:
        text = gettext("%(value)sを、その年度の目標%(target)sと比べました。") % {
            "value": value,
            "target": _fmt(kpi, p.expected_value),
        }
        if p.ratio is not None and judged not in (progress.ACHIEVED, progress.ON_TRACK):
            text += gettext("目標に対する比率は%(ratio)sです。") % {"ratio": f"{p.ratio:.2f}"}
        text += reason
    elif t.kind == progress.MAINTAIN:
        low, high = p.band
        text = gettext("%(value)sを、%(ref)sの±%(tol)s（%(low)s～%(high)s）と比べました。") % {
            "value": value,
            "ref": _fmt(kpi, p.expected_value),
            "tol": f"{float(t.tolerance):.0%}",
            "low": _fmt(kpi, low),
            "high": _fmt(kpi, high),
        }
        text += reason
    elif t.kind in (progress.INCREASE, progress.DECREASE):
        text = gettext("%(base)sから%(value)sまで、") % {"base": base, "value": value}
        if p.growth_rate is not None:
            text += gettext("望ましい方向の年平均伸び率は%(rate)sです。") % {
                "rate": f"{p.growth_rate:+.2%}"
            }
        if p.growth_rate is None or judged in (progress.ACHIEVED, progress.NOT_ACHIEVED):
            text += reason
    else:
        shown = _fmt(kpi, float(t.value))
        if t.kind == progress.RANGE:
            shown = f"{shown}～{_fmt(kpi, float(t.high))}"
        target = gettext("目標%(value)s（%(fy)s）") % {"value": shown, "fy": fy_text(t.fy)}
        if p.ratio is not None and judged != progress.ACHIEVED and t.yearly:
            text = gettext(
                "%(value)sは、%(base)sから年度別目標値を経て%(target)sに至る経路上の期待値%(expected)sに対して比率%(ratio)sです。"
            ) % {
                "value": value,
                "base": base,
                "target": target,
                "expected": _fmt(kpi, p.expected_value),
                "ratio": f"{p.ratio:.2f}",
            }
        elif p.ratio is not None and judged != progress.ACHIEVED:
            text = gettext(
                "%(value)sは、%(base)sから%(target)sへの直線上の期待値%(expected)sに対して比率%(ratio)sです。"
            ) % {
                "value": value,
                "base": base,
                "target": target,
                "expected": _fmt(kpi, p.expected_value),
                "ratio": f"{p.ratio:.2f}",
            }
        else:
            text = gettext("%(value)sと%(target)sを比べました。") % {
                "value": value,
                "target": target,
            }
            text += reason
            if judged == progress.NOT_ACHIEVED and p.achievement_rate is not None:
                text += gettext("進捗率は%(rate)sです。") % {"rate": f"{p.achievement_rate:.1%}"}
    if p.stale_value:
        text += gettext(
            "この実績は評価年度%(as_of)sより%(years)s年前のものです（最新の実績がまだありません）。"
        ) % {"as_of": fy_text(p.as_of_fy), "years": p.as_of_fy - p.value_fy}
    if p.status == progress.PENDING:
        return text + gettext(
            "目標は%(condition)sに適用されるため%(label)sとし、条件を満たしているとすれば%(met)sに当たります。"
        ) % {
            "condition": quoted(t.condition),
            "label": label,
            "met": quoted(status_label(kpi.plan, p.status_if_condition_met)),
        }
    return text + gettext("判定は%(label)sです。") % {"label": label}
