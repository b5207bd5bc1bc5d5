"""Transpose ABC text by semitones: key signatures, notes with correctly respelled accidentals, octave marks,
chord symbols and inline key changes; every other character is kept byte for byte.

Each key moves to the spelling of the new tonic with the fewest sharps or flats, and every note moves by the
same number of letter steps as its key's tonic, so a note keeps its degree in the scale (F# in D major
becomes G# in E major, =c in D becomes =d in E). A note written with an accidental keeps one; a note written
without one gets one only where the new key signature and the bar's earlier accidentals require it.

Text that cannot be transposed (a K: that is not a key, such as `K:HP`) raises AbcError with the place;
nothing else is ever raised.
"""

from __future__ import annotations

import re

from composer.abc.keys import (
    ACCIDENTAL_TEXT,
    ACCIDENTAL_VALUES,
    LETTERS,
    NATURAL_SEMITONES,
    KeySignature,
    parse_key,
    sharps_of,
)
from composer.abc.tokens import Field, Kind, Note, Quoted, tokenize_line
from composer.errors import AbcError

__all__ = ["transpose_fragment", "transpose_key", "transpose_tune"]

_FIELD_LINE = re.compile(r"^([A-Za-z+]):(.*)$")
_KEY_HEAD = re.compile(r"^(\s*)([A-G])([#b]?)")
_EXPLICIT_WORD = re.compile(r"^(\^\^|\^|__|_|=)([A-Ga-g])$")
_CHORD = re.compile(r"^([A-G])([#b]?)((?:maj|min|dim|aug|sus|add|m|M|o|\+|-|[0-9]|[#b]|\(|\))*|d|a)"
                    r"(?:/([A-Ga-g])([#b]?))?$")
_NOTE_PARTS = re.compile(r"^(\^\^|\^|__|_|=)?([A-Ga-g])([,']*)(.*)$", re.S)


class _KeyMove:
    """How one key moves: the target key signature and the letter steps every note moves by."""

    def __init__(self, source: KeySignature, semitones: int, is_none: bool = False) -> None:
        self.source = source
        self.semitones = semitones
        letter, alteration = _move_tonic(source.tonic, source.tonic_alteration, source.mode, semitones)
        old_index = LETTERS.index(source.tonic)
        new_index = LETTERS.index(letter)
        # Letter steps that carry the tonic to its new spelling, in the direction of the semitone shift.
        d = (new_index - old_index) % 7
        self.steps = d + 7 * round((semitones * 7 / 12 - d) / 7)
        if is_none:
            # K:none (or an empty K:) stays as written: no signature, every note spells its accidental.
            alterations = {name: 0 for name in LETTERS}
        else:
            plain = dict(_signature_of(source.tonic, source.tonic_alteration, source.mode).alterations)
            alterations = dict(_signature_of(letter, alteration, source.mode).alterations)
            for name, value in source.alterations:
                if value != plain[name]:  # an explicit accidental of the K: line (`K:D ^g`)
                    new_letter, new_alt = self.spell_pitch_class(name, value)
                    alterations[new_letter] = new_alt
        self.target = KeySignature(letter, alteration, source.mode, tuple(alterations.items()))

    def spell_pitch_class(self, letter: str, alteration: int) -> tuple[str, int]:
        """The letter and alteration a pitch class written `letter`+`alteration` moves to."""
        index = LETTERS.index(letter) + self.steps
        new_letter = LETTERS[index % 7]
        pitch = NATURAL_SEMITONES[letter] + alteration + self.semitones
        new_alt = (pitch - NATURAL_SEMITONES[new_letter] + 6) % 12 - 6
        return new_letter, new_alt


def _signature_of(letter: str, alteration: int, mode: str) -> KeySignature:
    value = f"{letter}{ {1: '#', -1: 'b', 0: ''}[alteration] }{mode}".replace(" ", "")
    key = parse_key(value)
    assert key is not None
    return key


