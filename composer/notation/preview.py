"""An engraving with text inserted into it drawn faint: a suggested bar previewed in the staff before it is taken."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from composer.notation.engrave import MUSIC_KINDS, EngravedPage, EngravedTune, EngraverMessage, Symbol

__all__ = ["FAINT_OPACITY", "Insertion", "PreviewedTune", "faint_insertion"]

#: How strongly the inserted symbols are drawn (SVG opacity): readable, yet plainly not written yet.
FAINT_OPACITY = 0.42
#: How far above and below its symbols' boxes an inserted span reaches (SVG px): chord symbols and decorations.
_ABOVE = 16.0
_BELOW = 10.0
_SLACK = 2.0
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*?)(/?)>")
_ATTRIBUTE = re.compile(r"""\b([\w:-]+)\s*=\s*["']([^"']*)["']""")
_MOVE = re.compile(r"^\s*[Mm]\s*(-?[\d.]+)[\s,]+(-?[\d.]+)")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)")
#: Containers whose children are looked at one by one (a translated group is one drawing, like a path).
_CONTAINERS = {"svg", "g", "a", "switch"}
_NEVER_DRAWN = {"defs", "style", "title", "desc", "metadata", "symbol", "clipPath", "mask", "pattern"}


@dataclass(frozen=True)
class Insertion:
    """Text shown as if it stood at `position` of a text (a character index), before it is really put there."""

    position: int
    text: str

    def applied_to(self, text: str) -> str:
        """`text` with the insertion in it."""
        return text[:self.position] + self.text + text[self.position:]


@dataclass(frozen=True)
class PreviewedTune(EngravedTune):
    """An engraving of a text with an insertion in it. `symbols` and `messages` are placed in the text without it
    (a click or the cursor finds the same notes as in the plain engraving); `faint` are the inserted text's
    symbols, placed in the text with the insertion, and drawn faint in the pages."""

    faint: tuple[Symbol, ...] = ()
    insertion: Insertion | None = None


def faint_insertion(engraved: EngravedTune, shown: str, insertion: Insertion) -> PreviewedTune:
    """`engraved`, the engraving of `shown` (a text with `insertion` applied), with the symbols that come from the
    insertion's characters drawn faint and every other symbol placed back in the text without it."""
    places = _Places(shown, insertion)
    faint: list[Symbol] = []
    kept: list[Symbol] = []
    for symbol in engraved.symbols:
        offset = places.offset(symbol.line, symbol.column)
        if places.inserted(offset):
            faint.append(symbol)
        else:
            line, column = places.plain(symbol.line, symbol.column, offset)
            kept.append(replace(symbol, line=line, column=column))
    messages = []
    for message in engraved.messages:
        offset = places.offset(message.line, message.column)
        if not places.inserted(offset):
            line, column = places.plain(message.line, message.column, offset)
            messages.append(EngraverMessage(message.severity, message.message, line, column))
    boxes = _spans([s for s in faint if s.kind in MUSIC_KINDS], [s for s in kept if s.kind in MUSIC_KINDS])
    pages = tuple(EngravedPage(_fade(page.svg, boxes.get(number, [])), page.width, page.height)
                  for number, page in enumerate(engraved.pages))
    return PreviewedTune(pages, tuple(kept), tuple(messages), tuple(faint), insertion)


