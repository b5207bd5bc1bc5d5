"""The ABC body of one music21 part (TuneWriter), with a count of what ABC could not carry over (Omissions)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from composer.notation.abc_spelling import (
    Accidentals,
    abc_length,
    abc_pitch,
    chord_symbol_text,
    drawable_pieces,
    key_field,
    meter_field,
    tempo_field,
    tuplet_sign,
)

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["Omission", "Omissions", "TuneWriter"]

#: music21 articulation and expression class names → ABC 2.1 decorations.
_DECORATIONS = {
    "Staccato": ".", "Accent": "!>!", "StrongAccent": "!^!", "Tenuto": "!tenuto!", "UpBow": "u",
    "DownBow": "v", "Fermata": "H", "Trill": "T", "Turn": "~", "InvertedTurn": "!invertedturn!",
    "Mordent": "!lowermordent!", "InvertedMordent": "!uppermordent!", "Staccatissimo": "!wedge!",
    "Harmonic": "!open!", "Spiccato": "!wedge!",
}
_DYNAMICS = frozenset({"pppp", "ppp", "pp", "p", "mp", "mf", "f", "ff", "fff", "ffff", "sfz"})
#: Elements that carry no music of their own, or that are written through other means.
_SILENTLY_SKIPPED = frozenset({
    "Barline", "Repeat", "Clef", "TrebleClef", "BassClef", "AltoClef", "TenorClef", "Treble8vbClef",
    "Treble8vaClef", "Bass8vbClef", "PercussionClef", "NoClef", "GClef", "FClef", "CClef", "SystemLayout",
    "PageLayout", "StaffLayout", "Instrument", "ScoreLayout", "LayoutBase",
})


@dataclass(frozen=True)
class Omission:
    """Something the score held that the ABC leaves out: what it is, how many, and the first measure it is in."""

    what: str
    count: int
    first_measure: int | None = None

    def describe(self) -> str:
        place = f" (first in measure {self.first_measure})" if self.first_measure is not None else ""
        return f"{self.what}: {self.count}{place}"


class Omissions:
    """Counts what is left out, remembering the first measure of each."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: dict[str, int | None] = {}

    def add(self, what: str, measure: int | None, count: int = 1) -> None:
        if count <= 0:
            return
        self.counts[what] += count
        self.first.setdefault(what, measure)

    def values(self) -> tuple[Omission, ...]:
        return tuple(Omission(what, self.counts[what], self.first[what]) for what in self.counts)


