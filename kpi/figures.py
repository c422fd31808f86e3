"""Chart blocks for pages and reports: a figure, the same numbers as a table, and a summary.

Builds kpi/charts.py's plain inputs from assessments (kpi/evaluation.py); no queries of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from smartdocho.display import fy_text
from smartdocho.fiscal import era_label

from . import charts, progress
from .evaluation import Assessment, spec_for, status_words
from .models import TargetKind

NUMBERED_KINDS = (TargetKind.AT_LEAST, TargetKind.AT_MOST)


@dataclass(frozen=True)
class ChartBlock:
    dom_id: str
    title: str
    figure: dict
    columns: list[str]
    rows: list[list[str]]
    summary: str

    @property
    def data_id(self) -> str:
        return f"{self.dom_id}-data"


def _points(a: Assessment) -> list[charts.Point]:
    return [charts.Point(o.fy, float(o.value), o.preliminary) for o in a.observations]


def _has_sample(a: Assessment) -> bool:
    return any(v.is_sample for v in a.kpi.values.all()) or (a.derived and a.sample)


def kpi_chart(a: Assessment) -> charts.KpiChart:
    """The chart of one KPI: its values against the shape of its target (issue 12)."""
    kpi, p = a.kpi, a.progress
    plan = kpi.plan
    baseline = None
    if not kpi.no_baseline:
        baseline = charts.Point(kpi.baseline_fy, float(kpi.baseline_value))
    t = p.target
    targets = []
    if kpi.target_kind in NUMBERED_KINDS:
        targets.append(charts.TargetMark(gettext("目標"), kpi.target_fy, float(kpi.target_value)))
    for r in kpi.target_revisions.all():
        if r.kind in NUMBERED_KINDS:
            label = gettext("再設定後の目標（%(fy)sから）") % {"fy": era_label(r.effective_fy)}
            targets.append(charts.TargetMark(label, r.target_fy, float(r.value)))
    yearly, yearly_label = _yearly_marks(kpi, t)
    path: list[charts.Point] = []
    if t is not None and t.basis == progress.LEVEL and t.fy is not None:
        spec = progress.starting_point(spec_for(kpi), a.observations)
        path = [charts.Point(fy, float(v)) for fy, v in progress.path(spec, t)]
    projection: list[charts.Point] = []
    if p.projected_value is not None and p.value_fy is not None and t is not None:
        projection = [
            charts.Point(p.value_fy, p.value),
            charts.Point(t.fy, p.projected_value),
        ]
    band, band_label = p.band, ""
    if t is not None and t.kind == TargetKind.RANGE:
        # The range is the target: drawn as a band whether or not a value is judged yet.
        band, band_label = (float(t.value), float(t.high)), gettext("目標の範囲")
    return charts.KpiChart(
        title=f"{kpi.code} {kpi.name}",
        unit=kpi.unit.label,
        baseline=baseline,
        values=_points(a),
        targets=targets,
        path=path,
        projection=projection,
        band=band,
        first_fy=plan.first_fy,
        last_fy=plan.last_fy,
        sample=_has_sample(a),
        decimals=kpi.unit.decimals,
        yearly=yearly,
        yearly_label=yearly_label,
        band_label=band_label,
        path_label=gettext("年度別目標値を経る経路") if len(path) > 2 else "",
    )


def _yearly_marks(kpi, t: progress.Target | None) -> tuple[list[charts.Point], str]:
    """The targets of single years: a schedule's steps (the step due each year), or the
    yearly targets (年度別目標値), with their legend label."""
    if t is None:
        return [], ""
    if t.kind == TargetKind.MILESTONE:
        return [charts.Point(s.due_fy, float(i)) for i, s in enumerate(t.steps, 1)], gettext(
            "予定の段階"
        )
    yearly = [charts.Point(fy, float(v)) for fy, v in sorted(t.yearly)]
    if t.basis == progress.ANNUAL:
        # Every year's flow has a target: its own, else the final one.
        return yearly, gettext("その年度の目標値")
    return yearly, gettext("年度別目標値")


def summary(a: Assessment) -> str:
    """One sentence on the chart's story, for its caption and for screen readers."""
    kpi, p = a.kpi, a.progress
    label = status_words(a)
    # The sentence tells the story the judgement is about: values up to the as-of year only,
    # as the judgement itself reads them (a later year's value is not part of it).
    known = [o for o in a.observations if o.fy <= p.as_of_fy]
    if not known:
        return gettext("%(name)sの実績値はまだありません。判定は%(label)sです。") % {
            "name": kpi.name,
            "label": label,
        }
    first, last = known[0], known[-1]
    unit = kpi.unit

    def amount(value) -> str:
        return f"{unit.format(value)}{unit.label}"

    target = ""
    if p.target is not None and p.target.kind in (*NUMBERED_KINDS, TargetKind.RANGE):
        shown = amount(p.target.value)
        if p.target.kind == TargetKind.RANGE:
            shown = f"{shown}～{amount(p.target.high)}"
        target = gettext("目標%(value)s（%(fy)s）に対して、") % {
            "value": shown,
            "fy": fy_text(p.target.fy),
        }
    if first.fy != last.fy:
        moved = gettext("%(from_fy)sの%(from_value)sから%(to_fy)sの%(to_value)sへ推移し") % {
            "from_fy": fy_text(first.fy),
            "from_value": amount(first.value),
            "to_fy": fy_text(last.fy),
            "to_value": amount(last.value),
        }
    else:
        moved = gettext("%(fy)sは%(value)sで") % {
            "fy": fy_text(last.fy),
            "value": amount(last.value),
        }
    return gettext("%(name)sは%(moved)s、%(target)s判定は%(label)sです。") % {
        "name": kpi.name,
        "moved": moved,
        "target": target,
        "label": label,
    }


