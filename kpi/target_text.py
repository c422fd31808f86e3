"""Reading a plan's 目標 and 基準値 as written in its KPI table ("80%以上", "約30", "1,000人/年").

Free of Django. Each reader returns what the text says where only one meaning is possible, and
otherwise `ambiguous` with a reason code and the meanings it could have, never a guess: the
import asks the person to settle such a row (kpi/plan_xlsx.py words the reasons).

Forms of 目標 read (units may follow the number: the row's unit, or "%"):
- "288", "288件", "80%以上" → at least; "10%以下" → at most;
- "維持", "予算規模維持" → maintain (no value); "80%を維持" → maintain 80;
- "上げる", "向上", "増加"… → increase; "下げる", "減少"… → decrease (no number with them);
- "80～90", "80~90", "80〜90", "80-90" (two numbers, low < high) → range;
- "1,000人/年", "年間1,000人", "毎年度1,000人" → at least 1,000 every year (basis annual);
- "<condition>後に<target>", e.g. "再構築後に80%以上" → the target with condition "再構築後";
- "1,000団体（2024年度まで）、1,500団体（2027年度まで）" → yearly target 1,000 for 2024 and the
  final target 1,500 in 2027 (the last part is the final target);
- "検討(R6)→導入(R7)→運用(R8)" → a schedule (milestone) of steps, each with its due year;
- "検討(R6)" → a schedule of one step; "85%以上（R8年度）", "R8年度に85%以上" → the target with
  its year (target_fy); "75人（累計）", "累計75人" → the target, with `cumulative` set;
- "1000人/年以上" → at least 1,000 every year; "約80%" → 80 (the text is kept as written);
- "80%超", "5%未満" → not settled (STRICT): the kinds include their value;
- "", "—", "-" → no target.

Text is read after NFKC (full-width digits and brackets), with spaces removed; a long-vowel mark
ー stays a letter (データ) except between digits (80ー90).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

from smartdocho.fiscal import FiscalYearError, parse_fy

from .numbers import NumberError, OutOfRange, parse_number

AT_LEAST, AT_MOST, MAINTAIN = "at_least", "at_most", "maintain"
INCREASE, DECREASE, RANGE, MILESTONE, NONE = "increase", "decrease", "range", "milestone", "none"

# Reasons a text is not read (plan_xlsx.py words them for people).
UNREADABLE = "unreadable"  # no form above matches
NUMBER_WITH_DIRECTION = "number_with_direction"  # "20%削減": a level or a relative change?
BAD_STEP = "bad_step"  # a schedule step without a readable year
BAD_YEAR = "bad_year"  # "（…年度まで）" with a year we cannot read
RANGE_ORDER = "range_order"  # "90～80"
UNKNOWN_UNIT = "unknown_unit"  # a number followed by a unit that is not the row's
STRICT = "strict"  # "80%超", "5%未満": the kinds include their value (以上, 以下)
TOO_LARGE = "too_large"  # a number past MAX_INTEGER_DIGITS digits: no field holds it
NEGATIVE = "negative"  # "-5", "−5", "▲5": a negative number (no unit kind allows one)

INCREASE_WORDS = ("上げる", "向上", "増加", "増やす", "拡大", "拡充", "上昇")
DECREASE_WORDS = ("下げる", "減少", "減らす", "削減", "縮減", "縮小", "低減", "低下")
MAINTAIN_WORDS = ("維持",)
NO_VALUE = {"", "—", "―", "-", "‐", "ー", "－", "–", "なし", "無し"}
NEW_BASELINE = NO_VALUE | {"新規", "新規指標", "新規事業"}
APPROXIMATE_WORDS = ("約", "およそ", "概ね", "おおむね")
APPROXIMATE_SUFFIXES = ("程度", "前後")

_DASHES = {"\u2212": "-", "\u2010": "-", "\u2013": "-", "\u2014": "—"}
# Dash-like marks people type in a word (スケジュール, スケジュ-ル, スケジュ―ル): one mark for
# comparing kind names, so that both sides compare after the same normalization.
_WORD_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70"
_NUM = r"[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+"
_RANGE_SEP = r"(?:~|～|〜|-)"


@dataclass(frozen=True)
class Step:
    label: str
    due_fy: int


@dataclass(frozen=True)
class TargetReading:
    """What a 目標 text says. `ambiguous` is a reason code when it cannot be read for sure;
    `meanings` then lists the readings it could have (kind, value) for the person to choose."""

    kind: str = NONE
    value: Decimal | None = None
    high: Decimal | None = None
    annual: bool = False
    condition: str = ""
    target_fy: int | None = None  # when the text itself names the final year
    yearly: dict[int, Decimal] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    cumulative: bool = False  # "75人（累計）": the text marks the value as a running total
    ambiguous: str = ""
    meanings: tuple[tuple[str, Decimal | None], ...] = ()

    @property
    def settled(self) -> bool:
        return not self.ambiguous


@dataclass(frozen=True)
class BaselineReading:
    value: Decimal | None = None
    approximate: bool = False
    keep_text: bool = False  # the text says more than the number ("約30", "平均52.5")
    ambiguous: str = ""

    @property
    def settled(self) -> bool:
        return not self.ambiguous


def normalize(text: str) -> str:
    """NFKC with the minus signs NFKC leaves alone mapped to "-" (NOTES.md), spaces removed; a
    long-vowel mark ー is a minus only between digits ("80ー90"), a letter elsewhere (データ)."""
    s = "".join(_DASHES.get(c, c) for c in str(text))
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"(?<=[0-9])ー(?=[0-9])", "-", s)
    return re.sub(r"\s+", "", s)


_CODE_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\u2500"


def width_normal(text: str) -> str:
    """Text with its width folded and nothing else: full-width ASCII (U+FF01–FF5E) as ASCII, the
    ideographic space as a space, and a dash-like mark between two digits or letters as "-"
    ("３－１－１", "3ー1ー1" → "3-1-1"). Not NFKC, which would also make ① into 1: codes and unit
    names keep every other character as written. Leading and trailing spaces removed."""
    s = "".join(
        chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c == "\u3000" else c
        for c in str(text)
    )
    s = re.sub(rf"(?<=[0-9A-Za-z])[{_CODE_DASHES}](?=[0-9A-Za-z])", "-", s)
    return s.strip()


def word_key(text: str) -> str:
    """A name to compare (目標の種類): NFKC, no spaces, lower case, every dash-like mark one."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()
    return re.sub(f"[{_WORD_DASHES}]", "ー", s)