def _move_tonic(letter: str, alteration: int, mode: str, semitones: int) -> tuple[str, int]:
    """The spelling of a tonic moved by `semitones` with the fewest sharps or flats (sharps on a tie)."""
    if semitones % 12 == 0:
        return letter, alteration
    pitch = (NATURAL_SEMITONES[letter] + alteration + semitones) % 12
    best: tuple[int, int, str, int] | None = None
    for candidate in LETTERS:
        alt = (pitch - NATURAL_SEMITONES[candidate] + 6) % 12 - 6
        if abs(alt) > 1:
            continue
        fifths = sharps_of(candidate, alt, mode)
        rank = (abs(fifths), 0 if fifths >= 0 else 1, candidate, alt)
        if best is None or rank < best:
            best = rank
    assert best is not None
    return best[2], best[3]


def transpose_key(value: str, semitones: int) -> str:
    """A K: value moved by `semitones`: `D` +2 → `E`, `Ador` -2 → `Gdor`, `Bb mix ^c` … (rest kept)."""
    move = _key_move(value, semitones, 0, 0)
    return _rewrite_key(value, move)


def _key_move(value: str, semitones: int, line: int, column: int) -> _KeyMove:
    text = value.split("%", 1)[0]
    key = parse_key(text)
    if key is None:
        raise AbcError(f"cannot transpose the key {text.strip()!r}", line=line, column=column)
    head = text.strip().split()
    is_none = not head or head[0].lower() == "none" or not _KEY_HEAD.match(text)
    return _KeyMove(key, semitones, is_none)


def _rewrite_key(value: str, move: _KeyMove) -> str:
    head = _KEY_HEAD.match(value)
    if head:
        accidental = {1: "#", -1: "b", 0: ""}[move.target.tonic_alteration]
        value = head.group(1) + move.target.tonic + accidental + value[head.end():]
    words = re.split(r"(\s+)", value)
    for i, word in enumerate(words):
        m = _EXPLICIT_WORD.match(word)
        if m:
            letter, alt = move.spell_pitch_class(m.group(2).upper(), ACCIDENTAL_VALUES[m.group(1)])
            if abs(alt) <= 2:
                words[i] = ACCIDENTAL_TEXT[alt] + (letter if m.group(2).isupper() else letter.lower())
    return "".join(words)


def _transpose_chord_symbol(content: str, move: _KeyMove) -> str:
    m = _CHORD.match(content)
    if not m:
        return content
    root = _spell_chord_note(m.group(1), m.group(2), move)
    out = root + m.group(3)
    if m.group(4):
        bass = _spell_chord_note(m.group(4).upper(), m.group(5), move)
        out += "/" + (bass if m.group(4).isupper() else bass[0].lower() + bass[1:])
    return out


def _spell_chord_note(letter: str, accidental: str, move: _KeyMove) -> str:
    alt = {"#": 1, "b": -1, "": 0}[accidental]
    new_letter, new_alt = move.spell_pitch_class(letter, alt)
    if abs(new_alt) > 1:
        pitch = (NATURAL_SEMITONES[new_letter] + new_alt) % 12
        for candidate in LETTERS:
            a = (pitch - NATURAL_SEMITONES[candidate] + 6) % 12 - 6
            if a == 0:
                new_letter, new_alt = candidate, 0
                break
    return new_letter + {1: "#", -1: "b", 0: ""}.get(new_alt, "")


