"""How far a KPI is toward its target: the one progress calculation used everywhere.

Plain Python, free of Django, so the rules can be read and tested alone. Numbers are computed as
exact fractions, so that a value exactly on a threshold lands on the side the rules say; results
are given as floats for display and JSON.

For a KPI evaluated as of fiscal year t, with baseline B in year t_B, target T in year t_T and the
latest value A from year t_A ≤ t:

- expected value on the straight path: E = B + (T − B)·(t_A − t_B)/(t_T − t_B)
- on-track ratio r = (A − B)/(E − B); achievement rate (進捗率) = (A − B)/(T − B)
- status by r: on_track ≥ 0.95 > needs_acceleration ≥ 0.6 > limited_progress ≥ 0 > deterioration
  (the thresholds of the Open SDG / Eurostat progress method; each plan can set its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

Number = Decimal | Fraction | int | float | str


def gettext_noop(message: str) -> str:
    """Marks a text for translation without translating it: this module stays free of Django.

    The Django side shows these texts through gettext, in the reader's language.
    """
    return message


# Status keys are fixed: they appear in exports and published reports.
ACHIEVED = "achieved"
ON_TRACK = "on_track"
NEEDS_ACCELERATION = "needs_acceleration"
LIMITED_PROGRESS = "limited_progress"
DETERIORATION = "deterioration"
NOT_ASSESSABLE = "not_assessable"
PENDING = "pending"

# From best to worst; not_assessable and pending stand outside the order.
STATUS_ORDER = (ACHIEVED, ON_TRACK, NEEDS_ACCELERATION, LIMITED_PROGRESS, DETERIORATION)
ALL_STATUSES = (*STATUS_ORDER, PENDING, NOT_ASSESSABLE)

DEFAULT_LABELS = {
    ACHIEVED: gettext_noop("達成"),
    ON_TRACK: gettext_noop("順調"),
    NEEDS_ACCELERATION: gettext_noop("やや遅れ"),
    LIMITED_PROGRESS: gettext_noop("遅れ"),
    DETERIORATION: gettext_noop("悪化"),
    NOT_ASSESSABLE: gettext_noop("判定不能"),
    PENDING: gettext_noop("条件待ち"),
}
# A shape for each status, so that no status is told by colour alone.
ICONS = {
    ACHIEVED: "◎",
    ON_TRACK: "○",
    NEEDS_ACCELERATION: "△",
    LIMITED_PROGRESS: "▽",
    DETERIORATION: "×",
    NOT_ASSESSABLE: "－",
    PENDING: "…",
}

# Flags carried with every result.
FLAG_APPROXIMATE_BASELINE = "approximate_baseline"
FLAG_PRELIMINARY_VALUE = "preliminary_value"
FLAG_PROVISIONAL_TARGET = "provisional_target"
FLAG_REVISED_TARGET = "revised_target"
FLAG_CONDITION_PENDING = "condition_pending"
FLAG_LABELS = {
    FLAG_APPROXIMATE_BASELINE: gettext_noop("基準値は概数"),
    FLAG_PRELIMINARY_VALUE: gettext_noop("実績は速報値"),
    FLAG_PROVISIONAL_TARGET: gettext_noop("目標は暫定"),
    FLAG_REVISED_TARGET: gettext_noop("目標は再設定後"),
    FLAG_CONDITION_PENDING: gettext_noop("目標の適用条件待ち"),
}

AT_LEAST, AT_MOST, MAINTAIN, INCREASE, DECREASE, NONE = (
    "at_least",
    "at_most",
    "maintain",
    "increase",
    "decrease",
    "none",
)
HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"


def _q(x: Number | None) -> Fraction | None:
    """An exact fraction from a Decimal, int, str or float (floats by their decimal text)."""
    if x is None:
        return None
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        return Fraction(repr(x))
    return Fraction(Decimal(x)) if not isinstance(x, int) else Fraction(x)


def _f(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class Thresholds:
    """Where the status bands begin. Defaults: the Open SDG / Eurostat method."""

    on_track: Number = Decimal("0.95")
    needs_acceleration: Number = Decimal("0.6")
    growth_on_track: Number = Decimal("0.015")
    growth_needs_acceleration: Number = Decimal("0.005")

    def __post_init__(self) -> None:
        if not 0 <= _q(self.needs_acceleration) <= _q(self.on_track):
            raise ValueError("閾値は 0 ≤ やや遅れ ≤ 順調 の順にしてください。")
        if not 0 <= _q(self.growth_needs_acceleration) <= _q(self.growth_on_track):
            raise ValueError("伸び率の閾値は 0 ≤ やや遅れ ≤ 順調 の順にしてください。")


@dataclass(frozen=True)
class Target:
    fy: int | None
    kind: str
    value: Number | None = None
    tolerance: Number = Decimal("0.05")
    condition: str = ""
    condition_fy: int | None = None
    effective_fy: int | None = None  # set on a revision: from which year it replaces the original
    text: str = ""


@dataclass(frozen=True)
class Observation:
    fy: int
    value: Number
    preliminary: bool = False


@dataclass(frozen=True)
class KpiSpec:
    baseline_fy: int
    baseline_value: Number
    target: Target
    direction: str = HIGHER
    baseline_approximate: bool = False
    provisional: bool = False
    revisions: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Progress:
    status: str
    as_of_fy: int
    target: Target | None  # the target in force as of as_of_fy
    original_target: Target
    baseline_fy: int
    baseline_value: float
    value_fy: int | None = None
    value: float | None = None
    expected_value: float | None = None
    ratio: float | None = None
    achievement_rate: float | None = None
    growth_rate: float | None = None
    band: tuple[float, float] | None = None
    status_if_condition_met: str | None = None
    projected_value: float | None = None
    projected_status: str | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""


def target_in_force(spec: KpiSpec, as_of_fy: int) -> Target:
    """The latest revision that has taken effect by as_of_fy, else the original target."""
    effective = [
        r for r in spec.revisions if r.effective_fy is not None and r.effective_fy <= as_of_fy
    ]
    return max(effective, key=lambda r: r.effective_fy) if effective else spec.target


def combine_mean(component_series: Sequence[Iterable[Observation]]) -> list[Observation]:
    """A parent's series: for each year in which every component has a value, their mean.

    The mean is preliminary when any of its parts is.
    """
    if not component_series:
        return []
    by_year = [{o.fy: o for o in series} for series in component_series]
    years = set.intersection(*(set(d) for d in by_year))
    result = []
    for fy in sorted(years):
        parts = [d[fy] for d in by_year]
        mean = sum((_q(p.value) for p in parts), Fraction(0)) / len(parts)
        result.append(Observation(fy, mean, any(p.preliminary for p in parts)))
    return result


def evaluate(
    spec: KpiSpec,
    observations: Iterable[Observation],
    as_of_fy: int,
    thresholds: Thresholds | None = None,
) -> Progress:
    """The KPI's progress as of a fiscal year, from the values known for years up to it."""
    th = thresholds or Thresholds()
    known = sorted((o for o in observations if o.fy <= as_of_fy), key=lambda o: o.fy)
    target = target_in_force(spec, as_of_fy)
    flags = set()
    if spec.baseline_approximate:
        flags.add(FLAG_APPROXIMATE_BASELINE)
    if spec.provisional:
        flags.add(FLAG_PROVISIONAL_TARGET)
    if target is not spec.target:
        flags.add(FLAG_REVISED_TARGET)
    base = Progress(
        status=NOT_ASSESSABLE,
        as_of_fy=as_of_fy,
        target=None if target.kind == NONE else target,
        original_target=spec.target,
        baseline_fy=spec.baseline_fy,
        baseline_value=float(_q(spec.baseline_value)),
    )
    if target.kind == NONE or target.fy is None:
        return replace(
            base, flags=frozenset(flags), reason=gettext_noop("目標がまだ設定されていません。")
        )
    if not known:
        return replace(
            base, flags=frozenset(flags), reason=gettext_noop("実績値がまだありません。")
        )

    latest = known[-1]
    if latest.preliminary:
        flags.add(FLAG_PRELIMINARY_VALUE)
    judged = _judge(spec, target, latest.fy, _q(latest.value), th)
    status = judged.status
    status_if_met = None
    if _condition_pending(target, as_of_fy) and status != ACHIEVED:
        flags.add(FLAG_CONDITION_PENDING)
        status_if_met = status
        status = PENDING
    projected_value, projected_status = _project(spec, target, known, th)
    return replace(
        base,
        status=status,
        value_fy=latest.fy,
        value=_f(_q(latest.value)),
        expected_value=_f(judged.expected),
        ratio=_f(judged.ratio),
        achievement_rate=_f(judged.achievement),
        growth_rate=judged.growth,
        band=judged.band,
        status_if_condition_met=status_if_met,
        projected_value=_f(projected_value),
        projected_status=projected_status,
        flags=frozenset(flags),
        reason=judged.reason,
    )


