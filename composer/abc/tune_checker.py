"""The checks of one tune (TuneChecker): its header fields, then its tokens in one pass, with bar lengths."""

from __future__ import annotations

import re
from fractions import Fraction

from composer.abc.bar_walk import (
    BAR_REP,
    DOUBLE_REP,
    REP_BAR,
    SINGLE,
    Voice,
    bar_roles,
    counting_unit,
    in_units,
    walk_bars,
)
from composer.abc.bounds import (
    MAX_BROKEN,
    MAX_GRACE_NOTES,
    MAX_SLUR_DEPTH,
    bar_rest_problem,
    broken_problem,
    grace_problem,
    length_problem,
    meter_problem,
    note_length_problem,
    parse_unit,
    parts_problem,
    tempo_problem,
    unit_problem,
)
from composer.abc.diagnostic import ERROR, WARNING, Diagnostic
from composer.abc.keys import bar_length, default_tuplet_time, parse_key
from composer.abc.tokens import (
    Bar,
    Broken,
    ChordEnd,
    Decoration,
    Field,
    Kind,
    Quoted,
    Rest,
    Token,
    Tuplet,
    Variant,
    tokenize_tune,
)
from composer.abc.tunebook import Tune

__all__ = ["ABC_FIELDS", "CHORD_TYPES", "TuneChecker"]

#: Chord types Debian's abc2midi 4.84 accepts after the root (measured with abc2midi itself, see tests).
CHORD_TYPES = frozenset({
    "", "m", "7", "m7", "maj7", "M7", "6", "m6", "aug", "+", "aug7", "dim", "dim7", "9", "m9", "maj9", "M9",
    "11", "dim9", "sus", "sus4", "sus9", "sus2", "7sus4", "7sus9", "5", "m7b5", "b5",
})
# abc2midi reads a root, an optional #/b, then a chord type up to a space, / or ( (measured: abc2midi 4.84).
_CHORD_SYMBOL = re.compile(r"^\s*([A-Ga-g])([#b]?)([^\s/(]*)")
#: Field letters of ABC 2.1 (section 3.1); Y:, E:, J: and the like are not among them.
ABC_FIELDS = frozenset("ABCDFGHIKLMmNOPQRrSsTUVWwXZ+")
# Fields allowed in a tune body (as lines or inline), ABC 2.1 section 3.
_BODY_FIELDS = frozenset("IKLMmNPQRrsTUVWw+")
_METER = re.compile(r"^\s*(none|C\|?|\(?[\d+ ]+\)?\s*/\s*\d+)\s*$")


def _is_chord_symbol_known(content: str) -> bool:
    m = _CHORD_SYMBOL.match(content)
    return m is not None and m.group(3) in CHORD_TYPES


