"""Recognising a code that a spreadsheet turned into a date or a number, and guessing the code.

Free of Django. Excel and LibreOffice turn typed or opened codes into other things: in a
Japanese locale "1-2" becomes 1月2日 (this year), "1-3-1" becomes 2001/3/1 and "13-1" becomes
January 2013; in an English one "1-2" becomes 2-Jan and "1-3-1" 1/3/2001; "0101" becomes the
number 101 and "1.10" becomes 1.1. A cell may also hold the date's serial number (36951 for
2001/3/1) once its format is set back to General. These functions give, for such a cell, the
codes it can have come from, so a message can say which code it probably was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_PATTERNS = [
    # (regex, order of the groups: y = year, m = month, d = day, b = month name)
    (re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})" + _TIME + "$"), "ymd"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日" + _TIME + "$"), "ymd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})" + _TIME + "$"), "mdy"),
    (re.compile(r"^(\d{1,2})月(\d{1,2})日$"), "md"),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), "ym"),
    (re.compile(r"^(\d{4})[/\-](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})$"), "md"),
    (re.compile(r"^(\d{1,2})-([A-Za-z]{3})(?:-(\d{2}|\d{4}))?$"), "dby"),
    (re.compile(r"^([A-Za-z]{3})-(\d{2}|\d{4})$"), "by"),
]
# Excel's serial numbers: 1 is 1900-01-01 (counting the fictitious 1900-02-29), 2958465 is 9999-12-31.
_EXCEL_EPOCH = date(1899, 12, 30)
MAX_SERIAL = 2_958_465


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 30 else 1900  # Excel's two-digit-year window
    return y


def date_in_text(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) when `text` is a date as a spreadsheet writes one, else None.

    "1月2日" → (None, 1, 2); "2001/3/1", "2001-03-01 00:00:00", "3/1/2001" → (2001, 3, 1);
    "2-Jan" → (None, 1, 2); "Jan-13" → (2013, 1, 1).
    """
    s = (text or "").strip()
    for pattern, order in _PATTERNS:
        match = pattern.match(s)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        if "b" in parts:
            month = _MONTHS.get(parts["b"].lower())
            if month is None:
                return None
        else:
            month = int(parts["m"])
        day = int(parts["d"]) if parts.get("d") else 1
        year = _year(parts.get("y"))
        try:
            date(year or 2000, month, day)
        except ValueError:
            return None
        return year, month, day
    return None


def date_of_value(value: object) -> tuple[int | None, int, int] | None:
    """(year, month, day) of a date or datetime cell; of a number that is a plausible Excel
    serial date (a date cell whose format was set back to General); else None."""
    if isinstance(value, datetime | date):
        return value.year, value.month, value.day
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if value == int(value) and 1 <= value <= MAX_SERIAL:
            serial = int(value)
            d = _EXCEL_EPOCH + timedelta(days=serial if serial > 60 else serial + 1)
            return d.year, d.month, d.day
    return None


def codes_from_date(year: int | None, month: int, day: int) -> list[str]:
    """Codes that Excel or LibreOffice read as this date, most likely first."""
    out = []
    if year is not None:
        yy = year % 100
        out += [f"{yy}-{month}-{day}", f"{month}-{day}-{yy}", f"{day}-{month}-{yy}"]
        if day == 1:
            out.append(f"{yy}-{month}")
    out += [f"{month}-{day}", f"{day}-{month}"]
    return list(dict.fromkeys(out))


def codes_from_number(text: str, known: Iterable[str]) -> list[str]:
    """Known codes that are this number once a spreadsheet dropped their zeros: "101" → "0101",
    "1.1" → "1.10"."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return []
    found = []
    for code in known:
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", code) and code != text:
            try:
                if Decimal(code) == number:
                    found.append(code)
            except InvalidOperation:
                continue
    return sorted(found)


def looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", (text or "").strip()))