def axis_note(axis: tuple[float, float], decimals: int | None = None) -> str:
    """ "縦軸は0から始まっていません（低～高）。" when the axis leaves zero out, else "".

    A chart that hugs its numbers makes small changes look large; the caption says so. The
    ends are written with the unit's `decimals` when given (99.1～100.1 for a 0.1% unit, as
    its values are), else with as many as the span needs.
    """
    if charts.starts_at_zero(axis):
        return ""
    places = _axis_decimals(axis) if decimals is None else decimals
    while places < 4 and f"{axis[0]:,.{places}f}" == f"{axis[1]:,.{places}f}":
        places += 1  # ends that would read alike: one more place until they differ
    return gettext("縦軸は0から始まっていません（%(low)s～%(high)s）。") % {
        "low": f"{axis[0]:,.{places}f}",
        "high": f"{axis[1]:,.{places}f}",
    }


def _axis_decimals(axis: tuple[float, float]) -> int:
    span = axis[1] - axis[0]
    return 0 if span >= 10 else 1 if span >= 1 else 2


def kpi_block(a: Assessment, *, small: bool = False) -> ChartBlock:
    chart = kpi_chart(a)
    columns, rows = charts.kpi_table(chart, translate=gettext)
    note = axis_note(charts.kpi_axis(chart), a.kpi.unit.decimals)
    return ChartBlock(
        dom_id=f"chart-{a.kpi.code}{'-small' if small else ''}",
        title=chart.title,
        figure=charts.kpi_figure(chart, small=small, translate=gettext),
        columns=columns,
        rows=rows,
        summary=summary(a) + note,
    )


def components_block(parent: Assessment, components: Sequence[Assessment]) -> ChartBlock | None:
    """One chart of the components that can share the parent's axis, or None if none can.

    Only components in the parent's unit are drawn (a % component of a 件 count, like
    「うち機械判読可能なもの」, would sit flat on the count's axis; it has its own chart on its
    page), and the parent's target line only when every drawn component has that same target.
    """
    kpi = parent.kpi
    components = [
        c
        for c in components
        if (c.kpi.unit.label, c.kpi.unit.scale) == (kpi.unit.label, kpi.unit.scale)
    ]
    if not components:
        return None
    shared_target = all(
        (c.kpi.target_kind, c.kpi.target_value) == (kpi.target_kind, kpi.target_value)
        for c in components
    )
    target = None
    if kpi.target_kind in NUMBERED_KINDS and shared_target:
        target = charts.TargetMark(
            gettext("目標（%(target)s）") % {"target": kpi.target_text or kpi.target_value},
            kpi.target_fy,
            float(kpi.target_value),
        )
    chart = charts.ComponentsChart(
        # The code first, as on every other chart, so a small or cut title still says which.
        title=f"{kpi.code} " + gettext("%(name)sの構成要素") % {"name": kpi.name},
        unit=kpi.unit.label,
        series=[(c.kpi.name, _points(c)) for c in components],
        target=target,
        baselines=[
            charts.Point(c.kpi.baseline_fy, float(c.kpi.baseline_value)) for c in components
        ],
        first_fy=kpi.plan.first_fy,
        last_fy=kpi.plan.last_fy,
        sample=any(_has_sample(c) for c in components),
        decimals=kpi.unit.decimals,
    )
    columns, rows = charts.components_table(chart, translate=gettext)
    statuses = gettext("、").join(f"{c.kpi.name}{status_words(c)}" for c in components)
    return ChartBlock(
        dom_id=f"chart-{kpi.code}-components",
        title=chart.title,
        figure=charts.components_figure(chart, translate=gettext),
        columns=columns,
        rows=rows,
        summary=gettext("%(name)sの構成要素の判定：%(statuses)s。")
        % {"name": kpi.name, "statuses": statuses}
        + axis_note(charts.components_axis(chart), kpi.unit.decimals),
    )