class TuneChecker:
    """Walks one tune's header and tokens once, collecting diagnostics and timing events."""

    def __init__(self, tune: Tune) -> None:
        self.tune = tune
        self.found: list[Diagnostic] = []
        self.meter_text = tune.meter
        self.meter = bar_length(tune.meter) if tune.meter and tune.meter.strip().lower() != "none" else None
        self.unit = self._unit_of(tune.unit, tune.meter)
        self.voices: dict[str, Voice] = {}
        self.voice = self._voice("1")
        self.voice_meter: dict[str, Fraction | None] = {"1": self.meter}

    # -- reporting ---------------------------------------------------------------------------------------
    def report(self, severity: str, message: str, line: int, column: int, *, blocks_export: bool = False) -> None:
        self.found.append(Diagnostic(severity, message, line, column, self.tune.reference, self.tune.path,
                                     blocks_export))

    def out_of_bounds(self, problem: str | None, line: int, column: int) -> bool:
        """Report `problem` (from composer.abc.bounds) as an error the exporters refuse; True if there was one."""
        if problem is not None:
            self.report(ERROR, problem, line, column, blocks_export=True)
        return problem is not None

    def _voice(self, name: str) -> Voice:
        if name not in self.voices:
            self.voices[name] = Voice()
        return self.voices[name]

    @staticmethod
    def _unit_of(unit: str | None, meter: str | None) -> Fraction:
        if unit and unit_problem(unit) is None:
            return parse_unit(unit) or Fraction(1, 8)
        value = bar_length(meter)
        return Fraction(1, 16) if value is not None and value < Fraction(3, 4) else Fraction(1, 8)

    # -- the whole tune ----------------------------------------------------------------------------------
    def run(self) -> list[Diagnostic]:
        self.check_header()
        body = self.tune.body
        if body and self.out_of_bounds(length_problem(sum(len(b.text) + 1 for b in body)), body[0].line, 1):
            return self.found  # reading every note of a book-sized tune is minutes of work for nothing
        self.check_body()
        for name, voice in self.voices.items():
            for bar, found, expected in walk_bars(voice.events, self.voice_meter.get(name, self.meter)):
                verdict = "overfills" if found > expected else "does not fill"
                unit = counting_unit(expected, self.tune.meter)
                self.report(WARNING, f"bar length {in_units(found, unit)} {verdict} the bar of "
                            f"{in_units(expected, unit)}", bar.line, bar.column)
        return self.found

    def check_header(self) -> None:
        tune = self.tune
        header = tune.header
        if not header or header[0].name != "X":
            where = header[0].line if header else tune.line
            self.report(WARNING, "the tune does not start with an X: field", where, 1)
        for f in header:
            if f.name not in ABC_FIELDS:
                self.report(WARNING, f"unknown header field {f.name}:", f.line, f.column)
            elif f.name == "X" and f is not header[0]:
                self.report(WARNING, "X: must be the first field of a tune", f.line, f.column)
            elif f.name == "K":
                self.check_key(f.value, f.line, f.column + 2)
            elif f.name == "M":
                self.check_meter(f.value, f.line, f.column + 2)
            elif f.name == "L":
                self.out_of_bounds(unit_problem(f.value), f.line, f.column + 2)
            elif f.name == "Q":
                self.out_of_bounds(tempo_problem(f.value), f.line, f.column + 2)
            elif f.name == "P":
                self.out_of_bounds(parts_problem(f.value), f.line, f.column + 2)
        if not tune.has_key:
            later = next((b for b in tune.body if b.text.startswith("K:")), None)
            if tune.body:
                first = tune.body[0]
                self.report(ERROR, "music before the K: field: the header must end with K:", first.line, 1,
                            blocks_export=True)
            if later is not None:
                self.report(ERROR, "misplaced K: field: K: must end the header", later.line, 1,
                            blocks_export=True)
            elif not tune.body:
                self.report(ERROR, "missing K: field: a tune header must end with K:", tune.line, 1,
                            blocks_export=True)

    def check_key(self, value: str, line: int, column: int) -> None:
        text = value.split("%", 1)[0].strip()
        if text in ("HP", "Hp"):
            return
        if parse_key(text) is None:
            self.report(WARNING, f"unknown key {text!r}", line, column)

    def check_meter(self, value: str, line: int, column: int) -> bool:
        """Report what is wrong with an M: value; True when its numbers are out of bounds."""
        text = value.split("%", 1)[0].strip()
        if text and not _METER.match(text):
            self.report(WARNING, f"M: {text!r} is not a meter like 6/8, C or none", line, column)
        return self.out_of_bounds(meter_problem(text), line, column)

    def check_length(self, multiple: Fraction, tok: Token, written: str | None = None) -> None:
        """A note, rest or chord of `multiple` unit lengths must last a length music uses."""
        self.out_of_bounds(note_length_problem(multiple * self.unit, written or tok.text), tok.line, tok.column)

    # -- the body ----------------------------------------------------------------------------------------
    def check_body(self) -> None:
        tune = self.tune
        in_chord: Token | None = None
        chord_length: Fraction | None = None
        in_grace: Token | None = None
        grace_notes = 0  # notes of the open grace group
        nesting_said = grace_nesting_said = False  # a chord (grace group) opened inside another was reported
        slurs: list[Token] = []
        too_deep = 0  # slurs opened past MAX_SLUR_DEPTH, reported once and otherwise ignored
        open_repeat: Bar | None = None
        tuplet_left = 0
        tuplet_factor = Fraction(1)
        last_element: tuple[int, Fraction] | None = None  # (event index, length) of the last note/rest/chord
        pending_broken: tuple[Broken, int, Fraction] | None = None
        overlay = False
        events = self.voice.events

        def element(length: Fraction, token: Token) -> None:
            nonlocal tuplet_left, last_element, pending_broken
            length = length * self.unit
            if tuplet_left > 0:
                length *= tuplet_factor
                tuplet_left -= 1
            if overlay:
                return
            if pending_broken is not None:
                broken, index, previous = pending_broken
                pending_broken = None
                if index == len(events) - 1 and previous == length:
                    longer = 2 - Fraction(1, 2 ** broken.count)
                    first, second = (longer, 2 - longer) if broken.direction == ">" else (2 - longer, longer)
                    events[index] = ("units", previous * first)
                    length *= second
                elif index == len(events) - 1:
                    self.report(WARNING, "broken rhythm between notes of unequal length (players ignore it)",
                                broken.line, broken.column)
            events.append(("units", length))
            last_element = (len(events) - 1, length)

        kind: Kind | None = None
        previous: Kind | None = None
        run: tuple[Broken, int] | None = None  # the first broken-rhythm token of a run, and its signs so far
        for tok in tokenize_tune(tune):
            previous, kind = kind, tok.kind
            if kind is Kind.NOTE:
                self.check_length(tok.length, tok)  # type: ignore[attr-defined]
                if in_grace is not None:
                    grace_notes += 1
                    if grace_notes == MAX_GRACE_NOTES + 1:
                        self.out_of_bounds(grace_problem(grace_notes), in_grace.line, in_grace.column)
                    continue
                if in_chord is not None:
                    if chord_length is None:
                        chord_length = tok.length  # type: ignore[attr-defined]
                    continue
                element(tok.length, tok)  # type: ignore[attr-defined]
            elif kind is Kind.REST:
                self.check_length(tok.length, tok)  # type: ignore[attr-defined]
                if in_grace is None and in_chord is None:
                    element(tok.length, tok)  # type: ignore[attr-defined]
            elif kind is Kind.MULTI_REST:
                assert isinstance(tok, Rest)
                self.out_of_bounds(bar_rest_problem(int(tok.length), tok.text), tok.line, tok.column)
                bars = min(int(tok.length), 64)  # more whole bars of rest change nothing
                size = self.current_meter()
                for _ in range(max(bars - 1, 0)):
                    events.append(("units", size or Fraction(0)))
                    events.append(("bar", SINGLE, None))
                events.append(("units", size or Fraction(0)))
                last_element = None
            elif kind is Kind.CHORD_START:
                if in_chord is None:
                    nesting_said = False
                elif not nesting_said:  # once a run: ten thousand [ are one mistake, not ten thousand
                    self.report(ERROR, "chord [ opened inside another chord", tok.line, tok.column)
                    nesting_said = True
                in_chord, chord_length = tok, None
            elif kind is Kind.CHORD_END:
                assert isinstance(tok, ChordEnd)
                if in_chord is None:
                    self.report(ERROR, "] without a matching [", tok.line, tok.column)
                    continue
                in_chord = None
                self.check_length((chord_length or Fraction(1)) * tok.length, tok, f"chord {tok.text}")
                if in_grace is None:
                    element((chord_length or Fraction(0)) * tok.length, tok)
            elif kind is Kind.GRACE_START:
                if in_grace is None:
                    grace_nesting_said = False
                elif not grace_nesting_said:  # once a run, as for chords
                    self.report(ERROR, "grace notes { opened inside grace notes", tok.line, tok.column)
                    grace_nesting_said = True
                in_grace, grace_notes = tok, 0
            elif kind is Kind.GRACE_END:
                if in_grace is None:
                    self.report(ERROR, "} without a matching {", tok.line, tok.column)
                in_grace = None
            elif kind is Kind.SLUR_START:
                if len(slurs) < MAX_SLUR_DEPTH:
                    slurs.append(tok)
                    continue
                if not too_deep:
                    self.report(ERROR, f"slurs nested more than {MAX_SLUR_DEPTH} deep", tok.line, tok.column,
                                blocks_export=True)
                too_deep += 1
            elif kind is Kind.SLUR_END:
                if too_deep:
                    too_deep -= 1
                elif slurs:
                    slurs.pop()
                else:
                    self.report(ERROR, ") without a matching (", tok.line, tok.column)
            elif kind is Kind.TUPLET:
                assert isinstance(tok, Tuplet)
                p = tok.p
                if p < 2 or p > 9:
                    self.report(WARNING, f"tuplet ({p} is not one of (2 to (9", tok.line, tok.column)
                    continue
                q = tok.q or default_tuplet_time(p, self.meter_text)
                tuplet_factor = Fraction(q, p)
                tuplet_left = tok.r or p
            elif kind is Kind.BROKEN:
                assert isinstance(tok, Broken)
                # The tokenizer cuts a long run of signs into pieces of three: `>>>>>>` is two tokens.
                run = (run[0], run[1] + tok.count) if previous is Kind.BROKEN and run else (tok, tok.count)
                if run[1] > MAX_BROKEN:
                    if run[1] - tok.count <= MAX_BROKEN:  # once per run
                        self.out_of_bounds(broken_problem(run[1], tok.direction), run[0].line, run[0].column)
                    continue
                if last_element is None or in_chord is not None:
                    self.report(WARNING, f"broken rhythm {tok.text} without a note before it", tok.line,
                                tok.column)
                else:
                    pending_broken = (tok, last_element[0], last_element[1])
            elif kind is Kind.BAR:
                assert isinstance(tok, Bar)
                if in_chord is not None:
                    self.report(ERROR, "chord [ is not closed before the bar line", in_chord.line,
                                in_chord.column)
                    in_chord = None
                overlay = False
                for role in bar_roles(tok.text):
                    events.append(("bar", role, tok))
                    if role == BAR_REP:
                        if open_repeat is not None:
                            self.report(ERROR, "repeat |: is never closed by :|", open_repeat.line,
                                        open_repeat.column)
                        open_repeat = tok
                    elif role == REP_BAR:
                        open_repeat = None
                    elif role == DOUBLE_REP:
                        open_repeat = tok
                last_element = None
            elif kind is Kind.VARIANT:
                assert isinstance(tok, Variant)
                numbers = tok.numbers
                if not numbers:
                    self.report(WARNING, f"ending {tok.text} has no number", tok.line, tok.column)
                events.append(("variant", numbers, tok))
            elif kind is Kind.CHORD_SYMBOL or kind is Kind.ANNOTATION:
                assert isinstance(tok, Quoted)
                if not tok.closed:
                    self.report(ERROR, 'quote " is not closed on this line', tok.line, tok.column)
                elif kind is Kind.CHORD_SYMBOL and not _is_chord_symbol_known(tok.content):
                    self.report(WARNING, f'chord symbol "{tok.content}" is not a chord players know '
                                '(write e.g. "Cdim", "Caug", or "^text" for text)', tok.line, tok.column)
            elif kind is Kind.DECORATION:
                assert isinstance(tok, Decoration)
                if not tok.closed:
                    self.report(ERROR, f"decoration {tok.text} is not closed on this line", tok.line,
                                tok.column)
            elif kind is Kind.INLINE_FIELD or kind is Kind.FIELD:
                assert isinstance(tok, Field)
                self.body_field(tok)
                events = self.voice.events
            elif kind is Kind.OVERLAY:
                overlay = True
            elif kind is Kind.UNKNOWN:
                self.report(ERROR, f"{_describe(tok.text)} means nothing in ABC here", tok.line, tok.column)
            elif kind is Kind.EOL:
                if in_chord is not None:
                    self.report(ERROR, "chord [ is not closed on this line", in_chord.line, in_chord.column)
                    in_chord = None
                if in_grace is not None:
                    self.report(ERROR, "grace notes { are not closed on this line", in_grace.line,
                                in_grace.column)
                    in_grace = None
        for tok in slurs:
            self.report(ERROR, "slur ( is never closed", tok.line, tok.column)
        if open_repeat is not None:
            self.report(ERROR, f"repeat {open_repeat.text} is never closed by :|", open_repeat.line,
                        open_repeat.column)

    def current_meter(self) -> Fraction | None:
        for event in reversed(self.voice.events):
            if event[0] == "meter":
                return event[1]
        return self.meter

    def body_field(self, tok: Field) -> None:
        name, value = tok.name, tok.value
        value_column = tok.column + (3 if tok.kind is Kind.INLINE_FIELD else 2)
        if tok.kind is Kind.INLINE_FIELD and not tok.closed:
            self.report(ERROR, f"inline field [{name}: is not closed by ]", tok.line, tok.column)
        if name not in ABC_FIELDS:
            self.report(WARNING, f"unknown field {name}:", tok.line, tok.column)
            return
        if name not in _BODY_FIELDS:
            self.report(WARNING, f"field {name}: belongs in the header, not in the tune body", tok.line,
                        tok.column)
            return
        if name == "M":
            if self.check_meter(value, tok.line, value_column):
                return
            text = value.split("%", 1)[0].strip()
            meter = None if text.lower() == "none" else bar_length(text)
            if meter is not None or text.lower() == "none":
                self.meter_text = text
                self.voice.events.append(("meter", meter))
        elif name == "L":
            if not self.out_of_bounds(unit_problem(value), tok.line, value_column):
                self.unit = parse_unit(value) or self.unit
        elif name == "Q":
            self.out_of_bounds(tempo_problem(value), tok.line, value_column)
        elif name == "K":
            self.check_key(value, tok.line, value_column)
        elif name == "V":
            voice_name = value.split()[0] if value.split() else "1"
            self.voice = self._voice(voice_name)
            self.voice_meter.setdefault(voice_name, self.meter)


def _describe(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"character {ch!r}"
    return f"character U+{ord(ch):04X}"

