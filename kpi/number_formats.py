"""What a spreadsheet shows for a number under its number format ("0.0%", "#,##0\"件\""…).

Free of Django. Excel stores 0.8 and shows "80.0%"; it stores 1.25 and shows "1.3" under "0.0".
A person checks what is shown, so an upload must read the shown number, and must refuse a cell
whose shown number is not the stored one (rounded, scaled by a trailing comma, hidden by ";;;").

The rules follow Excel's documentation of number format codes ("Review guidelines for
customizing a number format", support.microsoft.com): up to four sections separated by ";"
(positive; negative; zero; text), "0 # ?" digit placeholders, "." decimals, "," thousands
(a trailing "," divides by 1,000), "%" multiplies by 100, "E+" scientific, "/" fractions,
"\\x", "_x", "*x" and "..." literals, [Red]/[Color n] colours, [$-411] locales, [>100] conditions.
Excel keeps 15 significant digits; "General" shows at most 11 characters.
Formats this module cannot render faithfully (dates, conditions, [DBNum] numerals, literals between
digits) raise FormatError with the cause, so that the caller refuses rather than guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

UNSUPPORTED = (
    "セルの表示形式「{code}」は読み取れません。標準・数値・パーセントの表示形式にしてください。"
)
DATE_FORMAT = "セルが日付・時刻の表示形式（{code}）になっています。数値の表示形式にしてください。"
CONDITION = (
    "条件付きの表示形式（{code}）は読み取れません。標準・数値・パーセントの表示形式にしてください。"
)

_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)
_GENERAL_WIDTH = 11
_DATE_LETTERS = set("yYmMdDhHsSgGeEbB")  # e/g/b: Japanese and Buddhist eras


class FormatError(ValueError):
    """The format cannot be rendered faithfully; the message names the format."""


@dataclass(frozen=True)
class Shown:
    """A number as a cell shows it.

    text: the characters shown ("80.0%", "1,438件", "1/2"); number: the number those
    characters stand for, in the shown scale (80.0 for "80.0%"), None when no number is shown
    (";;;" or a "-" zero section); percent: a "%" is shown; exact: the shown number equals the
    stored one (scaled by the format's "%"), so that nothing was rounded away.
    """

    text: str
    number: Decimal | None
    percent: bool
    exact: bool


def excel_value(value: float | int | Decimal) -> Decimal:
    """The stored number as Excel holds it: 15 significant digits (0.1+0.7 → 0.8)."""
    d = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else value)
    )
    if d == 0:
        return Decimal(0)
    return _EXCEL_DIGITS.plus(d)


def _plain(d: Decimal) -> str:
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _general(value: Decimal) -> Shown:
    # "General" fits a number in 11 characters: fewer decimals, or scientific when too long.
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= Decimal("1e11") or magnitude < Decimal("1e-9")):
        exponent = magnitude.adjusted()
        mantissa = (value.scaleb(-exponent)).quantize(Decimal("0.00001"), ROUND_HALF_UP)
        text = f"{_plain(mantissa)}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
        shown = mantissa.scaleb(exponent)
        return Shown(text, shown, False, shown == value)
    int_digits = max(1, magnitude.adjusted() + 1) if magnitude >= 1 else 1
    places = max(0, _GENERAL_WIDTH - 1 - int_digits - (1 if value < 0 else 0))
    shown = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) if places < 30 else value
    return Shown(_plain(shown), shown.normalize(), False, shown == value)


def _split_sections(code: str) -> list[str]:
    sections, current, i = [], "", 0
    while i < len(code):
        c = code[i]
        if c == '"':
            end = code.find('"', i + 1)
            end = len(code) if end < 0 else end
            current += code[i : end + 1]
            i = end + 1
            continue
        if c in "\\_*" and i + 1 < len(code):
            current += code[i : i + 2]
            i += 2
            continue
        if c == ";":
            sections.append(current)
            current = ""
        else:
            current += c
        i += 1
    sections.append(current)
    return sections


_COLOURS = re.compile(r"^(Black|Blue|Cyan|Green|Magenta|Red|White|Yellow|Color\s*\d+)$", re.I)


def _tokens(section: str, code: str) -> list[tuple[str, str]]:
    """("lit", text), ("digit", "0#?"), ("point"|"comma"|"percent"|"slash"|"general", ""),
    ("exp", "+" or "-")."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        c = section[i]
        if c == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif c == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif c == "_" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif c == "*" and i + 1 < len(section):
            i += 2  # a fill character repeats to the cell's width: no part of the number
        elif c == "[":
            end = section.find("]", i)
            if end < 0:
                raise FormatError(UNSUPPORTED.format(code=code))
            tag = section[i + 1 : end]
            if re.match(r"^[<>=]", tag):
                raise FormatError(CONDITION.format(code=code))
            if tag.startswith("$"):
                symbol, _, locale = tag[1:].partition("-")
                if locale.upper().startswith(("F800", "F400")):
                    raise FormatError(DATE_FORMAT.format(code=code))
                if symbol:
                    out.append(("lit", symbol))
            elif re.match(r"^(h+|m+|s+)$", tag, re.I):
                raise FormatError(DATE_FORMAT.format(code=code))
            elif not _COLOURS.match(tag):
                raise FormatError(UNSUPPORTED.format(code=code))  # [DBNum1]: kanji numerals
            i = end + 1
        elif section[i : i + 7].lower() == "general":
            out.append(("general", ""))
            i += 7
        elif c in "0#?":
            out.append(("digit", c))
            i += 1
        elif c == ".":
            out.append(("point", ""))
            i += 1
        elif c == ",":
            out.append(("comma", ""))
            i += 1
        elif c == "%":
            out.append(("percent", ""))
            i += 1
        elif c == "/":
            out.append(("slash", ""))
            i += 1
        elif c in "eE" and section[i + 1 : i + 2] in ("+", "-"):
            out.append(("exp", section[i + 1]))
            i += 2
        elif c == "@":
            raise FormatError(UNSUPPORTED.format(code=code))
        elif c in _DATE_LETTERS:
            raise FormatError(DATE_FORMAT.format(code=code))
        else:
            out.append(("lit", c))
            i += 1
    return out


def _text_of(tokens) -> str:
    return "".join(
        "%" if kind == "percent" else text for kind, text in tokens if kind in ("lit", "percent")
    )


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[j : j + 3] for j in range(head, len(digits), 3)]
    return ",".join(parts)


