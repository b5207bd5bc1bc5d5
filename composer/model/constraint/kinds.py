"""Names for the states `AbcState` records: the token being read, the last thing read, and what the next note is for."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    """The token being read, still open (`NONE` between tokens)."""

    NONE = ""
    NOTE = "note"  # a note, rest or chord's `]`, its octave marks and duration still to come
    ACCIDENTAL = "acc"  # `^`, `_` or `=` before a note letter
    BAR = "bar"  # a bar line, which may still grow (`|` → `||`)
    PAREN = "paren"  # `(`: a slur or a tuplet
    TUPLET = "tuplet"  # `(3` and, in a prime, `:q:r`
    BROKEN = "broken"  # `>` or `<`
    BRACKET = "bracket"  # `[`: a chord, an ending, or (in a prime) an inline field or `[|`
    ENDING = "ending"  # a prime's ending number list (`[1,3`)
    QUOTE = "quote"  # a chord symbol between quotes
    DECORATION = "deco"  # `!name!`
    PLUS_DECORATION = "plus_deco"  # a prime's `+name+`
    BACKSLASH = "backslash"  # `\` continuing the line
    FIELD_LETTER = "field_letter"  # a letter at a prime's line start that may begin a field
    FIELD_LINE = "field_line"  # a prime's `X:...` field line
    COMMENT = "comment"  # a prime's `%` comment
    INLINE_FIELD = "inline"  # a prime's `[K:...]`


class Last(enum.StrEnum):
    """The last complete thing read, which decides what may follow it."""

    START = "start"
    NOTE = "note"  # a note, rest or chord
    BAR = "bar"
    ENDING = "ending"  # `[1` or `[2`
    TIE = "tie"
    SLUR_OPEN = "slur_open"
    SLUR_CLOSE = "slur_close"
    TUPLET = "tuplet"
    BROKEN = "broken"
    SYMBOL = "symbol"  # a chord symbol
    DECORATION = "deco"
    GRACE = "grace"  # a grace-note group's `}`


class NoteFor(enum.StrEnum):
    """What the next note is needed for (`NONE` when none is)."""

    NONE = ""
    SYMBOL = "symbol"  # a chord symbol stands before it
    DECORATION = "deco"
    ORNAMENT = "ornament"  # a decoration abc2midi plays as extra notes: the note must be long enough
    GRACE = "grace"  # grace notes, played inside their host note: it must be long enough


def fast_lookup(names: type[enum.Enum]) -> type:
    """A plain class holding the same members as the enum `names`, for hot loops.

    Python 3.11 reads `Kind.NOTE` through the enum metaclass's `__getattr__` hook, at several times the cost of the
    comparison it feeds; a plain class attribute is cheap (3.12 removed the hook). The members are the enum's own.
    """
    return type(names.__name__, (), dict(names.__members__))
