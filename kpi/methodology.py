"""Worked examples of the progress rules for the methodology page, computed by kpi/progress.py.

Each example states its inputs (baseline, target, values, as-of year) and leaves every result
(status, achievement rate, flags) to `progress.evaluate`, so that the page can never disagree
with the statuses shown elsewhere. The inputs are illustrative, not any government's results.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from smartdocho.display import fy_text
from smartdocho.fiscal import era_label

from . import progress
from .evaluation import stale_text

D = Decimal


@dataclass(frozen=True)
class Example:
    rule: int
    title: str  # gettext_noop text
    spec: progress.KpiSpec
    values: tuple[progress.Observation, ...]
    as_of: int
    unit: str = ""


def _spec(b, t_b, kind, t=None, t_t=2025, percent=False, condition="") -> progress.KpiSpec:
    return progress.KpiSpec(
        baseline_fy=t_b,
        baseline_value=D(b),
        target=progress.Target(
            fy=t_t, kind=kind, value=None if t is None else D(t), condition=condition
        ),
        direction=progress.LOWER if kind in (progress.AT_MOST, progress.DECREASE) else "higher",
        percent=percent,
    )


def _obs(*pairs) -> tuple[progress.Observation, ...]:
    return tuple(progress.Observation(fy, D(v)) for fy, v in pairs)


# One example (or a contrasting pair) for each rule that method version 2 added or changed.
EXAMPLES = (
    Example(
        1,
        gettext_noop("基準年度の実績しかない"),
        _spec("258", 2020, progress.AT_LEAST, "288"),
        _obs((2020, "262")),
        2025,
        "件",
    ),
    Example(
        2,
        gettext_noop("目標年度に目標にわずかに届かない"),
        _spec("31", 2020, progress.AT_LEAST, "200"),
        _obs((2024, "170"), (2025, "196")),
        2025,
        "件",
    ),
    Example(
        2,
        gettext_noop("目標年度に目標に届いた"),
        _spec("31", 2020, progress.AT_LEAST, "200"),
        _obs((2024, "170"), (2025, "200")),
        2025,
        "件",
    ),
    Example(
        3,
        gettext_noop("「上げる」で基準値が0、動きなし"),
        _spec("0", 2021, progress.INCREASE),
        _obs((2023, "0")),
        2024,
        "件",
    ),
    Example(
        3,
        gettext_noop("「上げる」で基準値が0、増加"),
        _spec("0", 2021, progress.INCREASE),
        _obs((2023, "3")),
        2024,
        "件",
    ),
    Example(
        4,
        gettext_noop("「上げる」で割合がすでに100%"),
        _spec("100", 2021, progress.INCREASE, percent=True),
        _obs((2023, "100")),
        2024,
        "%",
    ),
    Example(
        4,
        gettext_noop("「下げる」で割合が0%になった"),
        _spec("5", 2021, progress.DECREASE, percent=True),
        _obs((2023, "0")),
        2024,
        "%",
    ),
    Example(
        5,
        gettext_noop("条件付きの目標（「再構築後」）"),
        _spec("52.5", 2021, progress.AT_LEAST, "80", condition=gettext_noop("再構築後")),
        _obs((2025, "70")),
        2025,
        "%",
    ),
    Example(
        6,
        gettext_noop("最新の実績が2年前のもの"),
        _spec("20", 2021, progress.AT_LEAST, "80"),
        _obs((2022, "21"), (2023, "24")),
        2025,
        "%",
    ),
)


@dataclass(frozen=True)
class WorkedExample:
    """An example as the page shows it: inputs in words, results from `progress.evaluate`."""

    rule: int
    title: str
    inputs: str
    result: progress.Progress
    label: str
    icon: str
    if_met_label: str
    if_met_icon: str
    stale_label: str


def _amount(value: Decimal, unit: str) -> str:
    return f"{value:,}{unit}"


def _inputs(e: Example) -> str:
    s, t = e.spec, e.spec.target
    parts = [
        gettext("基準値 %(value)s（%(fy)s）")
        % {"value": _amount(s.baseline_value, e.unit), "fy": fy_text(s.baseline_fy)}
    ]
    kind = {
        progress.INCREASE: gettext("上げる"),
        progress.DECREASE: gettext("下げる"),
    }.get(t.kind)
    if kind:
        parts.append(gettext("目標「%(kind)s」（%(fy)s）") % {"kind": kind, "fy": fy_text(t.fy)})
    else:
        parts.append(
            gettext("目標 %(value)s以上（%(fy)s）")
            % {"value": _amount(t.value, e.unit), "fy": fy_text(t.fy)}
        )
    if t.condition:
        parts.append(
            gettext("条件「%(condition)s」（適用年度は未定）") % {"condition": gettext(t.condition)}
        )
    parts.append(
        gettext("実績 %(values)s")
        % {
            "values": gettext("、").join(
                f"{_amount(o.value, e.unit)}（{era_label(o.fy)}）" for o in e.values
            )
        }
    )
    parts.append(gettext("評価年度 %(fy)s") % {"fy": fy_text(e.as_of)})
    return gettext("、").join(parts)


def worked_examples() -> list[WorkedExample]:
    """The examples of `EXAMPLES`, each evaluated with the default thresholds."""
    rows = []
    for e in EXAMPLES:
        p = progress.evaluate(e.spec, e.values, e.as_of)
        if_met = p.status_if_condition_met
        rows.append(
            WorkedExample(
                rule=e.rule,
                title=gettext(e.title),
                inputs=_inputs(e),
                result=p,
                label=gettext(progress.DEFAULT_LABELS[p.status]),
                icon=progress.ICONS[p.status],
                if_met_label=gettext(progress.DEFAULT_LABELS[if_met]) if if_met else "",
                if_met_icon=progress.ICONS[if_met] if if_met else "",
                stale_label=stale_text(p),
            )
        )
    return rows
