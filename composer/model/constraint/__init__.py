"""Incremental ABC state machine beside the sampler: which next characters keep a tune valid, playable music.

`AbcState.for_prime(text)` reads a canonical prime (header and any body) leniently, then constrains what follows:
`state.advance(ch)` is the state after `ch`, or None when `ch` would break the tune; `state.allowed_mask()` is a
boolean vector over the vocabulary (cached per state). Constrained generation keeps every bar exactly as long as
the meter says (a pickup first bar and a short closing bar excepted), keeps tuplets, broken rhythms, chords,
chord symbols, decorations, grace notes, slurs and ties well formed, keeps repeats and first/second endings
balanced, and allows the tune's empty line only after a proper final bar (`|]`, `||` or `:|`). The grammar is a
deliberately small subset of ABC that Debian's abc2midi reads without errors or bar-length warnings; a prime may
use more of ABC (it is read leniently and only tracked). Each accepted prefix can always be completed.

The package: `grammar` (the tables), `kinds` (names for the states), `state` (`AbcState` and its public API),
`reading` (how a character is read), `measure` (the bar arithmetic), `ticks` (lengths as ints: what the bar
arithmetic counts in), `completion` (the closing-text search).
"""

from composer.model.constraint.grammar import (
    BAR_TOKENS,
    BROKEN_RATIOS,
    CHORD_SYMBOLS,
    CHORD_TYPES,
    CLOSED,
    DURATION_PREFIXES,
    DURATIONS,
    FINAL_BARS,
    GRID,
    IMPLICIT,
    LONG_DECORATIONS,
    MAX_CHORD_NOTES,
    MAX_GRACE_NOTES,
    NOTE_LETTERS,
    OPEN,
    ORNAMENTS,
    SHORT_DECORATIONS,
)
from composer.model.constraint.kinds import Kind, Last, NoteFor
from composer.model.constraint.state import AbcState

__all__ = [
    "BAR_TOKENS", "BROKEN_RATIOS", "CHORD_SYMBOLS", "CHORD_TYPES", "CLOSED", "DURATIONS", "DURATION_PREFIXES",
    "FINAL_BARS", "GRID", "IMPLICIT", "LONG_DECORATIONS", "MAX_CHORD_NOTES", "MAX_GRACE_NOTES", "NOTE_LETTERS", "OPEN",
    "ORNAMENTS", "SHORT_DECORATIONS", "AbcState", "Kind", "Last", "NoteFor",
]
