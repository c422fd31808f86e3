"""Japanese fiscal years: stored as the Western year in which they start (R6 = 2024).

A fiscal year runs from April to March. Reiwa began on 2019-05-01, so FY2019 is both 平成31年度
and 令和元年度; we show it as R1, the era the fiscal year ends in, as government documents do.
Free of Django so that it can be used and tested anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# (era letter, era name, Western year of the era's first year, last fiscal year written in it)
_ERAS = (
    ("R", "令和", 2019, None),
    ("H", "平成", 1989, 2019),
    ("S", "昭和", 1926, 1989),
)
_ERA_BY_KEY = {}
for _letter, _name, _start, _last in _ERAS:
    _ERA_BY_KEY[_letter] = (_start, _last)
    _ERA_BY_KEY[_name] = (_start, _last)

MIN_FY = 1926
MAX_FY = 2200

_ERA_PATTERN = re.compile(
    r"^(?P<era>[RHS]|令和|平成|昭和)\s*(?P<year>元|\d{1,3})\s*(?:年度)?$", re.IGNORECASE
)
_WESTERN_PATTERN = re.compile(r"^(?:FY\s*)?(?P<year>\d{4})\s*(?:年度)?$", re.IGNORECASE)
# "R6（2024年度）", the form we display, also parses back.
_DISPLAY_PATTERN = re.compile(r"^(?P<era>.+?)\s*\(\s*(?P<western>\d{4})\s*年度\s*\)$")


class FiscalYearError(ValueError):
    """A text that is not a fiscal year we can read."""


def era_label(fy: int) -> str:
    """Short era label: 2024 → "R6", 2018 → "H30", 2019 → "R1"."""
    for letter, _name, start, _last in _ERAS:
        if fy >= start:
            return f"{letter}{fy - start + 1}"
    raise FiscalYearError(f"{fy}年度は表示できる範囲外です")


def format_fy(fy: int) -> str:
    """Display form: 2024 → "R6（2024年度）"."""
    return f"{era_label(fy)}（{fy}年度）"


def format_fy_en(fy: int) -> str:
    """English display form: 2024 → "R6 (FY2024)"."""
    return f"{era_label(fy)} (FY{fy})"


def parse_fy(text: str | int) -> int:
    """Read a fiscal year from "R6", "令和6年度", "令和元年度", "H30", "2024", "R6（2024年度）"...

    Full-width digits and letters are accepted. Raises FiscalYearError on anything else.
    """
    if isinstance(text, int):
        return _checked(text, str(text))
    raw = str(text)
    s = unicodedata.normalize("NFKC", raw).strip()
    display = _DISPLAY_PATTERN.match(s)
    if display:
        western = int(display.group("western"))
        if parse_fy(display.group("era")) != western:
            raise FiscalYearError(f"「{raw}」の和暦と西暦が一致しません")
        return western
    m = _WESTERN_PATTERN.match(s)
    if m:
        return _checked(int(m.group("year")), raw)
    m = _ERA_PATTERN.match(s)
    if m:
        era = m.group("era")
        start, last = _ERA_BY_KEY[era.upper() if len(era) == 1 else era]
        n = 1 if m.group("year") == "元" else int(m.group("year"))
        if n < 1:
            raise FiscalYearError(f"「{raw}」は年度として読めません")
        fy = start + n - 1
        if last is not None and fy > last:
            raise FiscalYearError(f"「{raw}」はその元号の期間外です")
        return _checked(fy, raw)
    raise FiscalYearError(f"「{raw}」は年度として読めません（例: R6、令和6年度、2024）")


def mentions_fy(text: str, fy: int) -> bool:
    """Whether a text already names fiscal year fy: "85%以上（R8年度）", "令和8年度末までに",
    "2026年度" for 2026; not "R80" or "12026". Full-width forms count."""
    s = unicodedata.normalize("NFKC", text)
    era = era_label(fy)
    letter, n = era[0], era[1:]
    name = next(name for key, name, _start, _last in _ERAS if key == letter)
    forms = [f"{letter}{n}", f"{name}{n}"] + ([f"{name}元"] if n == "1" else [])
    alternatives = "|".join(re.escape(form) for form in forms)
    if re.search(rf"(?<![A-Za-z0-9])(?:{alternatives})(?!\d)", s, re.IGNORECASE):
        return True
    return re.search(rf"(?<!\d){fy}\s*年", s) is not None


def _checked(fy: int, raw: str) -> int:
    if not MIN_FY <= fy <= MAX_FY:
        raise FiscalYearError(f"「{raw}」は扱える年度の範囲外です")
    return fy


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a date falls in: 2025-03-31 → 2024, 2025-04-01 → 2025."""
    return day.year if day.month >= 4 else day.year - 1
