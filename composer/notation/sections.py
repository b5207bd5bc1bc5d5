"""A long tune cut into sections that music21 reads one at a time, and the sections' scores joined again."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from composer.notation.music21_form import BAR_LINE
from composer.notation.music21_mends import UNTOUCHED

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["SECTION_BARS", "join_sections", "section_texts"]

#: Bars of one section of a long tune read by music21 on its own (see section_texts).
SECTION_BARS = 32
_SECTION_END = re.compile(r"(?:\|\]|\|\||:\|)\s*$")
_ENDING_START = re.compile(r"^\s*(?:\[?\d|\|\s*\[?\d|:)")
_STATE_FIELD = re.compile(r"^[KLMQ]:")
_TIE_AT_END = re.compile(r"-\s*[|:\]]*\s*$")


def section_texts(text: str) -> list[str]:
    """A tune's text for music21 (composer.notation.music21_abc.music21_text) cut into stand-alone tunes of at
    least SECTION_BARS bars each.

    A cut falls only after a music line that ends a section (`|]`, `||` or `:|`) with no repeat, slur or tie
    open and no ending (`[2`) on the next line; each later section starts with the header and the K:, M:,
    L: and Q: lines in force there. A tune with voices (V:), or shorter than two sections, stays whole.
    """
    lines = text.split("\n")
    key_line = next((i for i, line in enumerate(lines) if line.startswith("K:")), None)
    if key_line is None or text.count("|") < 2 * SECTION_BARS or re.search(r"^V:|\[V:", text, re.M):
        return [text]
    header, body = lines[:key_line + 1], lines[key_line + 1:]
    following = [""] * len(body)  # the next music line after each line
    upcoming = ""
    for index in range(len(body) - 1, -1, -1):
        following[index] = upcoming
        if body[index].strip() and not _STATE_FIELD.match(body[index]):
            upcoming = body[index]
    sections: list[list[str]] = [[]]
    state: dict[str, str] = {}  # field letter -> its line, in force after the lines read so far
    state_at_start: list[dict[str, str]] = [{}]
    bars = slurs = 0
    repeat_open = False
    for index, line in enumerate(body):
        sections[-1].append(line)
        if _STATE_FIELD.match(line):
            state[line[0]] = line
            continue
        code = _music_only(line)
        bars += code.count("|")
        slurs += len(re.findall(r"\((?!\d)", code)) - code.count(")")
        for bar in BAR_LINE.findall(code):
            if bar.endswith(":"):
                repeat_open = True
            elif bar.startswith(":"):
                repeat_open = False
        if bars >= SECTION_BARS and _SECTION_END.search(code) and not repeat_open and slurs <= 0 \
                and not _TIE_AT_END.search(code) and not _ENDING_START.match(following[index]):
            sections.append([])
            state_at_start.append(dict(state))
            bars = slurs = 0
    if not any(_music_only(line).strip() for line in sections[-1]):
        tail = sections.pop()
        state_at_start.pop()
        sections[-1].extend(tail)
    if len(sections) < 2:
        return [text]
    return ["\n".join(header + list(start.values()) + section)
            for start, section in zip(state_at_start, sections, strict=True)]


def _music_only(line: str) -> str:
    """A music line without its comment, quoted text, decorations and inline fields."""
    return re.sub(UNTOUCHED, "", line.split("%", 1)[0])


def join_sections(scores: list[stream.Score]) -> stream.Score:
    """One Score of the sections' single parts played one after another (the first score, extended in place):
    measures renumbered, and a section's repeated clef, key and meter dropped where nothing changes."""
    from music21 import clef, key, meter, spanner
    from music21 import stream as m21stream

    first = scores[0]
    if len(scores) == 1:
        return first
    part = first.parts[0]
    offset = part.highestTime
    measures = list(part.getElementsByClass(m21stream.Measure))
    number = measures[-1].number if measures else 0
    in_force: dict[type, object] = {}
    for cls in (key.KeySignature, meter.TimeSignature):
        found = list(part.recurse().getElementsByClass(cls))
        in_force[cls] = found[-1] if found else None
    for score in scores[1:]:
        section = score.parts[0]
        length = section.highestTime
        placed = [(element, section.elementOffset(element)) for element in section.elements]
        for element, at in placed:
            section.remove(element)
            if isinstance(element, spanner.Spanner):
                part.coreInsert(offset, element)
            elif isinstance(element, m21stream.Measure):
                number += 1
                element.number = number
                for mark in list(element.getElementsByClass((clef.Clef, key.KeySignature, meter.TimeSignature))):
                    kind = meter.TimeSignature if isinstance(mark, meter.TimeSignature) else key.KeySignature
                    if isinstance(mark, clef.Clef) or _same_mark(in_force.get(kind), mark):
                        element.remove(mark)
                    else:
                        in_force[kind] = mark
                part.coreInsert(offset + at, element)
        offset += length
    part.coreElementsChanged()
    return first


def _same_mark(before: object, mark: object) -> bool:
    """Whether a key or time signature says what the one in force (`before`) says."""
    from music21 import meter

    if before is None:
        return False
    if isinstance(mark, meter.TimeSignature):
        return isinstance(before, meter.TimeSignature) and before.ratioString == mark.ratioString
    return before == mark
