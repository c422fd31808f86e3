"""全国地方公共団体コード (JIS X 0402): the six-digit code of a local government.

The first two digits are the prefecture (JIS X 0401), the next three the body within it, and
the sixth a check digit over the first five: weigh them 6, 5, 4, 3, 2 from the left, sum, take
the remainder modulo 11, and subtract it from 11; the check digit is the last digit of that
difference (remainder 0 → 1, remainder 1 → 0). 東京都 130001, 札幌市 011002, 浜松市 221309.
"""

from __future__ import annotations

import re

WEIGHTS = (6, 5, 4, 3, 2)
SIX_DIGITS = re.compile(r"[0-9]{6}")


def check_digit(first_five: str) -> int:
    """The check digit of a five-digit code, e.g. "01100" → 2."""
    if len(first_five) != 5 or not first_five.isascii() or not first_five.isdigit():
        raise ValueError(f"not five digits: {first_five!r}")
    total = sum(int(d) * w for d, w in zip(first_five, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_valid(code: str) -> bool:
    """Six ASCII digits whose last is the check digit of the first five."""
    return bool(SIX_DIGITS.fullmatch(code)) and check_digit(code[:5]) == int(code[5])
