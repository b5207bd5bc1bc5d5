"""Lengths in ABC: note length suffixes, the unit length (L:), meters (M:) and bar lengths, in one place."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_UNIT = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+))?\s*$")
#: The numbers of an M: value: beats (summed for `2+3/8`) and denominator; trailing text is ignored.
_METER_NUMBERS = re.compile(r"^\(?\s*([\d+ ]+)\s*\)?\s*/\s*(\d+)")


@lru_cache(maxsize=512)
def parse_length(text: str) -> Fraction:
    """An ABC length suffix as a multiple of L:: `` → 1, `3` → 3, `/` → 1/2, `//` → 1/4, `3/2`, `/4` → 1/4."""
    if not text:
        return Fraction(1)
    top, slashes, bottom = text.partition("/")
    numerator = int(top) if top else 1
    if not slashes:
        return Fraction(numerator)
    extra = len(bottom) - len(bottom.lstrip("/"))
    bottom = bottom.lstrip("/")
    if bottom:
        denominator = int(bottom) * 2 ** extra
    else:
        denominator = 2 ** (extra + 1)
    if denominator == 0:
        return Fraction(numerator)
    return Fraction(numerator, denominator)


def length_suffix_value(text: str) -> Fraction | None:
    """`parse_length` for text that may not be a length suffix at all (None then)."""
    if not text or any(c not in "0123456789/" for c in text):
        return None
    try:
        return parse_length(text)
    except ValueError:
        return None


def parse_unit(text: str) -> Fraction | None:
    """L: as a fraction of a whole note (`1/8`, or `1` for a whole note); None when it is not a length."""
    match = _UNIT.match(text.split("%", 1)[0])
    if not match:
        return None
    top, bottom = int(match.group(1)), int(match.group(2) or 1)
    if top == 0 or bottom == 0:
        return None
    return Fraction(top, bottom)


def meter_numbers(meter: str | None) -> tuple[int, int] | None:
    """An M: value's beats (summed for `2+3/8`) and note value: `6/8` → (6, 8), `2+3+2/8` → (7, 8), `C` →
    (4, 4), `C|` → (2, 2); None for free meter (`none`, absent) or text that is not a meter."""
    if meter is None:
        return None
    m = meter.split("%", 1)[0].strip()
    if m == "C":
        return (4, 4)
    if m == "C|":
        return (2, 2)
    match = _METER_NUMBERS.match(m)
    if not match:
        return None
    return sum(int(p) for p in re.split(r"[+ ]+", match.group(1).strip()) if p), int(match.group(2))


def meter_fraction(meter: str | None) -> Fraction | None:
    """M: as a fraction of a whole note: `6/8` → 3/4, `C` → 1, `C|` → 1; None for free meter."""
    numbers = meter_numbers(meter)
    if numbers is None or numbers[1] == 0:
        return None
    return Fraction(*numbers)


def bar_length(meter: str | None) -> Fraction | None:
    """The length of a full bar as a fraction of a whole note, None for free meter (`none`, absent)."""
    if meter is None:
        return None
    return meter_fraction(meter.split("%", 1)[0].strip())


def default_unit_length(meter: str | None) -> str:
    """The ABC 2.1 default L: for a meter: 1/16 below 3/4, else 1/8 (and 1/8 for free or absent meter)."""
    value = meter_fraction(meter)
    if value is not None and value < Fraction(3, 4):
        return "1/16"
    return "1/8"