def _condition_pending(target: Target, as_of_fy: int) -> bool:
    if not target.condition:
        return False
    return target.condition_fy is None or as_of_fy < target.condition_fy


@dataclass(frozen=True)
class _Judgement:
    status: str
    reason: str
    expected: Fraction | None = None
    ratio: Fraction | None = None
    achievement: Fraction | None = None
    growth: float | None = None
    band: tuple[float, float] | None = None


def _sign(spec: KpiSpec, target: Target) -> int:
    """+1 where higher is better, −1 where lower is better, 0 where neither."""
    if target.kind in (AT_LEAST, INCREASE):
        return 1
    if target.kind in (AT_MOST, DECREASE):
        return -1
    return {HIGHER: 1, LOWER: -1}.get(spec.direction, 0)


def _by_ratio(r: Fraction, th: Thresholds) -> str:
    if r >= _q(th.on_track):
        return ON_TRACK
    if r >= _q(th.needs_acceleration):
        return NEEDS_ACCELERATION
    if r >= 0:
        return LIMITED_PROGRESS
    return DETERIORATION


def _by_growth(g: float, th: Thresholds) -> str:
    if g >= float(_q(th.growth_on_track)):
        return ON_TRACK
    if g >= float(_q(th.growth_needs_acceleration)):
        return NEEDS_ACCELERATION
    if g >= 0:
        return LIMITED_PROGRESS
    return DETERIORATION