def shown(value: float | int | Decimal, code: str | None) -> Shown:
    """How a number cell with format `code` is shown. Raises FormatError for formats that
    cannot be rendered faithfully (dates, conditions, numeral systems, literals among digits)."""
    number = excel_value(value)
    code = (code or "General").strip()
    if code.lower() in ("general", "@", ""):
        return _general(number)
    sections = _split_sections(code)
    if len(sections) > 4:
        raise FormatError(UNSUPPORTED.format(code=code))
    negative = number < 0
    if negative and len(sections) >= 2:
        section, sign = sections[1], ""  # the negative section writes its own sign
    elif number == 0 and len(sections) >= 3:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], "-" if negative else ""
    tokens = _tokens(section, code)
    magnitude = abs(number)
    percents = sum(1 for kind, _ in tokens if kind == "percent")
    literal_percent = percents > 0 or "%" in _text_of(tokens)
    numeric = [i for i, (kind, _) in enumerate(tokens) if kind in ("digit", "general")]
    if not numeric:
        # No digits at all (";;;", a "-" zero section): the cell shows only the literals.
        return Shown(_text_of(tokens), None, literal_percent, False)
    first, last = numeric[0], numeric[-1]
    while last + 1 < len(tokens) and tokens[last + 1][0] in ("comma", "point"):
        last += 1
    prefix, body, suffix = tokens[:first], tokens[first : last + 1], tokens[last + 1 :]
    if any(kind == "point" for kind, _ in prefix[-1:]):
        prefix, body = prefix[:-1], [("point", ""), *body]  # ".00" with no whole digits
    scale = Decimal(100) ** percents
    target = magnitude * scale
    if any(kind == "general" for kind, _ in body):
        if len(body) != 1:
            raise FormatError(UNSUPPORTED.format(code=code))
        inner = _general(target)
        text = _text_of(prefix) + sign + inner.text + _text_of(suffix)
        return Shown(
            text, -inner.number if negative else inner.number, literal_percent, inner.exact
        )
    if any(kind == "slash" for kind, _ in body + suffix):
        return _fraction(tokens, target, sign, negative, literal_percent, code)
    if any(kind not in ("digit", "point", "comma", "exp") for kind, _ in body):
        raise FormatError(UNSUPPORTED.format(code=code))  # "000-0000": literals among digits
    exp_at = next((i for i, (kind, _) in enumerate(body) if kind == "exp"), None)
    mantissa_tokens = body if exp_at is None else body[:exp_at]
    point_at = next((i for i, (kind, _) in enumerate(mantissa_tokens) if kind == "point"), None)
    int_tokens = mantissa_tokens if point_at is None else mantissa_tokens[:point_at]
    frac_tokens = [] if point_at is None else mantissa_tokens[point_at + 1 :]
    trailing_commas = 0  # "#,##0,": each comma after the last digit divides by 1,000
    while int_tokens and int_tokens[-1][0] == "comma":
        int_tokens, trailing_commas = int_tokens[:-1], trailing_commas + 1
    grouping = any(kind == "comma" for kind, _ in int_tokens)
    int_spec = "".join(text for kind, text in int_tokens if kind == "digit")
    frac_spec = "".join(text for kind, text in frac_tokens if kind == "digit")
    places = len(frac_spec)
    target = target / (Decimal(1000) ** trailing_commas)
    quantum = Decimal(1).scaleb(-places)
    if exp_at is not None:
        exp_spec = "".join(text for kind, text in body[exp_at + 1 :] if kind == "digit")
        int_count = max(1, len(int_spec))
        if target == 0:
            exponent = 0
        elif "#" in int_spec and int_count > 1:
            exponent = (target.adjusted() // int_count) * int_count  # engineering notation
        else:
            exponent = target.adjusted() - (int_count - 1)
        mantissa = target.scaleb(-exponent).quantize(quantum, ROUND_HALF_UP)
        if "#" not in int_spec and mantissa != 0 and mantissa.adjusted() >= int_count:
            exponent += 1  # 9.99 rounded up to 10.0 moves to the next power
            mantissa = target.scaleb(-exponent).quantize(quantum, ROUND_HALF_UP)
        exp_sign = "-" if exponent < 0 else ("+" if body[exp_at][1] == "+" else "")
        body_text = f"{mantissa:f}E{exp_sign}{abs(exponent):0{max(1, len(exp_spec))}d}"
        shown_number = mantissa.scaleb(exponent)
    else:
        rounded = target.quantize(quantum, ROUND_HALF_UP)
        whole, _, frac = f"{rounded:f}".partition(".")
        whole = whole.lstrip("0")
        min_int = int_spec.count("0")
        whole = whole.rjust(min_int, "0") if min_int else whole
        if grouping and whole:
            whole = _group(whole)
        frac = frac.ljust(places, "0")
        optional = len(frac_spec) - len(frac_spec.rstrip("#?"))
        if optional:  # "#" after the point drops trailing zeros; "0" keeps them
            keep = places - optional
            frac = frac[:keep] + frac[keep:].rstrip("0")
        body_text = whole + ("." + frac if point_at is not None else "")
        shown_number = rounded
    exact = trailing_commas == 0 and shown_number == target
    text = _text_of(prefix) + sign + body_text + _text_of(suffix)
    return Shown(text, -shown_number if negative else shown_number, literal_percent, exact)


def _fraction(
    tokens, target: Decimal, sign: str, negative: bool, percent: bool, code: str
) -> Shown:
    slash = next(i for i, (kind, _) in enumerate(tokens) if kind == "slash")
    before, after = tokens[:slash], tokens[slash + 1 :]
    digits_before = [i for i, (kind, _) in enumerate(before) if kind == "digit"]
    # "# ?/?": a space between two runs of placeholders separates the whole part.
    whole_part = any(
        kind == "lit"
        and text.strip() == ""
        and digits_before
        and digits_before[0] < i < digits_before[-1]
        for i, (kind, text) in enumerate(before)
    )
    denominator_spec = ""
    suffix_start = len(after)
    for i, (kind, text) in enumerate(after):
        if kind == "digit" or (kind == "lit" and text.isdigit()):
            denominator_spec += text
        elif denominator_spec:
            suffix_start = i
            break
    exact_target = Fraction(target)
    if denominator_spec.isdigit() and int(denominator_spec) > 0:
        denominator = int(denominator_spec)
        approx = Fraction(round(exact_target * denominator), denominator)
    elif denominator_spec:
        approx = exact_target.limit_denominator(10 ** len(denominator_spec) - 1)
    else:
        raise FormatError(UNSUPPORTED.format(code=code))
    whole = approx.numerator // approx.denominator if whole_part else 0
    rest = approx - whole
    pieces = [str(whole)] if whole_part and whole else []
    if rest or not pieces:
        pieces.append(f"{rest.numerator}/{rest.denominator}")
    first_digit = digits_before[0] if digits_before else slash
    text = _text_of(tokens[:first_digit]) + sign + " ".join(pieces) + _text_of(after[suffix_start:])
    exact = approx == exact_target
    number = Decimal(approx.numerator) / Decimal(approx.denominator)
    return Shown(text, -number if negative else number, percent, exact)