class _Transposer:
    """Rewrites lines one at a time, remembering the key and each bar's accidentals on both sides."""

    def __init__(self, semitones: int) -> None:
        self.semitones = semitones
        self.move: _KeyMove | None = None
        self.source_bar: dict[tuple[str, int], int] = {}
        self.target_bar: dict[tuple[str, int], int] = {}

    def set_key(self, value: str, line: int, column: int) -> str:
        self.move = _key_move(value, self.semitones, line, column)
        self.source_bar.clear()
        self.target_bar.clear()
        return _rewrite_key(value, self.move)

    def body_line(self, text: str, line: int) -> str:
        out: list[str] = []
        for tok in tokenize_line(text, line):
            kind = tok.kind
            if kind is Kind.NOTE and self.move is not None:
                out.append(self.note(tok))  # type: ignore[arg-type]
            elif kind is Kind.BAR:
                self.source_bar.clear()
                self.target_bar.clear()
                out.append(tok.text)
            elif kind is Kind.CHORD_SYMBOL and self.move is not None:
                assert isinstance(tok, Quoted)
                if tok.closed:
                    out.append('"' + _transpose_chord_symbol(tok.content, self.move) + '"')
                else:
                    out.append(tok.text)
            elif (kind is Kind.FIELD or kind is Kind.INLINE_FIELD) and tok.name == "K":  # type: ignore[attr-defined]
                assert isinstance(tok, Field)
                out.append(self.key_field(tok))
            else:
                out.append(tok.text)
        return "".join(out)

    def key_field(self, tok: Field) -> str:
        if tok.kind is Kind.FIELD:
            m = _FIELD_LINE.match(tok.text)
            assert m is not None
            return "K:" + self.set_key(m.group(2), tok.line, 3)
        inner = tok.text[3:-1] if tok.closed else tok.text[3:]
        return "[K:" + self.set_key(inner, tok.line, tok.column + 3) + ("]" if tok.closed else "")

    def note(self, tok: Note) -> str:
        move = self.move
        assert move is not None
        parts = _NOTE_PARTS.match(tok.text)
        assert parts is not None
        length_text = parts.group(4)
        letter, octave = tok.step, tok.octave
        if tok.accidental:
            alteration = ACCIDENTAL_VALUES[tok.accidental]
            self.source_bar[(letter, octave)] = alteration
        else:
            alteration = self.source_bar.get((letter, octave), move.source.alteration(letter))
        pitch = 12 * octave + NATURAL_SEMITONES[letter] + alteration + self.semitones
        index = 7 * octave + LETTERS.index(letter) + move.steps
        new_letter, new_octave = LETTERS[index % 7], index // 7
        new_alt = pitch - (12 * new_octave + NATURAL_SEMITONES[new_letter])
        if abs(new_alt) > 2:
            index += 1 if new_alt > 0 else -1
            new_letter, new_octave = LETTERS[index % 7], index // 7
            new_alt = pitch - (12 * new_octave + NATURAL_SEMITONES[new_letter])
        implied = self.target_bar.get((new_letter, new_octave), move.target.alteration(new_letter))
        accidental = ""
        if tok.accidental or new_alt != implied:
            accidental = ACCIDENTAL_TEXT[new_alt]
            self.target_bar[(new_letter, new_octave)] = new_alt
        if new_octave >= 1:
            name = new_letter.lower() + "'" * (new_octave - 1)
        else:
            name = new_letter + "," * (-new_octave)
        return accidental + name + length_text


def transpose_tune(text: str, semitones: int) -> str:
    """The ABC text of a tune (or tunebook) moved by `semitones`; header lines other than K: and every
    character that is not a note, chord symbol or key are kept as they are. Raises AbcError (with line and
    column) only for a K: that is not a key."""
    if semitones == 0:
        return text
    transposer = _Transposer(semitones)
    in_header = True
    lines = text.split("\n")
    out: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        ending = raw[len(line):]
        field = _FIELD_LINE.match(line)
        if field and field.group(1) == "X":
            in_header, transposer.move = True, None
            out.append(raw)
        elif in_header and field:
            if field.group(1) == "K":
                out.append("K:" + transposer.set_key(field.group(2), number, 3) + ending)
                in_header = False
            else:
                out.append(raw)
        elif in_header and (not line.strip() or line.lstrip().startswith("%")):
            out.append(raw)
        else:
            if in_header:
                in_header = False
            if transposer.move is None:
                transposer.set_key("C", number, 1)
            out.append(transposer.body_line(line, number) + ending)
    return "\n".join(out)


def transpose_fragment(text: str, semitones: int, key: str) -> str:
    """Body text (a selection) in key `key` (a K: value such as `D` or `Ador`) moved by `semitones`.
    Accidentals are counted from the start of the fragment as if it started a bar."""
    if semitones == 0:
        return text
    transposer = _Transposer(semitones)
    transposer.set_key(key, 1, 1)
    out = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        out.append(transposer.body_line(line, number) + raw[len(line):])
    return "\n".join(out)