# A fiscal year written in a target: R8, 令和8年度, 2026年度, (2026); with 末/まで after it.
_FY = r"(?:(?:令和|平成|R|H)(?:元|[0-9]{1,2})年?度?|(?:19|20)[0-9]{2}(?:年度?)?)(?:末|中)?"
# The same at the start of a target, where a bare 2000 is a value: era, or 年/年度 after it.
_FY_WORD = r"(?:(?:令和|平成|R|H)(?:元|[0-9]{1,2})年?度?|(?:19|20)[0-9]{2}年度?)(?:末|中)?"


def _without_years(s: str) -> str:
    """The text with its fiscal years taken out, so that a suggested value is never a year."""
    s = re.sub(rf"\({_FY}(?:まで)?\)", "", s)
    return re.sub(r"(?:令和|平成|R|H)(?:元|[0-9]{1,2})年?度?|(?:19|20)[0-9]{2}年度?", "", s)


def _number(text: str) -> Decimal | None:
    try:
        return parse_number(text)
    except NumberError:
        return None


def _units(unit: str) -> list[str]:
    units = {"%"}
    if unit:
        units.add(normalize(unit))
    return sorted(units, key=len, reverse=True)


def _value_with_unit(text: str, unit: str) -> tuple[Decimal | None, str]:
    """A number optionally followed by the row's unit (or "%"): (value, "") or (None, reason)."""
    m = re.fullmatch(rf"({_NUM})(.*)", text)
    if not m:
        return None, UNREADABLE
    value = _number(m.group(1))
    if value is None:
        return None, UNREADABLE
    rest = m.group(2)
    if rest and rest not in _units(unit):
        return None, UNKNOWN_UNIT
    return value, ""


def _too_large(text: str) -> bool:
    """Whether the text holds a number past MAX_INTEGER_DIGITS digits (or one in exponent form
    beyond it: "1e20")."""
    for m in re.finditer(r"[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", text):
        try:
            parse_number(m.group(0))
        except OutOfRange:
            return True
        except NumberError:
            continue
    return False


