"""Check ABC tunes and report problems as diagnostics with a line, a column and a severity.

The checker reads the tokens of each tune and reports: a missing or misplaced K:, unknown fields, bars whose
length disagrees with M: and L:, unbalanced chord / slur / quote / decoration / grace brackets, unterminated
repeats, chord symbols that players reject, and characters that mean nothing in ABC. It never raises.

Bar lengths are counted the way Debian's abc2midi plays a tune: tuplets, broken rhythm, chords and inline
M:/L: changes change the count and grace notes take no time; repeats are followed, so a pickup bar, a short
bar before a repeat sign that the pickup completes, and 1st/2nd endings are judged as the player hears them;
a short bar before `||`, `|]`, `:|` or `::` is allowed (it ends a section and may complete the next one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

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
from composer.abc.tunebook import Tune, Tunebook, read_string

__all__ = [
    "ABC_FIELDS", "CHORD_TYPES", "Diagnostic", "check_text", "check_tune", "check_tunebook", "export_blockers",
    "printable",
]

ERROR = "error"
WARNING = "warning"

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


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in ABC text, at a 1-based line and column."""

    severity: str          # "error" or "warning"
    message: str
    line: int              # 1-based line in the checked text/file
    column: int            # 1-based column
    tune: int | None = None  # the tune's X: number
    path: str | None = None
    #: True for an error the exporters refuse a tune for: numbers outside musical bounds (composer.abc.bounds)
    #: or no K:, which would make music21 or the synthesizer run for minutes or take gigabytes.
    blocks_export: bool = False

    def __str__(self) -> str:
        """FILE:LINE:COL: severity: message, with control characters from the file escaped (`\\x1b`)."""
        return printable(f"{self.path or '<text>'}:{self.line}:{self.column}: {self.severity}: {self.message}")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with control characters (terminal escapes, bidi overrides, stray surrogates) written as escapes,
    so that a file cannot drive the terminal or reorder a message."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                            else f"\\u{ord(m.group()):04x}", text)


def check_text(text: str, path: str | None = None) -> list[Diagnostic]:
    """Diagnostics for every tune of ABC `text` (a whole tunebook); `path` is only used in the results."""
    try:
        book = read_string(text)
    except Exception as exc:  # noqa: BLE001 - the checker reports, it never raises
        return [Diagnostic(ERROR, f"cannot read the text as ABC: {exc}", 1, 1, None, path)]
    book = Tunebook(tuple(_with_path(t, path) for t in book.tunes), book.file_header, path, book.text)
    if not book.tunes:
        if text.strip():
            return [Diagnostic(ERROR, "no tune found: a tune starts with an X: line or a header ending in K:",
                               1, 1, None, path)]
        return [Diagnostic(WARNING, "the text is empty: no tune found", 1, 1, None, path)]
    return check_tunebook(book)


def _with_path(tune: Tune, path: str | None) -> Tune:
    if tune.path == path:
        return tune
    return Tune(tune.reference, tune.header, tune.body, tune.line, tune.end_line, path, tune.index,
                tune.file_header, tune.source_lines)


def check_tunebook(book: Tunebook) -> list[Diagnostic]:
    """Diagnostics of every tune of `book`, in order."""
    out: list[Diagnostic] = []
    for tune in book.tunes:
        out.extend(check_tune(tune))
    return out


def export_blockers(tune: Tune) -> list[Diagnostic]:
    """The errors an exporter refuses `tune` for (see Diagnostic.blocks_export), in order; [] when none."""
    return [d for d in check_tune(tune) if d.blocks_export]


def check_tune(tune: Tune) -> list[Diagnostic]:
    """Diagnostics of one tune, sorted by place."""
    try:
        found = _TuneChecker(tune).run()
    except Exception as exc:  # noqa: BLE001 - a safety net; tests assert it is never reached
        found = [Diagnostic(ERROR, f"internal checker error: {type(exc).__name__}: {exc}", tune.line, 1,
                            tune.reference, tune.path)]
    return sorted(found, key=lambda d: (d.line, d.column))


def _is_chord_symbol_known(content: str) -> bool:
    m = _CHORD_SYMBOL.match(content)
    return m is not None and m.group(3) in CHORD_TYPES


# ---------------------------------------------------------------------------------------------------------
# Bar lengths: a list of timing events per voice, then a walk through them that follows repeats as
# abc2midi's player does.

_SINGLE, _DOUBLE, _BAR_REP, _REP_BAR, _DOUBLE_REP = "single", "double", "bar_rep", "rep_bar", "double_rep"


def _bar_kind(text: str) -> list[str]:
    """The playing role(s) of a bar line, as abc2midi reads them (measured with abc2midi 4.84): `:||:` is an
    end of repeat then a start of repeat, `:||` an end of repeat then a plain bar, `|||` a double bar then a
    plain bar; `:|]` ends a repeat; `||:` starts one."""
    starts, ends = text.startswith(":"), text.endswith(":")
    pipes = text.count("|")
    if starts and ends:
        return [_REP_BAR, _BAR_REP] if pipes >= 2 else [_DOUBLE_REP]
    if ends:
        return [_BAR_REP]
    if starts:
        return [_REP_BAR, _SINGLE] if text.rstrip("]").count("|") >= 2 else [_REP_BAR]
    if text in ("|", ".|"):
        return [_SINGLE]
    if pipes >= 3:
        return [_DOUBLE, _SINGLE]
    return [_DOUBLE]


