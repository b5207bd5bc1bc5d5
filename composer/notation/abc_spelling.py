"""music21's pitches, lengths, keys, meters, tempos, tuplets and chord symbols spelled in ABC."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

__all__ = [
    "Accidentals", "abc_length", "abc_pitch", "chord_symbol_text", "drawable_pieces", "key_field", "meter_field",
    "tempo_field", "tuplet_sign",
]

#: Letters of the ABC key field for music21's mode names.
_MODE_SUFFIX = {"major": "", "minor": "m", "dorian": "dor", "phrygian": "phr", "lydian": "lyd",
                "mixolydian": "mix", "aeolian": "aeo", "locrian": "loc", "ionian": ""}
_ACCIDENTAL_SIGN = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}


def abc_length(multiple: Fraction) -> str:
    """The ABC length suffix of a note `multiple` unit lengths long: 1 → '', 2 → '2', 1/2 → '/', 3/2 → '3/2'."""
    if multiple == 1:
        return ""
    if multiple.denominator == 1:
        return str(multiple.numerator)
    if multiple.numerator == 1:
        return "/" if multiple.denominator == 2 else f"/{multiple.denominator}"
    return f"{multiple.numerator}/{multiple.denominator}"


def abc_pitch(step: str, octave: int) -> str:
    """The ABC letter of a note name and octave, without accidental: ('C', 4) → 'C', ('C', 5) → 'c', ('B', 3) → 'B,'."""
    if octave >= 5:
        return step.lower() + "'" * (octave - 5)
    return step.upper() + "," * (4 - octave)


def _drawable(multiple: Fraction) -> bool:
    """Whether an engraver can draw this length as one plain, dotted or double-dotted note."""
    if multiple <= 0 or multiple.denominator & (multiple.denominator - 1):
        return False
    odd = multiple.numerator
    while odd % 2 == 0:
        odd //= 2
    return odd in (1, 3, 7)


def key_field(key_or_signature: Any) -> str:
    """A music21 Key or KeySignature as an ABC K: value (`G`, `Em`, `Ador`, `Bb`)."""
    mode = getattr(key_or_signature, "mode", None) or "major"
    if mode not in _MODE_SUFFIX:
        mode = "major"
    tonic = key_or_signature.asKey(mode).tonic.name  # 'B-', 'F#'
    return tonic.replace("-", "b") + _MODE_SUFFIX[mode]


def meter_field(signature: Any) -> str:
    if signature.symbol == "common" and signature.ratioString == "4/4":
        return "C"
    if signature.symbol == "cut" and signature.ratioString == "2/2":
        return "C|"
    return signature.ratioString


def tempo_field(mark: Any) -> str | None:
    number = mark.number if mark.number is not None else mark.numberSounding
    if not number:
        return None
    beat = Fraction(mark.referent.quarterLength).limit_denominator(64) / 4
    return f"{beat.numerator}/{beat.denominator}={round(number)}"


class Accidentals:
    """Which accidental a pitch needs so that every reader hears it alike: ABC 2.1 (an accidental holds for
    its octave until the bar line), abc2midi (it holds in every octave), and music21, whose reader also lets
    accidentals hold but ignores those written inside chords and carries none into a chord."""

    def __init__(self, signature: Any) -> None:
        self.set_key(signature)

    def set_key(self, signature: Any) -> None:
        self.key = {step: 0 for step in "CDEFGAB"}
        if signature is not None:
            for pitch in signature.alteredPitches:
                self.key[pitch.step] = int(pitch.alter)
        self.new_bar()

    def new_bar(self) -> None:
        self.held: dict[tuple[str, int | None], int] = {}  # (step, octave or None for every octave)
        self.held_outside_chords: dict[tuple[str, int | None], int] = {}

    def sign(self, step: str, octave: int, alter: int, *, in_chord: bool = False) -> str:
        """The accidental to write before the note ('' when every reader already gives `alter`)."""
        key = self.key[step]
        places = ((step, octave), (step, None))
        expected = {self.held.get(place, key) for place in places}
        if in_chord:
            expected.add(key)
        else:
            expected.update(self.held_outside_chords.get(place, key) for place in places)
        if expected == {alter}:
            return ""
        for place in places:
            self.held[place] = alter
            if not in_chord:
                self.held_outside_chords[place] = alter
        return _ACCIDENTAL_SIGN[alter]


def drawable_pieces(multiple: Fraction) -> list[Fraction]:
    """A length split into lengths an engraver can draw, longest first (one piece when it already can)."""
    if _drawable(multiple):
        return [multiple]
    pieces: list[Fraction] = []
    left = multiple
    while left > 0:
        piece = Fraction(1, 64)
        while piece * 2 <= left:
            piece *= 2
        if piece * 3 / 2 <= left:
            piece = piece * 3 / 2
        if piece <= 0 or len(pieces) > 16:
            pieces.append(left)
            break
        pieces.append(piece)
        left -= piece
    return pieces


def tuplet_sign(tuplet: Any, count: int) -> str:
    actual, normal = tuplet.numberNotesActual, tuplet.numberNotesNormal
    if (actual, normal) in ((3, 2), (2, 3), (4, 3)) and count == actual:
        return f"({actual}"
    return f"({actual}:{normal}:{count}"


def chord_symbol_text(symbol: Any) -> str:
    figure = symbol.figure or (symbol.root().name if symbol.root() is not None else "")
    return figure.replace("-", "b").replace('"', "")
