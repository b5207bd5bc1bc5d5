"""Argument types for the commands: each checks one value and says what is wrong in argparse's own words.

A type raises `argparse.ArgumentTypeError`, so a bad value ends in `composer CMD: error: argument --x: ...` and
exit status 2, never in a traceback. Header fields are single lines of text: a newline or another control
character would let a value write further header lines or directives into the tune (`--title $'x\\nK:C'`).
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable

from composer.abc.keys import parse_key

#: Most candidates one command asks for (each is a row of one batch).
MAX_COUNT = 1000
#: Largest meter numerator and unit denominator the commands accept (musical bounds, not parser limits).
MAX_BEATS = 64
NOTE_VALUES = (1, 2, 4, 8, 16, 32, 64)

_METER = re.compile(r"^(\d+(?:\+\d+)*)/(\d+)$")
_UNIT = re.compile(r"^(\d+)/(\d+)$")


def int_at_least(least: int, most: int | None = None) -> Callable[[str], int]:
    """An int type that refuses values below `least` (and above `most`)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more, got {value}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most}, got {value}")
        return value

    parse.__name__ = "number"
    return parse


def control_characters(text: str) -> list[str]:
    """The control characters in `text` (newlines, tabs, escapes, DEL, C1 controls), as escapes."""
    return [ascii(c)[1:-1] for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp")]


def field_text(text: str) -> str:
    """A header field's value: one line of text without control characters."""
    found = control_characters(text)
    if found:
        shown = ", ".join(sorted(set(found)))
        raise argparse.ArgumentTypeError(f"a field is one line of text; this one holds control characters ({shown})")
    return text.strip()


def meter(text: str) -> str:
    """M:: `C`, `C|`, `none`, or beats/note value like `6/8` or `2+3+2/8`."""
    value = field_text(text)
    if value in ("C", "C|", "none"):
        return value
    match = _METER.match(value.replace(" ", ""))
    if not match:
        raise argparse.ArgumentTypeError(f"expected a meter such as 4/4, 6/8, 2+3/8, C or C|, got {text!r}")
    beats = sum(int(p) for p in match.group(1).split("+"))
    if not 1 <= beats <= MAX_BEATS or int(match.group(2)) not in NOTE_VALUES:
        raise argparse.ArgumentTypeError(f"{value} is outside musical bounds: 1 to {MAX_BEATS} beats of a "
                                         f"note value among {', '.join(map(str, NOTE_VALUES))}")
    return value


def unit_length(text: str) -> str:
    """L:: a note value such as `1/8` or `1/16`."""
    value = field_text(text)
    match = _UNIT.match(value.replace(" ", ""))
    if not match or int(match.group(1)) != 1 or int(match.group(2)) not in NOTE_VALUES:
        raise argparse.ArgumentTypeError(f"expected a unit note length such as 1/8 or 1/16 "
                                         f"(1/{', 1/'.join(map(str, NOTE_VALUES))}), got {text!r}")
    return value


def key(text: str) -> str:
    """K:: a key Composer reads, such as `D`, `Ador`, `F#m` or `Bb mix`."""
    value = field_text(text)
    if parse_key(value) is None:
        raise argparse.ArgumentTypeError(f"expected a key such as D, Em, Ador or Bb mix, got {text!r}")
    return value