@dataclass
class _Voice:
    """Timing events of one voice: ("units", Fraction) | ("bar", kind, Bar) | ("variant", numbers, token)
    | ("meter", Fraction | None)."""

    events: list[tuple] = field(default_factory=list)


def _walk_bars(events: list[tuple], meter: Fraction | None) -> list[tuple[Bar, Fraction, Fraction]]:
    """Bars whose length is wrong as abc2midi plays them: (bar token, length found, expected length)."""
    flagged: dict[tuple[int, int], tuple[Bar, Fraction, Fraction]] = {}
    barsize = meter
    count = Fraction(0)
    barno = 0
    pass_no = 1
    maxpass = 2
    expect_repeat = False
    state = (-1, 0)  # index of the event a repeat returns to (-1: before the start), bar number there
    n = len(events)
    j = 0
    steps = 0
    limit = 8 * n + 100

    def checkbar(bar: Bar | None) -> None:
        nonlocal count, barno
        if barsize is not None and count != barsize and count != 0 and (pass_no == 2 or barno != 0) \
                and bar is not None:
            flagged.setdefault((bar.line, bar.column), (bar, count, barsize))
        if count > 0:
            barno += 1
        count = Fraction(0)

    def softcheckbar(bar: Bar | None) -> None:
        if barsize is not None and (count >= barsize or barno <= 0):
            checkbar(bar)

    while j < n and steps < limit:
        steps += 1
        event = events[j]
        tag = event[0]
        if tag == "units":
            count += event[1]
        elif tag == "meter":
            barsize = event[1]
        elif tag == "bar":
            kind, bar = event[1], event[2]
            if kind == _SINGLE:
                checkbar(bar)
            elif kind == _DOUBLE:
                softcheckbar(bar)
            elif kind == _BAR_REP:
                softcheckbar(bar)
                state = (j, barno)
                expect_repeat = True
                pass_no = 1
                maxpass = 2
            elif kind == _REP_BAR:
                softcheckbar(bar)
                if pass_no == 1 or pass_no < maxpass:
                    pass_no += 1
                    j, barno = state
                    expect_repeat = False
            elif kind == _DOUBLE_REP:
                softcheckbar(bar)
                if pass_no > 1:
                    expect_repeat = True
                    state = (j, barno)
                    pass_no = 1
                    maxpass = 2
                else:
                    pass_no += 1
                    j, barno = state
        elif tag == "variant":
            numbers = event[1]
            passnum = pass_no if (expect_repeat or pass_no > 1) else 1
            if passnum not in numbers:
                j += 1
                while j < n and not (events[j][0] == "variant" or events[j][0] == "bar"
                                     and events[j][1] != _SINGLE):
                    j += 1
                barno += 1
            elif maxpass < 4:
                maxpass = pass_no + 1
        j += 1
    return list(flagged.values())


# ---------------------------------------------------------------------------------------------------------


class _TuneChecker:
    """Walks one tune's header and tokens once, collecting diagnostics and timing events."""

    def __init__(self, tune: Tune) -> None:
        self.tune = tune
        self.found: list[Diagnostic] = []
        self.meter_text = tune.meter
        self.meter = bar_length(tune.meter) if tune.meter and tune.meter.strip().lower() != "none" else None
        self.unit = self._unit_of(tune.unit, tune.meter)
        self.voices: dict[str, _Voice] = {}
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

    def _voice(self, name: str) -> _Voice:
        if name not in self.voices:
            self.voices[name] = _Voice()
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
            for bar, found, expected in _walk_bars(voice.events, self.voice_meter.get(name, self.meter)):
                verdict = "overfills" if found > expected else "does not fill"
                unit = _counting_unit(expected, self.tune.meter)
                self.report(WARNING, f"bar length {_fmt(found, unit)} {verdict} the bar of "
                            f"{_fmt(expected, unit)}", bar.line, bar.column)
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
                    events.append(("bar", _SINGLE, None))
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
                for role in _bar_kind(tok.text):
                    events.append(("bar", role, tok))
                    if role == _BAR_REP:
                        if open_repeat is not None:
                            self.report(ERROR, "repeat |: is never closed by :|", open_repeat.line,
                                        open_repeat.column)
                        open_repeat = tok
                    elif role == _REP_BAR:
                        open_repeat = None
                    elif role == _DOUBLE_REP:
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


def _counting_unit(bar: Fraction, written_meter: str | None) -> int:
    """The denominator a bar of length `bar` is counted in: the written meter's (6/8, C = 4/4, C| = 2/2)
    when the bar is that meter's, else the bar's own, in quarters at least (4/4, not 1/1)."""
    meter = (written_meter or "").strip()
    denominator = {"C": 4, "C|": 2}.get(meter)
    if denominator is None and "/" in meter and meter.split("/")[-1].strip().isdigit():
        denominator = int(meter.split("/")[-1])
    if denominator and bar_length(meter) == bar:
        return denominator
    return max(bar.denominator, 4)


def _fmt(value: Fraction, denominator: int) -> str:
    """`value` (of a whole note) over `denominator` when it divides evenly: 5/8 in 6/8, else as a fraction."""
    units = value * denominator
    if units.denominator == 1:
        return f"{units.numerator}/{denominator}"
    return f"{value.numerator}/{value.denominator}"


def _describe(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"character {ch!r}"
    return f"character U+{ord(ch):04X}"

