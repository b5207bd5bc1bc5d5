"""The canonical model text of a tune: the one format every model reads and writes."""

from __future__ import annotations

import re

from composer.abc.lengths import default_unit_length
from composer.abc.tunebook import Tune
from composer.model.vocab import to_vocab

# Body lines that are fields the music does not depend on; K: L: M: P: V: stay.
_MUSICAL_BODY_FIELDS = frozenset("KLMPV")
_BODY_FIELD = re.compile(r"^([A-Za-z+]):")


def strip_comment(line: str) -> str:
    """`line` without its `%` comment (a `\\%` escape stays)."""
    out = []
    prev = ""
    in_quote = False
    for ch in line:
        if ch == '"':
            in_quote = not in_quote
        if ch == "%" and prev != "\\" and not in_quote:
            break
        out.append(ch)
        prev = ch
    return "".join(out)


def canonical_body_lines(tune: Tune) -> list[str]:
    """Body lines without comments, directives, non-musical fields or trailing spaces; empty lines dropped."""
    lines = []
    for body_line in tune.body:
        text = body_line.text.replace("\t", " ")
        if text.lstrip().startswith("%"):
            continue
        m = _BODY_FIELD.match(text)
        if m and m.group(1) not in _MUSICAL_BODY_FIELDS:
            continue
        text = strip_comment(text).rstrip()
        if text.strip():
            lines.append(text)
    return lines


def canonical_header(title: str, meter: str | None, unit: str | None, key: str | None,
                     rhythm: str | None = None) -> str:
    """The canonical header lines (ending with the K: line and its newline)."""
    meter_value = meter.strip() if meter and meter.strip() else "none"
    unit_value = unit.strip() if unit and unit.strip() else default_unit_length(meter_value)
    key_value = key.strip() if key and key.strip() else "C"
    lines = ["X:1", f"T:{title.strip()}"]
    if rhythm and rhythm.strip():
        lines.append(f"R:{rhythm.strip()}")
    lines += [f"M:{meter_value}", f"L:{unit_value}", f"K:{key_value}"]
    return to_vocab("\n".join(lines) + "\n")


def canonical_text(tune: Tune) -> str:
    """The tune as `X:1 / T: / [R:] / M: / L: / K: / body / empty line`, in the model vocabulary."""
    header = canonical_header(tune.title, tune.meter, tune.unit, tune.key, tune.rhythm)
    body = "\n".join(canonical_body_lines(tune))
    return header + to_vocab(body) + ("\n" if body else "") + "\n"


def body_start(canonical: str) -> int:
    """Offset of the first body character in a canonical text (just after the K: line)."""
    m = re.search(r"^K:.*\n", canonical, flags=re.M)
    return m.end() if m else 0
