"""Key signatures (K: values), meters and pitch arithmetic shared by the checker and the transposer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from composer.abc.lengths import bar_length

__all__ = [
    "LETTERS", "NATURAL_SEMITONES", "KeySignature", "bar_length", "default_tuplet_time", "parse_key", "sharps_of",
]

LETTERS = "CDEFGAB"
#: Semitones above C of each natural note.
NATURAL_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Accidental text → semitone alteration.
ACCIDENTAL_VALUES = {"": 0, "=": 0, "^": 1, "^^": 2, "_": -1, "__": -2}
ACCIDENTAL_TEXT = {0: "=", 1: "^", 2: "^^", -1: "_", -2: "__"}

# Position on the circle of fifths of each major tonic with no accidental.
_MAJOR_FIFTHS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
# Fifths to add to a tonic for each mode (relative to its major).
_MODE_FIFTHS = {
    "maj": 0, "ion": 0, "min": -3, "aeo": -3, "mix": -1, "dor": -2, "phr": -4, "lyd": 1, "loc": -5,
}
_SHARP_ORDER = "FCGDAEB"
_KEY_HEAD = re.compile(r"^\s*(?P<tonic>[A-G])(?P<acc>[#b]?)(?P<mode>[A-Za-z]*)")
_EXPLICIT = re.compile(r"^(\^\^|\^|__|_|=)([A-Ga-g])$")


@dataclass(frozen=True)
class KeySignature:
    """A parsed K: value: tonic letter, its alteration (-1, 0, 1), the mode (three letters), and the
    alteration of each letter C–B the signature implies (explicit accidentals included)."""

    tonic: str
    tonic_alteration: int
    mode: str
    alterations: tuple[tuple[str, int], ...]

    def alteration(self, letter: str) -> int:
        """Semitones the signature adds to `letter` (upper case)."""
        for name, value in self.alterations:
            if name == letter:
                return value
        return 0

    @property
    def fifths(self) -> int:
        """Sharps (positive) or flats (negative) of the signature without explicit accidentals."""
        return sharps_of(self.tonic, self.tonic_alteration, self.mode)


def sharps_of(tonic: str, alteration: int, mode: str = "maj") -> int:
    """Sharps (>0) or flats (<0) in the key signature of `tonic`+`alteration` in `mode`."""
    return _MAJOR_FIFTHS[tonic] + 7 * alteration + _MODE_FIFTHS.get(mode, 0)


def _signature(fifths: int) -> dict[str, int]:
    out = {letter: 0 for letter in LETTERS}
    if fifths > 0:
        for i in range(fifths):
            letter = _SHARP_ORDER[i % 7]
            out[letter] += 1
    elif fifths < 0:
        for i in range(-fifths):
            letter = _SHARP_ORDER[6 - i % 7]
            out[letter] -= 1
    return out


def _mode_of(word: str) -> str | None:
    w = word.lower()
    if w in ("", "maj", "major", "ion", "ionian"):
        return "maj"
    if w in ("m", "min", "minor"):
        return "min"
    for mode in _MODE_FIFTHS:
        if w.startswith(mode):
            return mode
    return None


def parse_key(value: str | None) -> KeySignature | None:
    """The key signature of a K: value (`G`, `Ador`, `F#m`, `Bb mix`, `D ^g`, `none`, ``), None when the
    value is not a key we can read (`HP`, `Hp`, nonsense)."""
    text = (value or "").split("%", 1)[0].strip()
    words = text.split()
    explicit: list[tuple[str, int]] = []
    if not words or words[0].lower() == "none" or "=" in words[0] and not _EXPLICIT.match(words[0]):
        tonic, alteration, mode = "C", 0, "maj"
        rest = words[1:] if words and words[0].lower() == "none" else words
    else:
        head = _KEY_HEAD.match(text)
        if head is None:
            if not _EXPLICIT.match(words[0]):
                return None
            tonic, alteration, mode, rest = "C", 0, "maj", words
        else:
            tonic = head.group("tonic")
            alteration = {"#": 1, "b": -1, "": 0}[head.group("acc")]
            mode_text = head.group("mode")
            rest = text[head.end():].split()
            if not mode_text and rest and _mode_of(rest[0]) is not None and not _EXPLICIT.match(rest[0]) \
                    and "=" not in rest[0]:
                mode_text = rest[0]
                rest = rest[1:]
            mode = _mode_of(mode_text)
            if mode is None:
                return None
    for word in rest:
        m = _EXPLICIT.match(word)
        if m:
            explicit.append((m.group(2).upper(), ACCIDENTAL_VALUES[m.group(1)]))
    signature = _signature(sharps_of(tonic, alteration, mode))
    for letter, alt in explicit:
        signature[letter] = alt
    return KeySignature(tonic, alteration, mode, tuple(signature.items()))


@lru_cache(maxsize=256)  # generation's constraint asks at every tuplet it weighs
def default_tuplet_time(notes: int, meter: str | None) -> int:
    """The q of a tuplet `(p` written without it: p notes in the time of q.

    ABC 2.1 gives 3 for 2, 4 and 8, 2 for 3 and 6, and for 5, 7 and 9 three in compound meter, else two. We
    follow abc2midi (our reference player) there: it takes three whenever the meter's numerator is a multiple
    of three, so `(5` in 3/4, 3/8 or 3/2 is five in the time of three.
    """
    if notes in (2, 4, 8):
        return 3
    if notes in (3, 6):
        return 2
    match = re.match(r"^\s*(\d+)\s*/", meter or "")
    return 3 if match and int(match.group(1)) % 3 == 0 else 2
