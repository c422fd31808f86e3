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

Method version 2 (issue 11, "Progress rules v2"), in addition:

1. Only values after the baseline year measure progress: with no value from a year after t_B up
   to t, the status is not_assessable.
2. From the target year on (t_A ≥ t_T) the verdict is final: achieved when the target is met
   (at_least/at_most: T reached; maintain: inside the band or on the good side;
   increase/decrease: strictly on the good side of B), else not_achieved. No straight-path
   ratio and no projection are computed then; the achievement rate still is.
3. Undefined growth (increase/decrease with B ≤ 0 or A ≤ 0): better than B is on_track, equal
   limited_progress, worse deterioration.
4. Natural limits: for a percentage unit, increase with A ≥ 100 or decrease with A ≤ 0 is
   achieved (nothing is left to gain).
5. pending keeps the status the KPI would have if its condition were met
   (status_if_condition_met).
6. stale_value is flagged when t − t_A ≥ 2.
7. METHOD_VERSION is carried in exports and published reports.

Target shapes (issue 12, "Any government's plan"), each with its own rule:

8. Yearly targets (年度別目標値) on a level target: the expected value follows the path
   baseline → each yearly target → the final target (straight between neighbouring points)
   instead of one straight line. Example: B = 0 in R3, yearly targets 40/50/60 for R4–R6 and
   100 for R7; A = 35 in R4 → E = 40 → r = 0.875 → needs_acceleration.
9. Annual targets (basis `annual`, per-year flows such as "1,000人/年"): each year's value is
   judged against that year's own target (its yearly target, else the final target value):
   met → on_track (achieved from the target year on), else by the ratio A/T_y (T_y/A where
   lower is better) with the same thresholds; not_achieved from the target year on.
10. Range targets ("80～90"): achieved inside [low, high]; outside, judged as at_least low
    (below it) or at_most high (above it), by the path rule.
