"""Reading the numbers staff type: full-width digits, commas, percent signs, odd minus signs.

Free of Django. Messages are named constants, in Japanese, so that forms and tests share them;
they are marked for makemessages and translated where they are shown (kpi/forms.py), and a
NumberError keeps its message's template and parameters for that.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation


def gettext_noop(message: str) -> str:
    """Marks a message for makemessages (by this name) without importing Django."""
    return message


NOT_A_NUMBER = gettext_noop("数値を入力してください（例: 1,438、52.5）。")
NOT_FINITE = gettext_noop("数値として扱えない値です（NaN や無限大は入力できません）。")
TOO_LARGE = gettext_noop("値が大きすぎます。単位を確かめてください。")
EXPONENT = gettext_noop(
    "指数表記（1e3 など）やべき乗（10^3）は使えません。数字で入力してください（例: 1000）。"
)
PERCENT_RANGE = gettext_noop("割合は0から100までの値を入力してください。")
NEGATIVE = gettext_noop("0以上の値を入力してください。")
NOT_WHOLE = gettext_noop("件数・人数は整数で入力してください。")
TOO_MANY_DECIMALS = gettext_noop("小数点以下は{decimals}桁までで入力してください。")
NO_DECIMALS = gettext_noop("小数は入力できません（整数で入力してください）。")

# NFKC folds full-width digits, "，", "．", "－" and "％", but not these two minus signs.
_MINUS_SIGNS = {"\u2212": "-", "\u30fc": "-", "\u2010": "-", "\u2013": "-"}
# ASCII digits only (re.ASCII): \d alone also matches "٣" (Arabic-Indic) and other scripts'
# digits, which NFKC leaves as they are and Decimal would quietly read.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$", re.ASCII)
MAX_INTEGER_DIGITS = 13


class NumberError(ValueError):
    """A number refused. str() is the Japanese message; `template` and `params` let the
    caller translate it first (gettext(err.template).format(**err.params))."""

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)


class OutOfRange(NumberError):
    """A number past MAX_INTEGER_DIGITS digits (1e308, 10^30): the caller names the range."""


# What a person or a spreadsheet writes for a very large or small number: 1e308, 1.5E+20, 10^30.
_EXPONENT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$", re.ASCII)
_POWER = re.compile(r"^[+-]?(\d+)(\^|\*\*)([+-]?\d+)$", re.ASCII)


def parse_number(text: str) -> Decimal:
    """ "１，４３８" → 1438, "52.5％" → 52.5, "−3" and "ー3" → -3. Raises NumberError."""
    s = "".join(_MINUS_SIGNS.get(c, c) for c in str(text))
    s = unicodedata.normalize("NFKC", s).strip().replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if s.lower() in {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "-infinity"}:
        raise NumberError(NOT_FINITE)
    if "," in s:
        if not _GROUPED.match(s):
            raise NumberError(NOT_A_NUMBER)
        s = s.replace(",", "")
    if _EXPONENT.match(s) or (power := _POWER.match(s)):
        _refuse_exponent(s, power if not _EXPONENT.match(s) else None)
    if not _NUMBER.match(s):
        raise NumberError(NOT_A_NUMBER)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise NumberError(NOT_A_NUMBER) from None
    if not value.is_finite():
        raise NumberError(NOT_FINITE)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise OutOfRange(TOO_LARGE)
    return value


def _refuse_exponent(s: str, power) -> None:
    """Exponent forms are never read: OutOfRange when the number is beyond every unit's range,
    so the message says so; NumberError(EXPONENT) otherwise."""
    try:
        if power is None:
            magnitude = Decimal(s).adjusted()
        else:
            base, exponent = int(power.group(1)), int(power.group(3))
            # digits of base**exponent, without computing it (10^99999999 stays cheap)
            magnitude = int(exponent * Decimal(base).log10()) if base > 1 and exponent > 0 else 0
    except (InvalidOperation, ValueError, OverflowError):
        raise NumberError(EXPONENT) from None
    if magnitude >= MAX_INTEGER_DIGITS:
        raise OutOfRange(TOO_LARGE)
    raise NumberError(EXPONENT)


def check_for_unit(value: Decimal, *, kind: str, decimals: int) -> None:
    """Refuse a value the unit cannot hold: a percentage outside 0–100, a negative count…"""
    places = max(0, -value.normalize().as_tuple().exponent) if value != 0 else 0
    if kind == "count" and places > 0:
        raise NumberError(NOT_WHOLE)
    if places > decimals:
        if decimals == 0:
            raise NumberError(NO_DECIMALS)
        raise NumberError(TOO_MANY_DECIMALS, decimals=decimals)
    if kind == "percent" and not 0 <= value <= 100:
        raise NumberError(PERCENT_RANGE)
    if kind in ("count", "amount") and value < 0:
        raise NumberError(NEGATIVE)
