"""The generation grammar as tables: note letters, decorations, chord symbols, durations, bar lines, repeat states."""

from __future__ import annotations

from fractions import Fraction

#: The shortest note the constrained grammar writes, in units of L:. Every bar is a whole number of these.
GRID = Fraction(1, 16)

NOTE_LETTERS = frozenset("ABCDEFGabcdefg")
#: Single-character decorations allowed in generated text (abc2midi reads them without complaint).
SHORT_DECORATIONS = frozenset("~.Tuv")
#: `!name!` decorations allowed in generated text.
LONG_DECORATIONS = ("trill", "accent", "mordent", "turn")
#: Chord-symbol types that abc2midi knows (checked against the real abc2midi in tests/model/test_constraint.py).
CHORD_TYPES = ("", "m", "7", "m7", "maj7", "M7", "6", "m6", "9", "m9", "maj9", "dim", "dim7", "aug", "+",
               "sus", "sus2", "sus4", "7sus4", "m7b5", "5")
#: Grace notes in one group of generated text.
MAX_GRACE_NOTES = 2
#: Notes in one chord of generated text.
MAX_CHORD_NOTES = 4
#: Decorations that abc2midi plays as extra notes: only on notes of at least one unit and an eighth.
ORNAMENTS = frozenset({"~", "T", "trill", "mordent", "turn"})
#: Bar-line tokens of generated text.
BAR_TOKENS = frozenset({"|", "||", "|]", "|:", ":|", "::"})
#: Bar lines after which a tune may end.
FINAL_BARS = frozenset({"|]", "||", ":|"})
#: Repeat states: no repeat may end here; a `:|` may end an implied one (tune or section start); `|:` is open.
CLOSED, IMPLICIT, OPEN = 0, 1, 2
#: Broken-rhythm marks and how much longer (or shorter) they make the first note of the pair.
BROKEN_RATIOS = {">": Fraction(3, 2), ">>": Fraction(7, 4), "<": Fraction(1, 2), "<<": Fraction(1, 4)}


def _duration_texts() -> dict[str, Fraction]:
    """Every duration suffix generated notes may carry, with its value in units."""
    texts: dict[str, Fraction] = {"": Fraction(1)}
    for n in range(2, 17):
        texts[str(n)] = Fraction(n)
    for n in (1, 3, 5, 7):
        for d in (2, 4, 8, 16):
            texts[f"{n}/{d}"] = Fraction(n, d)
    for n in (3, 5, 7):
        texts[f"{n}/"] = Fraction(n, 2)
    texts["/"] = Fraction(1, 2)
    texts["//"] = Fraction(1, 4)
    for d in (2, 4, 8, 16):
        texts[f"/{d}"] = Fraction(1, d)
    return texts


DURATIONS: dict[str, Fraction] = _duration_texts()


def _prefix_table(words: dict[str, Fraction]) -> dict[str, tuple[Fraction, frozenset[Fraction]]]:
    """prefix → (smallest value it can complete to, every value it can complete to)."""
    table: dict[str, set[Fraction]] = {}
    for word, value in words.items():
        for i in range(len(word) + 1):
            table.setdefault(word[:i], set()).add(value)
    return {p: (min(v), frozenset(v)) for p, v in table.items()}


#: Duration text so far → (the smallest value it can complete to, every value it can complete to).
DURATION_PREFIXES = _prefix_table(DURATIONS)


def _chord_symbols() -> frozenset[str]:
    roots = [r + a for r in "ABCDEFG" for a in ("", "#", "b")]
    basses = [""] + ["/" + r for r in roots]
    return frozenset(r + t + b for r in roots for t in CHORD_TYPES for b in basses)


#: Every chord symbol generated text may write (root, type, optional bass).
CHORD_SYMBOLS = _chord_symbols()
CHORD_SYMBOL_PREFIXES = frozenset(s[:i] for s in CHORD_SYMBOLS for i in range(len(s) + 1))
BAR_PREFIXES = frozenset(t[:i] for t in BAR_TOKENS for i in range(1, len(t) + 1))