def read_target(text: str, unit: str = "") -> TargetReading:
    """The target a 目標 text states (forms in the module docstring). `unit` is the row's 単位."""
    s = normalize(text)
    if s in NO_VALUE:
        return TargetReading()
    if _too_large(s):
        return _unsure(TOO_LARGE)
    if "→" in s or "->" in s:
        return read_schedule(s)
    parts = [p for p in re.split(r"、|(?<=\))[,;]", s) if p]
    if any(re.search(r"\(([^()]*?)まで\)$", p) for p in parts):
        return _by_year(parts, unit)
    m = re.fullmatch(rf"(.+?)\(({_FY})\)", s)  # "85%以上(R8年度)", "導入(R8)"
    if m and _fy(m.group(2)) is not None:
        inner = _single(m.group(1), unit)
        if inner.settled:
            return replace(inner, target_fy=_fy(m.group(2)))
        if not re.search(r"[0-9]", m.group(1)):
            return read_schedule(s)  # "導入(R8)": a schedule of one step
        return inner
    m = re.fullmatch(rf"({_FY_WORD})(?:まで)?(?:に|で|は|:)(.+)", s)  # "R8年度に85%以上"
    if m and _fy(m.group(1)) is not None:
        inner = _single(m.group(2), unit)
        if inner.settled:
            return replace(inner, target_fy=_fy(m.group(1)))
    return _single(s, unit)


def _fy(text: str) -> int | None:
    text = re.sub(r"年$", "年度", re.sub(r"(末|中)$", "", text))  # "2030年" is 2030年度
    try:
        return parse_fy(text)
    except FiscalYearError:
        return None


def _marks(s: str) -> tuple[str, bool, bool]:
    """The text without "約…程度" and "（累計）" marks: (text, approximate, cumulative)."""
    cumulative = False
    m = re.fullmatch(r"(.*?)\((?:累計|累計値|累積)\)(.*)", s)
    if m:
        s, cumulative = m.group(1) + m.group(2), True
    m = re.fullmatch(r"(?:累計|累積)(?:で|値)?([0-9].*)", s)
    if m:
        s, cumulative = m.group(1), True
    approximate = False
    for word in APPROXIMATE_WORDS:
        if s.startswith(word) and re.match(r"[0-9]", s[len(word) :]):
            s, approximate = s[len(word) :], True
    for word in APPROXIMATE_SUFFIXES:
        m = re.fullmatch(rf"(.*[0-9%]\S*?){word}(以上|以下)?", s)
        if m:
            s, approximate = m.group(1) + (m.group(2) or ""), True
    return s, approximate, cumulative


def _single(s: str, unit: str) -> TargetReading:
    m = re.fullmatch(r"(.+?後)(?:に|、|,|は)(.+)", s)
    if m:
        inner = _single(m.group(2), unit)
        if inner.settled:
            return replace(inner, condition=m.group(1))
        return inner
    s, _approximate, cumulative = _marks(s)
    if cumulative:
        inner = _single(s, unit)
        return replace(inner, cumulative=True) if inner.settled else inner
    annual = False
    m = re.fullmatch(r"(?:年間|毎年度?|各年度)(.+)", s)
    if m:
        annual, s = True, _marks(m.group(1))[0]  # "年間約1,000人"
    else:
        m = re.fullmatch(r"(.+?)/年度?(以上|以下|超|未満)?", s)  # "1000人/年以上"
        if m:
            annual, s = True, m.group(1) + (m.group(2) or "")
    kind = AT_LEAST
    if s.endswith(("超", "未満")) and re.search(r"[0-9]", s):
        level = AT_LEAST if s.endswith("超") else AT_MOST
        return _unsure(STRICT, (level, _first_number(s)))
    if s.endswith("以上"):
        s = s[:-2]
    elif s.endswith("以下"):
        kind, s = AT_MOST, s[:-2]
    elif s.endswith(MAINTAIN_WORDS):
        body = re.sub(r"(を|の)?維持$", "", s)
        value, _ = _value_with_unit(body, unit)
        if value is not None:
            return TargetReading(kind=MAINTAIN, value=value, annual=annual)
        if re.search(r"[0-9]", body):
            return _unsure(UNREADABLE, (MAINTAIN, None))
        return TargetReading(kind=MAINTAIN, annual=annual)
    has_number = bool(re.search(r"[0-9]", s))
    for words, direction in ((INCREASE_WORDS, INCREASE), (DECREASE_WORDS, DECREASE)):
        if any(w in s for w in words):
            if has_number:
                level = AT_LEAST if direction == INCREASE else AT_MOST
                return _unsure(NUMBER_WITH_DIRECTION, (direction, None), (level, _first_number(s)))
            return TargetReading(kind=direction)
    if annual:
        value, reason = _value_with_unit(s, unit)
        if value is None:
            return _unsure(reason)
        return TargetReading(kind=kind, value=value, annual=True)
    m = re.fullmatch(rf"({_NUM})(%|[^0-9~～〜-]*)?{_RANGE_SEP}({_NUM})(.*)", s)
    if m and kind == AT_LEAST:
        low, r1 = _value_with_unit(m.group(1) + (m.group(2) or ""), unit)
        high, r2 = _value_with_unit(m.group(3) + m.group(4), unit)
        if low is None or high is None:
            return _unsure(r1 or r2)
        if low >= high:
            return _unsure(RANGE_ORDER, (RANGE, None))
        return TargetReading(kind=RANGE, value=low, high=high)
    value, reason = _value_with_unit(s, unit)
    if value is None:
        number = _first_number(s)
        return _unsure(reason, *((k, number) for k in (AT_LEAST, AT_MOST) if number is not None))
    return TargetReading(kind=kind, value=value)


