"""The closing-text search: a short text that ends a tune validly from a state, for a candidate out of characters."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from composer.model.constraint.grammar import LONG_DECORATIONS
from composer.model.constraint.kinds import Kind, NoteFor

if TYPE_CHECKING:
    from composer.model.constraint.state import AbcState

#: Characters tried first when closing a tune: end what is open, fill bars with rests, then anything musical.
_CLOSING_QUOTE = ('"', *"ABCDEFG")
_CLOSING_CHARS = ("\n", ")", "]", "|", ":", "z", "8", "4", "2", "/", "[")
_CLOSING_NOTES = ("\n", ")", "]", "}", "|", ":", "z", "8", "4", "2", "/", "B", "[", *"1635789")
_CLOSING_DECORATION = ("!", *sorted(set("".join(LONG_DECORATIONS))))
#: Kinds after which a bar line or the tune's end may come: no token is half read.
_BETWEEN_NOTES = (Kind.NONE, Kind.BAR)
#: Pending needs that only a note can satisfy.
_NOTE_NEEDED = (NoteFor.DECORATION, NoteFor.ORNAMENT, NoteFor.GRACE)


def closing_text(state: AbcState, budget: int) -> str | None:
    """A text that ends the tune from `state`: depth first for a quick answer, then breadth first for any answer."""
    return _search(state, depth_first=True, budget=budget // 4) or _search(state, depth_first=False, budget=budget)


def _closing_alphabet(state: AbcState) -> tuple[str, ...]:
    """The characters to try after `state`, most promising first."""
    if state.kind == Kind.QUOTE:
        return _CLOSING_QUOTE
    if state.kind == Kind.DECORATION:
        return _CLOSING_DECORATION
    if state.tie_pitch is not None:
        return (*state.tie_pitch, *_CLOSING_NOTES)
    if (state.kind not in _BETWEEN_NOTES or state.in_chord or state.in_grace
            or state.need_note in _NOTE_NEEDED):
        return _CLOSING_NOTES
    return _CLOSING_CHARS


def _search(start: AbcState, *, depth_first: bool, budget: int) -> str | None:
    """Depth- or breadth-first search over the closing alphabet for an ended state, within `budget` expansions."""
    frontier = deque([(start, "")])
    seen: set[tuple] = {start.key()}
    while frontier and budget > 0:
        budget -= 1
        state, text = frontier.pop() if depth_first else frontier.popleft()
        if state.ended:
            return text
        if len(text) >= 120:
            continue
        alphabet = _closing_alphabet(state)
        for ch in (reversed(alphabet) if depth_first else alphabet):
            nxt = state.advance(ch)
            if nxt is not None:
                key = nxt.key()
                if key not in seen:
                    seen.add(key)
                    frontier.append((nxt, text + ch))
    return None