class TuneWriter:
    """Walks the measures of one part and writes the ABC body, header values first."""

    def __init__(self, part: stream.Part, omissions: Omissions, guesses: list[str]) -> None:
        from music21 import key, meter, spanner, tempo

        self.part = part
        self.omissions = omissions
        self.measures = list(part.getElementsByClass("Measure"))
        # Bars of hidden rests at the end only pad this part out to a longer one.
        while len(self.measures) > 1 and all(
                "Rest" in e.classes and e.style.hideObjectOnPrint for e in self.measures[-1].recurse().notesAndRests):
            self.measures.pop()
        first_meter = part.recurse().getElementsByClass(meter.TimeSignature).first()
        if first_meter is None:
            self.meter = "none"
            self.bar_quarters = Fraction(4)
        else:
            self.meter = meter_field(first_meter)
            self.bar_quarters = Fraction(first_meter.barDuration.quarterLength).limit_denominator(64)
        self.current_meter = first_meter.ratioString if first_meter else None
        self.beat = (Fraction(first_meter.beatDuration.quarterLength).limit_denominator(64) if first_meter
                     else Fraction(1))
        # ABC's own default: L:1/16 for meters under 3/4, else L:1/8.
        self.unit = Fraction(1, 4) if self.bar_quarters < 3 else Fraction(1, 2)  # in quarter notes
        self.unit_text = "1/16" if self.unit == Fraction(1, 4) else "1/8"
        first_key = part.recurse().getElementsByClass(key.KeySignature).first()
        if first_key is None:
            first_key = part.analyze("key")
            guesses.append(f"key {key_field(first_key)} from the notes (the file has no key signature)")
        self.key = key_field(first_key)
        self.current_key = self.key
        self.accidentals = Accidentals(first_key)
        first_tempo = part.recurse().getElementsByClass(tempo.MetronomeMark).first()
        self.tempo = tempo_field(first_tempo) if first_tempo is not None else None
        self.current_tempo = self.tempo
        self.endings: dict[int, str] = {}
        sounding = [e for e in part.recurse().notesAndRests
                    if "ChordSymbol" not in e.classes and not e.duration.isGrace]
        self.following = {id(a): b for a, b in zip(sounding, sounding[1:], strict=False)}
        self.slur_starts: Counter[int] = Counter()
        self.slur_ends: Counter[int] = Counter()
        for item in part.spannerBundle:
            kind = type(item).__name__
            if isinstance(item, spanner.RepeatBracket):
                first = item.getFirst()
                if first is not None:
                    self.endings[id(first)] = ",".join(str(n) for n in item.numberRange if n) or "1"
            elif isinstance(item, spanner.Slur):
                first, last = item.getFirst(), item.getLast()
                if first is not None and last is not None and first is not last:
                    self.slur_starts[id(first)] += 1
                    self.slur_ends[id(last)] += 1
            else:
                first = item.getFirst()
                where = first.measureNumber if first is not None else None
                self.omissions.add(_spanner_name(kind), where)

    # ------------------------------------------------------------------------------------ the body
    def body(self) -> list[str]:
        """The music lines: a few measures a line, and a new line (with field lines) where key, meter or
        tempo change at a bar line, since music21 reads inline fields there wrongly."""
        per_line = 8 if self.bar_quarters <= 2 else 4
        lines: list[str] = []
        line = ""
        in_line = 0
        previous = None
        for measure in self.measures:
            fields, text = self._measure_text(measure)
            starts = _is_repeat(measure.leftBarline, "start")
            if previous is not None and (fields or in_line == per_line):
                lines.append(line + self._bar_after(previous, last=False))
                line, in_line = "", 0
            lines.extend(fields)
            if not line:
                line = "|:" if starts else ""
            else:
                line += self._joined_bar(previous, starts)
            ending = self.endings.get(id(measure))
            if ending is not None:
                line += f"[{ending} "
            line += text
            in_line += 1
            previous = measure
        if previous is not None:
            lines.append(line + self._bar_after(previous, last=True))
        return lines

    def _joined_bar(self, previous: Any, starts: bool) -> str:
        ends = _is_repeat(previous.rightBarline, "end")
        if ends and starts:
            return ":||:"
        if ends:
            return ":|"
        if starts:
            style = getattr(previous.rightBarline, "type", "regular")
            return "||:" if style == "light-light" else "|:"
        style = getattr(previous.rightBarline, "type", "regular")
        return {"light-light": "||", "light-heavy": "|]", "final": "|]", "heavy-light": "[|"}.get(style, "|")

    def _bar_after(self, measure: Any, last: bool) -> str:
        """The bar line that ends a line of music (the next measure's start repeat goes on the next line)."""
        if _is_repeat(measure.rightBarline, "end"):
            return ":|"
        style = getattr(measure.rightBarline, "type", "regular")
        if last:
            return "||" if style == "light-light" else "|]"
        return {"light-light": "||", "light-heavy": "|]", "final": "|]"}.get(style, "|")

    def _measure_text(self, measure: Any) -> tuple[list[str], str]:
        """The field lines that stand before the measure (key, meter, tempo changed at its start) and the
        measure's music."""
        from music21 import stream as m21stream

        self.accidentals.new_bar()
        number = measure.measureNumber
        voices = list(measure.getElementsByClass(m21stream.Voice))
        container = measure
        if voices:
            sounding = [v for v in voices if v.notes.first() is not None] or voices
            container = sounding[0]
            for other in voices:
                if other is not container:
                    self.omissions.add("notes of second and further voices", number, len(other.notes))
        out: list[str] = []
        pending: list[str] = []  # chord symbols, decorations and annotations for the next note
        graces: list[Any] = []
        items = list(measure.getElementsByOffset(0, 0, classList=["KeySignature", "TimeSignature",
                                                                  "MetronomeMark"])) if voices else []
        items += list(container)
        padding = _edge_padding(items)
        tuplet_left = 0
        for element in items:
            if id(element) in padding:
                continue
            kind = type(element).__name__
            classes = element.classes
            if "ChordSymbol" in classes:
                pending.append(f'"{chord_symbol_text(element)}"')
            elif "KeySignature" in classes:
                value = key_field(element)
                self.accidentals.set_key(element)
                if value != self.current_key:
                    out.append(f"[K:{value}]")
                    self.current_key = value
            elif "TimeSignature" in classes:
                self.beat = Fraction(element.beatDuration.quarterLength).limit_denominator(64)
                if element.ratioString != self.current_meter:
                    out.append(f"[M:{meter_field(element)}]")
                    self.current_meter = element.ratioString
            elif "MetronomeMark" in classes:
                value = tempo_field(element)
                if value and value != self.current_tempo:
                    out.append(f"[Q:{value}]")
                    self.current_tempo = value
            elif "Dynamic" in classes:
                if element.value in _DYNAMICS:
                    pending.append(f"!{element.value}!")
                else:
                    self.omissions.add(f"dynamic {element.value!r}", number)
            elif "TextExpression" in classes or "RehearsalMark" in classes:
                text = str(element.content).replace('"', "'").replace("\n", " ")
                pending.append(f'"^{text}"')
            elif "GeneralNote" in classes:
                if element.duration.isGrace:
                    if "Rest" not in classes:
                        graces.append(element)
                    continue
                if element.quarterLength == 0:
                    self.omissions.add("notes without duration", number)
                    continue
                lead = " " if out and self._on_beat(element) else ""
                if graces:
                    lead += "{" + "".join(self._grace_text(g) for g in graces) + "}"
                    graces = []
                tuplets = element.duration.tuplets
                if tuplets and tuplet_left == 0:
                    tuplet_left = self._tuplet_group_size(container, element)
                    lead += tuplet_sign(tuplets[0], tuplet_left)
                out.append(lead + "".join(pending) + self._note_text(element, number))
                pending = []
                if tuplets:
                    tuplet_left = max(tuplet_left - 1, 0)
                    if len(tuplets) > 1:
                        self.omissions.add("nested tuplets (written as the outer one)", number)
            elif kind not in _SILENTLY_SKIPPED and not {"Spanner", "Barline", "Instrument", "Clef"} & set(classes):
                self.omissions.add(kind, number)
        if graces:
            self.omissions.add("grace notes after the last note of a bar", number, len(graces))
        if pending:
            self.omissions.add("chord symbols or marks after the last note of a bar", number, len(pending))
        fields: list[str] = []
        while out and out[0].startswith("[") and out[0][1:3] in ("K:", "M:", "Q:"):
            fields.append(out.pop(0)[1:-1])
            if fields[-1].startswith("M:"):
                # The unit length is unchanged; music21 applies a body M: line only when an L: line follows.
                fields.append(f"L:{self.unit_text}")
        return fields, "".join(out).strip()

    def _tie_lands(self, element: Any) -> bool:
        """Whether the note after `element` shares a pitch with it (readers disagree about other ties)."""
        following = self.following.get(id(element))
        if following is None or "Rest" in following.classes:
            return False
        return bool({p.midi for p in element.pitches} & {p.midi for p in following.pitches})

    def _on_beat(self, element: Any) -> bool:
        """Whether the note starts a beat (a space before it breaks the beam there)."""
        offset = Fraction(element.offset).limit_denominator(3 * 64)
        return self.beat > 0 and offset % self.beat == 0

    def _tuplet_group_size(self, container: Any, first: Any) -> int:
        """How many notes and rests the tuplet starting at `first` holds."""
        group = 0
        started = False
        for element in container.notesAndRests:
            if element is first:
                started = True
            if not started or "ChordSymbol" in element.classes or element.duration.isGrace:
                continue
            if not element.duration.tuplets:
                break
            group += 1
            if element.duration.tuplets[0].type == "stop":
                break
        return max(group, 1)

    def _grace_text(self, element: Any) -> str:
        pitches = element.pitches if "Chord" in element.classes else (element.pitch,)
        return self._pitch_text(pitches[-1])

    def _pitch_text(self, pitch: Any, *, in_chord: bool = False) -> str:
        alter = pitch.accidental.alter if pitch.accidental is not None else 0
        if alter != int(alter) or abs(alter) > 2:
            self.omissions.add("microtones (rounded)", None)
            alter = max(-2, min(2, round(alter)))
        octave = pitch.octave if pitch.octave is not None else 4
        return self.accidentals.sign(pitch.step, octave, int(alter), in_chord=in_chord) + abc_pitch(pitch.step, octave)

    def _note_text(self, element: Any, measure_number: int | None) -> str:
        """One note, chord or rest with its decorations, slurs, length and tie; lengths no engraver can draw as
        one note are written as tied notes (rests: as rests in a row)."""
        classes = element.classes
        decorations = ""
        for mark in [*element.articulations, *element.expressions]:
            name = type(mark).__name__
            if name in _DECORATIONS:
                decorations += _DECORATIONS[name]
            elif name not in ("RepeatBracket",):
                self.omissions.add(f"{name} marks", measure_number)
        if element.lyrics:
            self.omissions.add("lyrics", measure_number, len(element.lyrics))
        tuplets = element.duration.tuplets
        written = Fraction(element.quarterLength).limit_denominator(3 * 64)
        if tuplets:
            written *= Fraction(tuplets[0].numberNotesActual, tuplets[0].numberNotesNormal)
        pieces = drawable_pieces(written / self.unit)
        if "Rest" in classes:
            letter = "z"
            if element.style.hideObjectOnPrint:
                letter = "x"
            return decorations + "".join(letter + abc_length(piece) for piece in pieces)
        if "Chord" in classes:
            pitches = "[" + "".join(self._pitch_text(p, in_chord=True) for p in element.pitches) + "]"
            tied = any(n.tie is not None and n.tie.type in ("start", "continue") for n in element.notes)
        else:
            pitches = self._pitch_text(element.pitch)
            tied = element.tie is not None and element.tie.type in ("start", "continue")
        if tied and not self._tie_lands(element):
            tied = False
            self.omissions.add("ties to a note of another pitch", measure_number)
        sounding = "-".join(pitches + abc_length(piece) for piece in pieces) + ("-" if tied else "")
        slurs = "(" * self.slur_starts[id(element)] + decorations
        return slurs + sounding + ")" * self.slur_ends[id(element)]


def _edge_padding(items: list[Any]) -> set[int]:
    """The ids of the invisible rests that only fill a bar out before its first or after its last visible note
    (music21 pads short bars so); none when the bar holds nothing else."""
    sounding = [e for e in items if "GeneralNote" in e.classes and "ChordSymbol" not in e.classes
                and not e.duration.isGrace]
    padding: set[int] = set()
    for run in (sounding, list(reversed(sounding))):
        for element in run:
            if "Rest" not in element.classes or not element.style.hideObjectOnPrint:
                break
            padding.add(id(element))
    return set() if len(padding) == len(sounding) else padding


def _spanner_name(kind: str) -> str:
    return {"Crescendo": "crescendo hairpins", "Diminuendo": "diminuendo hairpins", "Ottava": "ottava lines",
            "Glissando": "glissandos", "TrillExtension": "trill extension lines"}.get(kind, f"{kind} lines")


def _is_repeat(barline: Any, direction: str) -> bool:
    return barline is not None and type(barline).__name__ == "Repeat" and barline.direction == direction