def _first_number(s: str) -> Decimal | None:
    m = re.search(_NUM, _without_years(s))
    return _number(m.group(0)) if m else None


def _unsure(reason: str, *meanings: tuple[str, Decimal | None]) -> TargetReading:
    return TargetReading(ambiguous=reason, meanings=tuple(meanings))


def _by_year(parts: list[str], unit: str) -> TargetReading:
    """ "1,000団体（2024年度まで）、1,500団体（2027年度まで）": every part but the last is a yearly
    target; the last is the final target and its year."""
    yearly: dict[int, Decimal] = {}
    final: TargetReading | None = None
    final_fy = None
    for i, part in enumerate(parts):
        m = re.fullmatch(r"(.+?)\(([^()]*?)まで\)", part)
        if not m:
            return _unsure(UNREADABLE)
        try:
            fy = parse_fy(m.group(2))
        except FiscalYearError:
            return _unsure(BAD_YEAR)
        reading = _single(m.group(1), unit)
        if not reading.settled or reading.kind not in (AT_LEAST, AT_MOST):
            return _unsure(reading.ambiguous or UNREADABLE)
        if i < len(parts) - 1:
            if fy in yearly:
                return _unsure(UNREADABLE)
            yearly[fy] = reading.value
        else:
            final, final_fy = reading, fy
    if final is None or any(fy >= final_fy for fy in yearly):
        return _unsure(UNREADABLE)
    return TargetReading(
        kind=final.kind,
        value=final.value,
        annual=final.annual,
        condition=final.condition,
        target_fy=final_fy,
        yearly=yearly,
    )


def read_schedule(text: str) -> TargetReading:
    """ "検討(R6)→導入(R7)→運用(R8)", or one step "運用(R8)": steps in order, each with its due
    year in brackets."""
    s = normalize(text)
    steps = []
    for part in re.split(r"→|->", s):
        m = re.fullmatch(r"(.+?)\(([^()]+)\)", part)
        if not m:
            return _unsure(BAD_STEP, (MILESTONE, None))
        fy = _fy(m.group(2).removesuffix("まで"))
        if fy is None:
            return _unsure(BAD_STEP, (MILESTONE, None))
        if steps and fy < steps[-1].due_fy:
            return _unsure(BAD_STEP, (MILESTONE, None))
        steps.append(Step(m.group(1), fy))
    return TargetReading(kind=MILESTONE, steps=tuple(steps), target_fy=steps[-1].due_fy)


def read_baseline(text: str, unit: str = "") -> BaselineReading:
    """ "30" → 30; "約30" → 30, approximate; "平均52.5" → 52.5 with the text kept;
    "—", "－", "-", "新規", "" → no baseline."""
    s = normalize(text)
    if s in NEW_BASELINE:
        return BaselineReading()
    approximate = False
    body = s
    for word in APPROXIMATE_WORDS:
        if body.startswith(word):
            body, approximate = body[len(word) :], True
    for word in APPROXIMATE_SUFFIXES:
        if body.endswith(word):
            body, approximate = body[: -len(word)], True
    prefix = re.match(r"(平均|年平均|計|合計|累計)", body)
    if prefix:
        body = body[prefix.end() :]
    negative = re.match(r"[-▲△]", body)
    if negative:
        body = body[1:]
    value, _ = _value_with_unit(body, unit)
    if value is None:
        return BaselineReading(ambiguous=TOO_LARGE if _too_large(body) else UNREADABLE)
    if negative:
        return BaselineReading(value=-value, ambiguous=NEGATIVE)
    keep = approximate or bool(prefix)
    return BaselineReading(value=value, approximate=approximate, keep_text=keep)