11. Milestone targets (実施スケジュール): ordered steps, each due in a year; the value is the
    number of steps reached. Achieved when the last step is reached; on_track when every step
    due by the value's year is reached; one step behind → needs_acceleration; more →
    limited_progress; not_achieved from the target year (the last step's) on. The schedule is
    the path, so its starting point is "no step reached" and no baseline is needed.
12. No baseline (新規, flag no_baseline): the first value from the plan's first year on is the
    starting point (t_B, B); rule 1 then applies from it, with two exceptions, since a number
    to reach needs no earlier point to be met or missed:
    a. a lone first value of an at_least/at_most/range target is achieved when it meets the
       target, and not_achieved when it is from the target year on and does not; an annual
       target (rule 9) judges every value, the first one included, against its year's target;
    b. a cumulative count (累計) of a new KPI starts from 0 the year before the plan's first
       year: nothing was counted before it began.
13. A target year past the plan period is judged on the path toward it like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

Number = Decimal | Fraction | int | float | str

# The version of these rules, carried in exports and published reports (rule 7). Version 1 is
# the method before issue 11: straight-path ratios past the target year, no not_achieved.
METHOD_VERSION = 2
# A value this many years older than the as-of year is flagged stale_value (rule 6).
STALE_AFTER_YEARS = 2


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
NOT_ACHIEVED = "not_achieved"  # the final verdict on a missed target (rule 2)

# From best to worst; not_assessable and pending stand outside the order. not_achieved is given
# only from the target year on, where the only other verdict is achieved, so it never competes
# with the ratio statuses for one value; it ranks last so that a table sorted worst-first
# starts with the targets that were missed for good.
STATUS_ORDER = (
    ACHIEVED,
    ON_TRACK,
    NEEDS_ACCELERATION,
    LIMITED_PROGRESS,
    DETERIORATION,
    NOT_ACHIEVED,
)
ALL_STATUSES = (*STATUS_ORDER, PENDING, NOT_ASSESSABLE)
# The only statuses a value from the target year on can get (rule 2).
FINAL_STATUSES = (ACHIEVED, NOT_ACHIEVED, PENDING, NOT_ASSESSABLE)

DEFAULT_LABELS = {
    ACHIEVED: gettext_noop("達成"),
    ON_TRACK: gettext_noop("順調"),
    NEEDS_ACCELERATION: gettext_noop("やや遅れ"),
    LIMITED_PROGRESS: gettext_noop("遅れ"),
    DETERIORATION: gettext_noop("悪化"),
    NOT_ASSESSABLE: gettext_noop("判定不能"),
    PENDING: gettext_noop("条件待ち"),
    NOT_ACHIEVED: gettext_noop("未達成"),
}
# The label of limited_progress when it means a neutral maintain KPI outside its band: with no
# desired direction it is not "behind", it is outside the range (issue 16). The status key
# stays limited_progress, which exports and published reports carry.
OUTSIDE_BAND_LABEL = gettext_noop("許容幅の外")
# A shape for each status, so that no status is told by colour alone.
ICONS = {
    ACHIEVED: "◎",
    ON_TRACK: "○",
    NEEDS_ACCELERATION: "△",
    LIMITED_PROGRESS: "▽",
    DETERIORATION: "×",
    NOT_ASSESSABLE: "－",
    PENDING: "…",
    NOT_ACHIEVED: "■",
}

# Flags carried with every result.
FLAG_APPROXIMATE_BASELINE = "approximate_baseline"
FLAG_PRELIMINARY_VALUE = "preliminary_value"
FLAG_PROVISIONAL_TARGET = "provisional_target"
FLAG_REVISED_TARGET = "revised_target"
FLAG_CONDITION_PENDING = "condition_pending"
FLAG_STALE_VALUE = "stale_value"
FLAG_NO_BASELINE = "no_baseline"
FLAG_LABELS = {
    FLAG_APPROXIMATE_BASELINE: gettext_noop("基準値は概数"),
    FLAG_PRELIMINARY_VALUE: gettext_noop("実績は速報値"),
    FLAG_PROVISIONAL_TARGET: gettext_noop("目標は暫定"),
    FLAG_REVISED_TARGET: gettext_noop("目標は再設定後"),
    FLAG_CONDITION_PENDING: gettext_noop("目標の適用条件待ち"),
    # Formatted with the short fiscal year of the value: "R5の実績で判定".
    FLAG_STALE_VALUE: gettext_noop("%(fy)sの実績で判定"),
    FLAG_NO_BASELINE: gettext_noop("基準値なし（新規）：最初の実績を起点に判定"),
}

AT_LEAST, AT_MOST, MAINTAIN, INCREASE, DECREASE, RANGE, MILESTONE, NONE = (
    "at_least",
    "at_most",
    "maintain",
    "increase",
    "decrease",
    "range",
    "milestone",
    "none",
)
HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
LEVEL, ANNUAL = "level", "annual"  # the target's basis: a level to reach, or a yearly flow


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
class Step:
    """A step of a milestone target's schedule (実施スケジュール): its name and due year."""

    label: str
    due_fy: int


@dataclass(frozen=True)
class Target:
    fy: int | None
    kind: str
    value: Number | None = None  # the number to reach; a range's lower bound
    tolerance: Number = Decimal("0.05")
    condition: str = ""
    condition_fy: int | None = None
    effective_fy: int | None = None  # set on a revision: from which year it replaces the original
    text: str = ""
    high: Number | None = None  # a range's upper bound (rule 10)
    basis: str = LEVEL  # LEVEL or ANNUAL (rule 9)
    yearly: tuple[tuple[int, Number], ...] = ()  # (fy, target) before the target year (rule 8)
    steps: tuple[Step, ...] = ()  # a milestone target's schedule, in order (rule 11)

    def year_target(self, fy: int) -> Fraction | None:
        """The target set for year fy: its yearly target, the final value from the target year
        on, else None (rule 9)."""
        for year, value in self.yearly:
            if year == fy:
                return _q(value)
        return _q(self.value) if self.fy is not None and fy >= self.fy else None

    def steps_due(self, fy: int) -> int:
        """How many steps of the schedule are due by the end of year fy (rule 11)."""
        return sum(1 for s in self.steps if s.due_fy <= fy)


@dataclass(frozen=True)
class Observation:
    fy: int
    value: Number
    preliminary: bool = False


@dataclass(frozen=True)
class KpiSpec:
    baseline_fy: int | None  # None with baseline_value None: a new KPI (rule 12)
    baseline_value: Number | None
    target: Target
    direction: str = HIGHER
    baseline_approximate: bool = False
    provisional: bool = False
    revisions: tuple[Target, ...] = ()
    percent: bool = False  # the unit is a percentage, bounded by 0 and 100 (rule 4)
    start_fy: int | None = None  # the plan's first year: where a new KPI's start is sought
    cumulative: bool = False  # a running total (累計): a new one starts from 0 (rule 12b)


@dataclass(frozen=True)
class Progress:
    status: str
    as_of_fy: int
    target: Target | None  # the target in force as of as_of_fy
    original_target: Target
    # The starting point: the baseline, or for a new KPI its first value (None before it has
    # one; flag no_baseline).
    baseline_fy: int | None
    baseline_value: float | None
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
    method_version: int = METHOD_VERSION

    @property
    def stale_value(self) -> bool:
        """The status was judged on a value from two or more years before the as-of year."""
        return FLAG_STALE_VALUE in self.flags

    @property
    def final_verdict(self) -> bool:
        """Judged on a value from the target year or later: achieved or not_achieved (rule 2)."""
        return (
            self.status != NOT_ASSESSABLE
            and self.value_fy is not None
            and self.target is not None
            and self.target.fy is not None
            and self.value_fy >= self.target.fy
        )


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
    """The KPI's progress as of a fiscal year, from the values known for years up to it.

    Values from years after `as_of_fy` are ignored; the order of `observations` does not matter.
    Rules: the module docstring (issue "Progress", revised by issue 11 as method version 2).
    """
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
    if spec.baseline_value is None:
        flags.add(FLAG_NO_BASELINE)
    spec = starting_point(spec, known)
    base = Progress(
        status=NOT_ASSESSABLE,
        as_of_fy=as_of_fy,
        target=None if target.kind == NONE else target,
        original_target=spec.target,
        baseline_fy=spec.baseline_fy,
        baseline_value=_f(_q(spec.baseline_value)),
    )
    if target.kind == NONE or target.fy is None:
        reason = gettext_noop("目標がまだ設定されていません。")
        if target.text:
            reason = gettext_noop("目標が数値や段階で書かれていないため、判定しません。")
        if known:  # not judged, but its latest value is still shown
            base = replace(base, value_fy=known[-1].fy, value=_f(_q(known[-1].value)))
            if known[-1].preliminary:
                flags.add(FLAG_PRELIMINARY_VALUE)
        return replace(base, flags=frozenset(flags), reason=reason)
    if not known or spec.baseline_fy is None:
        return replace(
            base, flags=frozenset(flags), reason=gettext_noop("実績値がまだありません。")
        )

    latest = known[-1]
    if latest.preliminary:
        flags.add(FLAG_PRELIMINARY_VALUE)
    lone = None
    if FLAG_NO_BASELINE in flags and (spec.start_fy is None or latest.fy >= spec.start_fy):
        lone = _judge_lone(target, latest, th)
    if latest.fy <= spec.baseline_fy and lone is not None:
        if as_of_fy - latest.fy >= STALE_AFTER_YEARS:
            flags.add(FLAG_STALE_VALUE)
        # Rule 12a: a new KPI's first value judged against the target alone.
        return replace(
            base,
            status=lone.status,
            value_fy=latest.fy,
            value=_f(_q(latest.value)),
            expected_value=_f(lone.expected),
            ratio=_f(lone.ratio),
            band=lone.band,
            flags=frozenset(flags),
            reason=lone.reason,
        )
    if latest.fy <= spec.baseline_fy:
        # Rule 1: a value from the baseline year or before measures no progress. It is still
        # reported (tables and charts show it), but no status is derived from it.
        return replace(
            base,
            value_fy=latest.fy,
            value=_f(_q(latest.value)),
            flags=frozenset(flags),
            reason=gettext_noop("最初の実績を起点としました。次の年度の実績から判定します。")
            if FLAG_NO_BASELINE in flags
            else gettext_noop("基準年度より後の実績がまだありません。"),
        )
    if as_of_fy - latest.fy >= STALE_AFTER_YEARS:
        flags.add(FLAG_STALE_VALUE)
    judged = _judge(spec, target, latest.fy, _q(latest.value), th)
    status = judged.status
    status_if_met = None
    if _condition_pending(target, as_of_fy):
        # A value that already meets the target is 達成 even while the condition is pending;
        # the note stays, so that nobody reads the condition as met.
        flags.add(FLAG_CONDITION_PENDING)
        if status != ACHIEVED:
            status_if_met = status
            status = PENDING
    projected_value, projected_status = None, None
    if latest.fy < target.fy and target.kind != MILESTONE and target.basis != ANNUAL:
        # A schedule has no line to extend, and a yearly flow no level to project.
        # Rule 2: no projection once the target year's value is in.
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


def starting_point(spec: KpiSpec, observations: Iterable[Observation]) -> KpiSpec:
    """The spec with its starting point: itself when it has a baseline (rule 12).

    A new KPI (baseline None) starts from its first value from `start_fy` on; while it has
    none, baseline_fy stays None. A new cumulative KPI starts from 0 the year before start_fy
    (rule 12b). A milestone target starts from "no step reached" the year before its first
    step is due (or before start_fy), since the schedule is its path.
    """
    if spec.baseline_value is not None:
        return spec
    if spec.cumulative and spec.start_fy is not None and spec.target.kind != MILESTONE:
        return replace(spec, baseline_fy=spec.start_fy - 1, baseline_value=0)
    if spec.target.kind == MILESTONE:
        firsts = [s.due_fy for s in spec.target.steps] + (
            [spec.start_fy] if spec.start_fy is not None else []
        )
        if not firsts:
            return spec
        return replace(spec, baseline_fy=min(firsts) - 1, baseline_value=0)
    for o in sorted(observations, key=lambda o: o.fy):
        if spec.start_fy is None or o.fy >= spec.start_fy:
            return replace(spec, baseline_fy=o.fy, baseline_value=_q(o.value))
    return replace(spec, baseline_fy=None)


def _judge_lone(target: Target, o: Observation, th: Thresholds) -> _Judgement | None:
    """Rule 12a: a new KPI's starting value judged against its target alone, or None where
    that needs a point before it (a level still short of its target before the target year).
    """
    if target.kind not in (AT_LEAST, AT_MOST, RANGE) or target.value is None:
        return None
    a = _q(o.value)
    if target.basis == ANNUAL:
        return _judge_annual(target, o.fy, a, th)
    final = target.fy is not None and o.fy >= target.fy
    if target.kind == RANGE:
        low, high = _q(target.value), _q(target.high)
        band = (float(low), float(high))
        if low <= a <= high:
            return _Judgement(ACHIEVED, gettext_noop("目標の範囲の中にあります。"), band=band)
        if final:
            return _Judgement(
                NOT_ACHIEVED,
                gettext_noop("目標年度以降の実績が目標の範囲の外にあります。"),
                band=band,
            )
        return None
    t = _q(target.value)
    s = 1 if target.kind == AT_LEAST else -1
    if (a - t) * s >= 0:
        return _Judgement(ACHIEVED, gettext_noop("目標値に達しています。"), expected=t)
    if final:
        return _Judgement(
            NOT_ACHIEVED, gettext_noop("目標年度以降の実績が目標値に達していません。"), expected=t
        )
    return None


def path(spec: KpiSpec, target: Target) -> list[tuple[int, Fraction]]:
    """The expected path of a level target: (fy, value) from the starting point through each
    yearly target to the final target (rule 8); [] where there is none (no start, no number).
    """
    if spec.baseline_fy is None or spec.baseline_value is None or target.fy is None:
        return []
    if target.kind not in (AT_LEAST, AT_MOST) or target.value is None:
        return []
    points = [(spec.baseline_fy, _q(spec.baseline_value))]
    points += [(fy, _q(v)) for fy, v in sorted(target.yearly) if spec.baseline_fy < fy < target.fy]
    points.append((target.fy, _q(target.value)))
    return points


def _on_path(points: Sequence[tuple[int, Fraction]], fy: int) -> Fraction:
    """The path's value in year fy (straight between neighbouring points)."""
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x0 <= fy <= x1:
            return y0 + (y1 - y0) * Fraction(fy - x0, x1 - x0)
    return points[-1][1]


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
    """The status of value a from year t_a > t_B (rule 1 is applied by the caller)."""
    if target.kind == MILESTONE:
        return _judge_schedule(target, t_a, a)
    if target.basis == ANNUAL and target.kind in (AT_LEAST, AT_MOST, RANGE):
        return _judge_annual(target, t_a, a, th)
    if target.kind == RANGE:
        return _judge_range(spec, target, t_a, a, th)
    b = _q(spec.baseline_value)
    t_b = spec.baseline_fy
    s = _sign(spec, target)
    final = t_a >= target.fy  # rule 2: from the target year on, achieved or not_achieved

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
        if s != 0 and side == s:
            return _Judgement(
                ACHIEVED, gettext_noop("許容幅を望ましい側に超えています。"), ref, band=band
            )
        if final:
            return _Judgement(
                NOT_ACHIEVED,
                gettext_noop("目標年度以降の実績が許容幅の外にあります。"),
                ref,
                band=band,
            )
        if s == 0:
            return _Judgement(
                LIMITED_PROGRESS,
                gettext_noop("許容幅の外にあります（望ましい方向の定めなし）。"),
                ref,
                band=band,
            )
        return _Judgement(
            DETERIORATION, gettext_noop("許容幅を望ましくない側に外れています。"), ref, band=band
        )

    if target.kind in (INCREASE, DECREASE):
        growth = None
        if b > 0 and a > 0:
            growth = (float(a / b) ** (1 / (t_a - t_b)) - 1) * s
        if spec.percent and (a >= 100 if s > 0 else a <= 0):
            # Rule 4: a share at its natural limit has nothing left to gain.
            return _Judgement(
                ACHIEVED,
                gettext_noop("割合が上限の100%に達しています。")
                if s > 0
                else gettext_noop("割合が下限の0%に達しています。"),
                growth=growth,
            )
        better = (a - b) * s > 0
        if final:
            if better:
                return _Judgement(
                    ACHIEVED,
                    gettext_noop("目標年度以降の実績が基準値より望ましい方向にあります。"),
                    growth=growth,
                )
            return _Judgement(
                NOT_ACHIEVED,
                gettext_noop("目標年度以降の実績が基準値より望ましい方向にありません。"),
                growth=growth,
            )
        if growth is None:
            # Rule 3: with B ≤ 0 or A ≤ 0 no growth rate exists; judge the direction alone.
            if better:
                return _Judgement(
                    ON_TRACK, gettext_noop("伸び率は計算できませんが、望ましい方向に動いています。")
                )
            if a == b:
                return _Judgement(
                    LIMITED_PROGRESS,
                    gettext_noop("伸び率は計算できず、基準値から動いていません。"),
                )
            return _Judgement(
                DETERIORATION,
                gettext_noop("伸び率は計算できず、望ましくない方向に動いています。"),
            )
        return _Judgement(
            _by_growth(growth, th),
            gettext_noop("望ましい方向の年平均伸び率で判定しました。"),
            growth=growth,
        )

    # at_least / at_most: a number to reach.
    t = _q(target.value)
    met = (a - t) * s >= 0
    achievement = (a - b) / (t - b) if t != b else None
    if final:
        if met:
            return _Judgement(
                ACHIEVED, gettext_noop("目標値に達しています。"), achievement=achievement
            )
        return _Judgement(
            NOT_ACHIEVED,
            gettext_noop("目標年度以降の実績が目標値に達していません。"),
            achievement=achievement,
        )
    # Here t_B < t_A < t_T, so the path has a year to stand on: straight from B to T, or
    # through the yearly targets (rule 8).
    expected = ratio = None
    if t != b:
        expected = _on_path(path(spec, target), t_a)
        if expected != b:
            ratio = (a - b) / (expected - b)
    numbers = {"expected": expected, "ratio": ratio, "achievement": achievement}
    if met:
        return _Judgement(ACHIEVED, gettext_noop("目標値に達しています。"), **numbers)
    if (t - b) * s <= 0:
        # The baseline already met the target (100% → 100%): falling short of it is a decline.
        return _Judgement(
            DETERIORATION, gettext_noop("基準値で達していた目標を下回っています。"), **numbers
        )
    if ratio is None:
        # A yearly target equal to the baseline: the year asks for no change from B.
        better = (a - expected) * s >= 0
        return _Judgement(
            ON_TRACK if better else DETERIORATION,
            gettext_noop("年度別目標値と比べて判定しました。"),
            **numbers,
        )
    if target.yearly:
        reason = gettext_noop(
            "基準値から年度別目標値を経て目標値に至る経路上の期待値と比べて判定しました。"
        )
    else:
        reason = gettext_noop("基準値から目標値への直線上の期待値と比べて判定しました。")
    return _Judgement(_by_ratio(ratio, th), reason, **numbers)


def _judge_range(
    spec: KpiSpec, target: Target, t_a: int, a: Fraction, th: Thresholds
) -> _Judgement:
    """Rule 10: inside [low, high] is achieved; outside, the path toward the nearer bound."""
    low, high = _q(target.value), _q(target.high)
    band = (float(low), float(high))
    if low <= a <= high:
        return _Judgement(ACHIEVED, gettext_noop("目標の範囲の中にあります。"), band=band)
    bound = replace(
        target,
        kind=AT_LEAST if a < low else AT_MOST,
        value=low if a < low else high,
        high=None,
        yearly=(),
    )
    judged = _judge(spec, bound, t_a, a, th)
    reason = judged.reason
    if judged.status == NOT_ACHIEVED:
        reason = gettext_noop("目標年度以降の実績が目標の範囲の外にあります。")
    elif judged.status == DETERIORATION and a < low:
        reason = gettext_noop("目標の範囲を下回っています。")
    elif judged.status == DETERIORATION:
        reason = gettext_noop("目標の範囲を上回っています。")
    return replace(judged, reason=reason, band=band)


def _judge_annual(target: Target, t_a: int, a: Fraction, th: Thresholds) -> _Judgement:
    """Rule 9: a yearly flow judged against its own year's target."""
    final = t_a >= target.fy
    t_y = target.year_target(t_a)
    if t_y is None:
        # No target for this year (a yearly table with a gap): the final target applies.
        t_y = _q(target.value)
    if target.kind == RANGE:
        low, high = t_y, _q(target.high)
        # A range's yearly targets set its lower bound; the upper bound is the range's.
        met = low <= a <= high
        s = 1 if a < low else -1
        ref = low if a < low else high
    else:
        s = 1 if target.kind == AT_LEAST else -1
        met = (a - t_y) * s >= 0
        ref = t_y
    if met:
        if final:
            return _Judgement(ACHIEVED, gettext_noop("この年度の目標値に達しています。"), ref)
        return _Judgement(ON_TRACK, gettext_noop("この年度の目標値に達しています。"), ref)
    ratio = None
    if ref > 0 and a >= 0:
        ratio = a / ref if s > 0 else (ref / a if a > 0 else None)
    achievement = a / ref if ref != 0 else None
    if final:
        return _Judgement(
            NOT_ACHIEVED,
            gettext_noop("目標年度以降の実績がその年度の目標値に達していません。"),
            ref,
            ratio,
            achievement,
        )
    if ratio is None:
        return _Judgement(
            DETERIORATION,
            gettext_noop("この年度の目標値に達していません。"),
            ref,
            None,
            achievement,
        )
    return _Judgement(
        _by_ratio(ratio, th),
        gettext_noop("この年度の実績を、この年度の目標値との比で判定しました。"),
        ref,
        ratio,
        achievement,
    )


def _judge_schedule(target: Target, t_a: int, a: Fraction) -> _Judgement:
    """Rule 11: the step reached against the steps due by the value's year."""
    n = len(target.steps)
    due = target.steps_due(t_a)
    achievement = Fraction(a, n) if n else None
    numbers = {"expected": Fraction(due), "achievement": achievement}
    if n and a >= n:
        return _Judgement(ACHIEVED, gettext_noop("最後の段階に達しています。"), **numbers)
    if t_a >= target.fy:
        return _Judgement(
            NOT_ACHIEVED,
            gettext_noop("目標年度以降も最後の段階に達していません。"),
            **numbers,
        )
    behind = due - a
    if behind <= 0:
        return _Judgement(
            ON_TRACK, gettext_noop("この年度までに予定した段階に達しています。"), **numbers
        )
    if behind <= 1:
        return _Judgement(
            NEEDS_ACCELERATION, gettext_noop("予定より1段階遅れています。"), **numbers
        )
    return _Judgement(LIMITED_PROGRESS, gettext_noop("予定より2段階以上遅れています。"), **numbers)


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