class _Places:
    """Source places in the shown text (1-based line and column) as offsets, and back in the plain text."""

    def __init__(self, shown: str, insertion: Insertion) -> None:
        self.insertion = insertion
        self.shown_starts = _line_starts(shown)
        self.plain_starts = _line_starts(shown[:insertion.position] + shown[insertion.position + len(insertion.text):])

    def offset(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.shown_starts):
            return -1
        return self.shown_starts[line - 1] + max(column - 1, 0)

    def inserted(self, offset: int) -> bool:
        return self.insertion.position <= offset < self.insertion.position + len(self.insertion.text)

    def plain(self, line: int, column: int, offset: int) -> tuple[int, int]:
        """The place in the plain text of the shown text's (line, column) at `offset`."""
        if offset < self.insertion.position:
            return line, column
        offset -= len(self.insertion.text)
        row = bisect.bisect_right(self.plain_starts, offset) - 1
        return row + 1, offset - self.plain_starts[row] + 1


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _spans(faint: list[Symbol], kept: list[Symbol]) -> dict[int, list[tuple[float, float, float, float]]]:
    """Per page, the boxes (left, top, right, bottom) the inserted symbols cover: one per system they stand on,
    from the first symbol's left to the last one's right (the beams and ties between them included), stopping
    short of the next written symbol on that system (a bar line's box reaches into the note after it)."""
    boxes: dict[int, list[tuple[float, float, float, float]]] = {}
    run: list[Symbol] = []

    def close() -> None:
        if not run:
            return
        top, bottom = min(s.y for s in run), max(s.y + s.height for s in run)
        left, right = min(s.x for s in run), max(s.x + s.width for s in run)
        after = [s.x for s in kept
                 if s.page == run[0].page and s.x > run[-1].x and s.y < bottom and s.y + s.height > top]
        if after:
            right = min(right, min(after) - _SLACK * 2)
        boxes.setdefault(run[0].page, []).append((left - _SLACK, top - _ABOVE, right + _SLACK, bottom + _BELOW))
        run.clear()

    for symbol in sorted(faint, key=lambda s: (s.page, s.line, s.column)):
        if run and (symbol.page != run[-1].page or symbol.x + symbol.width < run[-1].x):  # the next system
            close()
        run.append(symbol)
    close()
    return boxes


def _fade(svg: str, boxes: list[tuple[float, float, float, float]]) -> str:
    """`svg` with each drawing whose first point falls inside one of `boxes` put in a translucent group (one group
    for a run of them, so a stem over a beam is no darker than either)."""
    if not boxes:
        return svg
    out: list[str] = []
    done = 0
    level = 0  # containers open around the tag
    group: int | None = None  # the level a translucent group is open at
    hidden = 0  # depth inside a drawing (or definitions): its insides go with it

    def put(at: int, text: str) -> None:
        nonlocal done
        out.append(svg[done:at])
        out.append(text)
        done = at

    for match in _TAG.finditer(svg):
        closing, name, attributes, empty = match.group(1), match.group(2), match.group(3), match.group(4)
        if hidden:
            hidden += -1 if closing else 0 if empty else 1
            continue
        if closing:
            if group == level:
                put(match.start(), "</g>")
                group = None
            level -= 1
            continue
        point = None if name in _NEVER_DRAWN else _anchor(name, attributes)
        if point is None and name in _CONTAINERS:
            if group == level:
                put(match.start(), "</g>")
                group = None
            level += 0 if empty else 1
            continue
        faint = point is not None and any(left <= point[0] <= right and top <= point[1] <= bottom
                                          for left, top, right, bottom in boxes)
        if faint and group is None:
            put(match.start(), f'<g opacity="{FAINT_OPACITY:g}">')
            group = level
        elif not faint and group == level and name not in _NEVER_DRAWN:
            put(match.start(), "</g>")
            group = None
        hidden += 0 if empty else 1
    out.append(svg[done:])
    return "".join(out)


def _anchor(name: str, attributes: str) -> tuple[float, float] | None:
    """Where a drawing starts (its x and y, a path's first point, a group's translation); None for a container
    to look into, or an element without a place."""
    values = dict(_ATTRIBUTE.findall(attributes))
    try:
        if "transform" in values and (found := _TRANSLATE.search(values["transform"])):
            return float(found.group(1)) + float(values.get("x", 0)), float(found.group(2)) + float(values.get("y", 0))
        if name in _CONTAINERS:
            return None
        if name == "path":
            found = _MOVE.match(values.get("d", ""))
            return (float(found.group(1)), float(found.group(2))) if found else None
        if "cx" in values:
            return float(values["cx"]), float(values.get("cy", 0))
        if "x" in values:
            return float(values["x"]), float(values.get("y", 0))
        if "x1" in values:
            return float(values["x1"]), float(values.get("y1", 0))
    except ValueError:
        return None
    return None