def _judge(spec: KpiSpec, target: Target, t_a: int, a: Fraction, th: Thresholds) -> _Judgement:
    b = _q(spec.baseline_value)
    t_b = spec.baseline_fy
    s = _sign(spec, target)

    if target.kind == MAINTAIN:
        ref = _q(target.value) if target.value is not None else b
        tol = abs(ref) * _q(target.tolerance)
        low, high = ref - tol, ref + tol
        band = (float(low), float(high))
        if low <= a <= high:
            return _Judgement(
                ACHIEVED, gettext_noop("許容幅の中にあります。"), expected=ref, band=band
            )
        side = 1 if a > high else -1
        if s == 0:
            return _Judgement(
                LIMITED_PROGRESS,
                gettext_noop("許容幅の外にあります（望ましい方向の定めなし）。"),
                ref,
                band=band,
            )
        if side == s:
            return _Judgement(
                ACHIEVED, gettext_noop("許容幅を望ましい側に超えています。"), ref, band=band
            )
        return _Judgement(
            DETERIORATION, gettext_noop("許容幅を望ましくない側に外れています。"), ref, band=band
        )

    if target.kind in (INCREASE, DECREASE):
        better = (a - b) * s > 0
        no_worse = (a - b) * s >= 0
        if t_a <= t_b:
            if no_worse:
                return _Judgement(
                    ON_TRACK, gettext_noop("基準年度以前の値で、基準値より悪化していません。")
                )
            return _Judgement(
                DETERIORATION, gettext_noop("基準年度以前の値で、基準値より悪化しています。")
            )
        if b <= 0 or a <= 0:
            if t_a >= target.fy and better:
                return _Judgement(
                    ACHIEVED, gettext_noop("目標年度に基準値より望ましい方向に動いています。")
                )
            if better:
                return _Judgement(
                    ON_TRACK, gettext_noop("伸び率は計算できませんが、望ましい方向に動いています。")
                )
            return _Judgement(
                DETERIORATION, gettext_noop("伸び率は計算できず、望ましい方向に動いていません。")
            )
        good_g = (float(a / b) ** (1 / (t_a - t_b)) - 1) * s
        if t_a >= target.fy and better:
            return _Judgement(
                ACHIEVED,
                gettext_noop("目標年度に基準値より望ましい方向に動いています。"),
                growth=good_g,
            )
        return _Judgement(
            _by_growth(good_g, th),
            gettext_noop("望ましい方向の年平均伸び率で判定しました。"),
            growth=good_g,
        )

    # at_least / at_most: a number to reach.
    t = _q(target.value)
    met = (a - t) * s >= 0
    achievement = ratio = expected = None
    if t != b:
        achievement = (a - b) / (t - b)
    if t != b and t_a > t_b:
        expected = b + (t - b) * Fraction(t_a - t_b, target.fy - t_b) if target.fy > t_b else t
        ratio = (a - b) / (expected - b)
    numbers = {"expected": expected, "ratio": ratio, "achievement": achievement}
    if met:
        return _Judgement(ACHIEVED, gettext_noop("目標値に達しています。"), **numbers)
    if (t - b) * s <= 0:
        # The baseline already met the target (100% → 100%): falling short of it is a decline.
        return _Judgement(
            DETERIORATION, gettext_noop("基準値で達していた目標を下回っています。"), **numbers
        )
    if t_a <= t_b:
        if (a - b) * s >= 0:
            return _Judgement(
                ON_TRACK,
                gettext_noop("基準年度以前の値で、基準値より悪化していません。"),
                **numbers,
            )
        return _Judgement(
            DETERIORATION, gettext_noop("基準年度以前の値で、基準値より悪化しています。"), **numbers
        )
    return _Judgement(
        _by_ratio(ratio, th),
        gettext_noop("基準値から目標値への直線上の期待値と比べて判定しました。"),
        **numbers,
    )


def _project(
    spec: KpiSpec, target: Target, known: Sequence[Observation], th: Thresholds
) -> tuple[Fraction | None, str | None]:
    """The least-squares line through the baseline and the values, evaluated at the target year."""
    points = [(spec.baseline_fy, _q(spec.baseline_value))]
    points += [(o.fy, _q(o.value)) for o in known if o.fy > spec.baseline_fy]
    if len(points) < 2 or target.fy is None:
        return None, None
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    projected = mean_y + slope * (target.fy - mean_x)
    judged = _judge(spec, target, target.fy, projected, th)
    return projected, judged.status


def status_rank(status: str) -> int:
    """0 for achieved … 4 for deterioration; for sorting and for 'better never gets worse'."""
    return STATUS_ORDER.index(status)
