"""Hand one tune to music21's ABC reader: mend what it misreads or drops, wrap its failures in AbcError."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.abc.checker import check_tune, export_blockers
from composer.abc.diagnostic import ERROR, printable
from composer.abc.keys import KeySignature, bar_length, default_tuplet_time, parse_key
from composer.abc.lengths import default_unit_length, parse_unit
from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.notation.abc_writer import standalone_tune_text

if TYPE_CHECKING:
    from music21 import stream

__all__ = [
    "ROLL_MARKER", "SECTION_BARS", "TRILL_MARKER", "conversion_error", "join_sections", "mark_ornaments",
    "mend_chord_symbol", "music21_score", "music21_sections", "music21_text", "open_implied_repeats",
    "require_exportable", "section_texts", "tune_name",
]

_QUOTED = re.compile(r'"([^"\n]*)"')
# A chord symbol as written in folk collections: root, quality, optional bass ("A7/e", "Cd", "D/f+").
_CHORD = re.compile(r"^([A-G][#b]?)([^/.]*)(?:/([A-Ga-g][#b+]?))?$")
# Nottingham's diminished "Cd" and augmented "Ca" (with an optional extension "Cd7").
_SHORT_QUALITY = {"d": "dim", "a": "aug"}


def mend_chord_symbol(text: str) -> str:
    """A guitar-chord string in a spelling music21 understands; other quoted text is returned unchanged.

    `" Em"` → `Em`, `(D7)` → `D7`, `D m` → `Dm`, `Cd` → `Cdim`, `Ca7` → `Caug7`, `D/f+` → `D/f#`.
    """
    if text[:1] in "^_<>@":
        return text
    compact = text.strip().strip("()").replace(" ", "")
    match = _CHORD.match(compact)
    if not match:
        return text
    root, quality, bass = match.groups()
    head = re.match(r"^([da])(\d*)$", quality)
    if head:
        quality = _SHORT_QUALITY[head.group(1)] + head.group(2)
    mended = root + quality
    if bass:
        mended += "/" + bass.replace("+", "#")
    return mended


def _chord_or_nothing(quoted: re.Match) -> str:
    """A quoted chord symbol, mended; annotations and fingerings (`"^text"`, `">"`, `"4"`) go, because
    music21 reads some of them as music."""
    mended = mend_chord_symbol(quoted.group(1))
    return f'"{mended}"' if _CHORD.match(mended) else ""


def music21_text(tune: Tune) -> str:
    """The tune's ABC as handed to music21: standalone (file header folded in), read as ABC 2.1, chord
    symbols mended and other quoted text removed, the invisible bar line `[|]` written `|` (`:[|]` too:
    abc2midi repeats nothing there) or dropped before another bar line, inline key/meter/length fields put
    on lines of their own, implied start repeats written out, `(5` `(7` `(9` given abc2midi's time, and the
    trill and roll decorations, which music21's reader drops, turned into markers it keeps."""
    text = standalone_tune_text(tune)
    if tune.unit is None:  # music21 needs L: or M: to time notes; abc2midi's default is ABC's
        first, _, rest = text.partition("\n")
        text = f"{first}\nL:{default_unit_length(tune.meter)}\n{rest}"
    text = play_parts_in_order(text, tune.field("P"))
    bar = bar_length(tune.meter)
    bar_units = bar / (parse_unit(tune.unit or "") or Fraction(default_unit_length(tune.meter))) if bar else None
    lines: list[str] = []
    in_body = False
    music_lines = []
    key = None
    meter = tune.meter
    for line in text.split("\n"):
        if _FIELD_LINE.match(line):
            in_body = in_body or line.startswith("K:")
            if line.startswith("K:"):
                key = parse_key(line[2:])
            elif line.startswith("M:"):
                meter = line[2:]
            lines.append(line)
        elif in_body and not line.lstrip().startswith("%"):
            music = mend_broken_rhythm(mark_ornaments(_QUOTED.sub(_chord_or_nothing, line)))
            music = _INVISIBLE_BAR.sub(_visible_bar, spell_out_bar_rests(music, bar_units))
            for piece in split_inline_fields(music):
                if piece.startswith("K:"):
                    key = parse_key(piece[2:])
                elif piece.startswith("M:"):
                    meter = piece[2:]
                elif not _FIELD_LINE.match(piece):
                    music_lines.append(len(lines))
                    piece = write_tuplet_times(keep_grace_accidentals_to_themselves(piece, key), meter)
                    piece = _FIELD_LIKE.sub(_not_a_field, piece)
                lines.append(piece)
        else:
            lines.append(line)
    # ABC 2.1 rules (music21 otherwise reads as 1.3): an accidental holds for the rest of the bar, in
    # every octave, as abc2midi plays it.
    return "%abc-2.1\n" + "\n".join(open_implied_repeats(lines, music_lines))


_FIELD_LINE = re.compile(r"^[A-Za-z+]:")
# Text no rewrite may touch: quoted text, a `!...!` decoration, an inline field.
_UNTOUCHED = r'"[^"]*"|![^!]*!|\[[A-Za-z]:[^\]]*\]'
_INVISIBLE_BAR = re.compile(r":*\[\|\](\s*(?=[:|\[]))?")  # with the bar line that may follow it
_NOTE_OR_SPAN = re.compile(_UNTOUCHED + r"|(?P<open>\{)|(?P<close>\})|(?P<bar>\|)"
                           r"|(?P<accidental>\^\^|\^|__|_|=)?(?P<letter>[A-Ga-g])")
_BARE_TUPLET = re.compile(_UNTOUCHED + r"|\((?P<notes>[579])(?![:\d])")
_BAR_REST = re.compile(_UNTOUCHED + r"|Z(?P<bars>\d*)")
_ACCIDENTAL_OF = {2: "^^", 1: "^", 0: "=", -1: "_", -2: "__"}
# music21 reads a capital letter (or w) and a colon anywhere in a line as a field running to the line's end, so
# `FEEF|M:999999/1` set a meter of 999,999 beats (and hung it) where abc2midi and the checker see a decoration and
# stray characters, and `B::c` lost the rest of its line. A space after the letter keeps the music as it is.
_FIELD_LIKE = re.compile(_UNTOUCHED + r"|(?P<letter>[A-Zw]):(?!\|)")


def _not_a_field(match: re.Match) -> str:
    return match.group(0) if match.group("letter") is None else match.group("letter") + " :"


def keep_grace_accidentals_to_themselves(line: str, key: KeySignature | None) -> str:
    """A music line in which a grace note's accidental no longer holds for the main notes after it.

    abc2midi applies a grace note's accidental to that grace note only; music21 carries it to the end of the
    bar. A later main note of the same letter written without an accidental gets the one abc2midi plays
    written out: the bar's last main-note accidental for that letter, else the key signature's.
    """
    code, percent, comment = line.partition("%")
    in_grace = False
    from_grace: set[str] = set()
    from_main: dict[str, str] = {}
    insertions: list[tuple[int, str]] = []
    for match in _NOTE_OR_SPAN.finditer(code):
        if match.group("open"):
            in_grace = True
        elif match.group("close"):
            in_grace = False
        elif match.group("bar"):
            from_grace.clear()
            from_main.clear()
        elif match.group("letter"):
            letter, accidental = match.group("letter").upper(), match.group("accidental")
            if in_grace:
                if accidental:
                    from_grace.add(letter)
            elif accidental:
                from_main[letter] = accidental
            elif letter in from_grace:
                written = from_main.get(letter) or _ACCIDENTAL_OF[key.alteration(letter) if key else 0]
                insertions.append((match.start("letter"), written))
    for at, accidental in reversed(insertions):
        code = code[:at] + accidental + code[at:]
    return code + percent + comment


def _rewrite_music(line: str, pattern: re.Pattern, rewrite: Callable[[re.Match], str]) -> str:
    """`pattern.sub(rewrite)` over the line's music (before any `%` comment). Each pattern matches the
    untouched spans first; those have no named group and stay as written."""
    code, percent, comment = line.partition("%")
    return pattern.sub(lambda match: rewrite(match) if match.lastgroup else match.group(0), code) + percent + comment


def write_tuplet_times(line: str, meter: str | None) -> str:
    """`(5`, `(7` and `(9` written with the time abc2midi gives them (`(5:3` in 3/4, where music21 reads
    `(5:2`); other tuplets and those with their time written are left alone."""
    return _rewrite_music(line, _BARE_TUPLET,
                          lambda match: f"({match['notes']}:{default_tuplet_time(int(match['notes']), meter)}")


def spell_out_bar_rests(line: str, bar_units: Fraction | None) -> str:
    """`Z` and `Z4` (rests of one and four bars, which music21 reads as nothing) written as one rest `z`
    of that many bars' length in units of L:, as abc2midi plays them; unchanged in free meter."""
    if bar_units is None:
        return line
    return _rewrite_music(line, _BAR_REST, lambda match: "z" + _written(bar_units * int(match["bars"] or 1)))


def _visible_bar(match: re.Match) -> str:
    """`[|]` as a plain bar line, or nothing when another bar line follows it."""
    return "" if match.group(1) is not None else "|"


_INLINE_FIELD = re.compile(r"\[([KLMQ]):([^\]%]*)\]")


_SLUR_BEFORE_BROKEN = re.compile(r"(\)+)([<>]+)")
_SLUR_END_AFTER_BROKEN = re.compile(r"([<>]+)(\)+)(\s*[_^=]*[A-Ga-g][,']*[\d/]*)")
_TIE_BESIDE_BROKEN = re.compile(r"-([<>]+)|([<>]+)-")
_GRACE_IN_TUPLET = re.compile(r"(\(\d(?::\d*){0,2})(\{[^}]*\})")
_PAIR = (r"([_^=]*[A-Ga-g][,']*)([\d/]*)(\s*)([<>]+)((?:\s|[.~uvTHLMOPSkK(]|![^!\n]*!|\{[^}\n]*\})*"
         r"[_^=]*[A-Ga-g][,']*)([\d/]*)")
_BROKEN_PAIR = re.compile(r"(?<![A-Za-z\]])" + _PAIR)
# A note inside a run of notes (`AB>c`): what comes before it is a note, a length or a decoration letter.
_BROKEN_PAIR_IN_RUN = re.compile(r"(?<=[A-Ga-g,'\d/uvkK.~])" + _PAIR)
_DOT_BEFORE_BROKEN = re.compile(r"\.([<>]+)")
_DECORATION_OR_GRACE = re.compile(r"![^!]*!|\{[^}]*\}")


def _length(text: str) -> Fraction:
    """An ABC note length multiplier: `` 1, `2` 2, `/` 1/2, `3/2`, `//` 1/4."""
    match = re.fullmatch(r"(\d*)(/*)(\d*)", text)
    if not match:
        return Fraction(1)
    top = int(match.group(1) or 1)
    slashes = len(match.group(2))
    bottom = int(match.group(3)) if match.group(3) else 2 ** slashes
    return Fraction(top, bottom or 1)


def mend_broken_rhythm(line: str) -> str:
    """Broken rhythm and tuplets as abc2midi reads them, in forms music21 reads right.

    `(AB)>c` and `(AB>)c` dot the B (music21 ignores a sign next to a slur's end): the slur is closed after
    the c instead. `d>B/`, between notes of different lengths, is played as written (abc2midi reports it and
    ignores the sign). `B>-A` and `c-<A`, a tie beside the sign, are played as `B>A` and `c<A` (music21
    would drop the sign). A grace note at the start of a tuplet, `(3{c}BAB`, is moved before it (music21
    would count it as one of the three). A dot written between a note and the sign (`a.>f`) is ignored, as
    abc2midi ignores it. A pair of equal notes is written out with its lengths (`B>.G` →
    `B3/2.G/2`), so that decorations between them (which make music21 drop the sign) do no harm; when only
    one of the two is staccato, abc2midi ignores the sign, and so does this.
    """
    line = _SLUR_BEFORE_BROKEN.sub(lambda m: m.group(2) + m.group(1), line)
    line = _DOT_BEFORE_BROKEN.sub(r"\1", line)
    line = _SLUR_END_AFTER_BROKEN.sub(lambda m: m.group(1) + m.group(3) + m.group(2), line)
    line = _TIE_BESIDE_BROKEN.sub(lambda m: m.group(1) or m.group(2), line)
    line = _GRACE_IN_TUPLET.sub(lambda m: m.group(2) + m.group(1), line)

    def pair(match: re.Match) -> str:
        first, first_length, space, sign, second, second_length = match.groups()
        first_staccato = "." in match.string[max(match.start() - 2, 0):match.start()]  # `.B` or `.vB`
        second_staccato = "." in _DECORATION_OR_GRACE.sub("", second)
        if _length(first_length) != _length(second_length) or first_staccato != second_staccato:
            return first + first_length + space + second + second_length
        short = Fraction(1, 2 ** len(sign))
        long_part, short_part = (2 - short, short) if sign[0] == ">" else (short, 2 - short)
        base = _length(first_length)
        return first + _written(base * long_part) + space + second + _written(base * short_part)

    line = _BROKEN_PAIR.sub(pair, line)
    return _BROKEN_PAIR_IN_RUN.sub(pair, line)


def _written(length: Fraction) -> str:
    """An ABC length multiplier: 1 → ``, 3/2 → `3/2`, 1/4 → `/4`."""
    if length == 1:
        return ""
    if length.denominator == 1:
        return str(length.numerator)
    return (str(length.numerator) if length.numerator != 1 else "") + f"/{length.denominator}"


def part_order(spec: str) -> list[str]:
    """The parts a header `P:` plays, as abc2midi reads it: `ABA`, `A(AB)2C`, `AAB3` (the last part three
    times), dots and spaces ignored."""
    spec = spec.split("%", 1)[0]
    order: list[str] = []
    index = 0
    while index < len(spec):
        ch = spec[index]
        if ch == "(":
            end = spec.find(")", index)
            if end < 0:
                break
            group = part_order(spec[index + 1:end])
            count = re.match(r"\d*", spec[end + 1:]).group()
            order += group * int(count or 1)
            index = end + 1 + len(count)
        elif ch.isalpha():
            count = re.match(r"\d*", spec[index + 1:]).group()
            order += [ch] * int(count or 1)
            index += 1 + len(count)
        else:
            index += 1
    return order


def play_parts_in_order(text: str, spec: str | None) -> str:
    """The tune with its body's `P:` parts laid out in the order its header `P:` gives (abc2midi plays them
    so); unchanged when there is no such order or a part it names is missing."""
    order = part_order(spec) if spec else []
    if len(order) < 2:
        return text
    lines = text.split("\n")
    key_line = next((i for i, line in enumerate(lines) if line.startswith("K:")), None)
    if key_line is None:
        return text
    prefix: list[str] = []
    parts: dict[str, list[str]] = {}
    current: list[str] = prefix
    for line in lines[key_line + 1:]:
        label = re.match(r"^P:\s*([A-Za-z])", line)
        if label:
            current = parts.setdefault(label.group(1), [])
        else:
            current.append(line)
    if not parts or any(name not in parts for name in order):
        return text
    body = prefix + [line for name in order for line in parts[name] if line.strip()]
    return "\n".join(lines[:key_line + 1] + body) + "\n"


def split_inline_fields(line: str) -> list[str]:
    """A music line cut around its inline `[K:]`, `[L:]`, `[M:]` and `[Q:]` fields, which become field
    lines: music21 ignores them inline."""
    code = line.split("%", 1)[0]
    pieces: list[str] = []
    start = 0
    for match in _INLINE_FIELD.finditer(code):
        pieces.append(line[start:match.start()])
        pieces.append(f"{match.group(1)}:{match.group(2).strip()}")
        start = match.end()
    pieces.append(line[start:])
    return [p for p in pieces if p.strip()] or [line]
#: music21 turns `k` into a StrongAccent and `K` into an Accent on the next note; neither letter is ABC
#: music (K: only starts a field), so they carry the trill (`T`, `!trill!`) and the roll (`~`) through.
TRILL_MARKER, ROLL_MARKER = "k", "K"
_ORNAMENT_MARKERS = {"T": TRILL_MARKER, "~": ROLL_MARKER, "x": "z", "H": "!fermata!"}


def mark_ornaments(line: str) -> str:
    """One music line with `T` and `!trill!` replaced by TRILL_MARKER and `~` by ROLL_MARKER, and the
    invisible rest `x` (which music21 drops) written as the rest `z`.

    The fermata `H`, which makes music21 drop its note, is written `!fermata!`. `T` or `~` right before a
    slur, a `!...!` decoration or a quoted text (`T(GF)`, `T!2!e`, `~"D"d`) is dropped, as abc2midi plays
    it, while `!trill!(cB)` trills the c. Stray `k` and `K` letters (Ryan's Mammoth has them; abc2midi
    ignores them) are removed, as they are the markers. Quoted text, `!...!` decorations other than trill,
    inline fields and comments are left alone.
    """
    out: list[str] = []
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == "%" and (index == 0 or line[index - 1] != "\\"):
            out.append(line[index:])
            break
        end = -1
        if ch == '"':
            end = line.find('"', index + 1)
        elif ch == "!":
            end = line.find("!", index + 1)
            if line[index:end + 1] == "!trill!":
                if line[end + 1:end + 2] == "(":  # abc2midi trills the slur's first note
                    out.append("(" + TRILL_MARKER)
                    index = end + 2
                else:
                    out.append(TRILL_MARKER)
                    index = end + 1
                continue
        elif ch == "[" and re.match(r"\[[A-Za-z]:", line[index:index + 3]):
            end = line.find("]", index + 1)
        if end > index:
            out.append(line[index:end + 1])
            index = end + 1
            continue
        if ch in "T~" and line[index + 1:index + 2] in ("(", "!", '"') or ch in (TRILL_MARKER, ROLL_MARKER):
            out.append("")
        else:
            out.append(_ORNAMENT_MARKERS.get(ch, ch))
        index += 1
    return "".join(out)


def tune_name(tune: Tune) -> str:
    """The tune for a message: `X:3 The Kesh`, at most 60 characters, control characters escaped."""
    label = tune.label
    return printable(label if len(label) <= 60 else label[:59] + "…")


def require_exportable(tune: Tune) -> None:
    """Refuse a tune the checker finds unplayable (composer.abc.checker.export_blockers: numbers outside
    musical bounds, no K:) before music21 sees it, which would run for minutes or take gigabytes on it.

    Raises AbcError naming the tune, the place and the reason.
    """
    blockers = export_blockers(tune)
    if not blockers:
        return
    first = blockers[0]
    others = len(blockers) - 1
    more = f" ({others} more such problem{'s' if others > 1 else ''} in the tune)" if others else ""
    raise AbcError(f"{tune_name(tune)} cannot be exported: {first.message}{more}", path=tune.path,
                   tune=tune.reference, line=first.line, column=first.column)


def conversion_error(tune: Tune, what: str) -> AbcError:
    """The AbcError for a tune music21 failed on: the checker's first error says what and where, else the
    tune is named without the library's internals (the exception stays chained as the cause)."""
    errors = [d for d in check_tune(tune) if d.severity == ERROR]
    if errors:
        first = errors[0]
        return AbcError(f"{tune_name(tune)} {what}: {first.message}", path=tune.path, tune=tune.reference,
                        line=first.line, column=first.column)
    return AbcError(f"{tune_name(tune)} {what}: its notes use something the converter does not handle, "
                    "though the checker finds no error", path=tune.path, tune=tune.reference, line=tune.line)


def music21_score(tune: Tune) -> stream.Score:
    """The tune as a music21 Score; AbcError naming the tune (and the place, when the checker finds it) when
    the tune is outside musical bounds (see require_exportable) or music21 cannot read it.

    A long tune is read in sections (see music21_sections) and joined, as music21's reader takes time that
    grows with the square of the tune's length."""
    return join_sections(music21_sections(tune))


def music21_sections(tune: Tune) -> list[stream.Score]:
    """The tune as one music21 Score per section of about SECTION_BARS bars (one Score for a short tune or a
    tune with voices): each section stands alone, with the key, meter and unit length in force where it
    starts, so that every later step (expanding repeats, merging ties, beaming) takes time in proportion to
    the tune's length. AbcError as for music21_score."""
    from music21 import abcFormat
    from music21.abcFormat import translate

    require_exportable(tune)
    scores = []
    for text in section_texts(music21_text(tune)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                handler = abcFormat.ABCFile().readstr(text)
                score = translate.abcToStreamScore(handler)
        except Exception as exc:  # music21 raises many unrelated types on bad input
            raise conversion_error(tune, "cannot be read as music") from exc
        if not score.parts:
            raise AbcError(f"{tune_name(tune)} has no music to export", path=tune.path, tune=tune.reference,
                           line=tune.line)
        scores.append(score)
    return scores


#: Bars of one section of a long tune read by music21 on its own (see section_texts).
SECTION_BARS = 32
_SECTION_END = re.compile(r"(?:\|\]|\|\||:\|)\s*$")
_ENDING_START = re.compile(r"^\s*(?:\[?\d|\|\s*\[?\d|:)")
_STATE_FIELD = re.compile(r"^[KLMQ]:")
_TIE_AT_END = re.compile(r"-\s*[|:\]]*\s*$")


def section_texts(text: str) -> list[str]:
    """music21_text's `text` cut into stand-alone tunes of at least SECTION_BARS bars each.

    A cut falls only after a music line that ends a section (`|]`, `||` or `:|`) with no repeat, slur or tie
    open and no ending (`[2`) on the next line; each later section starts with the header and the K:, M:,
    L: and Q: lines in force there. A tune with voices (V:), or shorter than two sections, stays whole.
    """
    lines = text.split("\n")
    key_line = next((i for i, line in enumerate(lines) if line.startswith("K:")), None)
    if key_line is None or text.count("|") < 2 * SECTION_BARS or re.search(r"^V:|\[V:", text, re.M):
        return [text]
    header, body = lines[:key_line + 1], lines[key_line + 1:]
    following = [""] * len(body)  # the next music line after each line
    upcoming = ""
    for index in range(len(body) - 1, -1, -1):
        following[index] = upcoming
        if body[index].strip() and not _STATE_FIELD.match(body[index]):
            upcoming = body[index]
    sections: list[list[str]] = [[]]
    state: dict[str, str] = {}  # field letter -> its line, in force after the lines read so far
    state_at_start: list[dict[str, str]] = [{}]
    bars = slurs = 0
    repeat_open = False
    for index, line in enumerate(body):
        sections[-1].append(line)
        if _STATE_FIELD.match(line):
            state[line[0]] = line
            continue
        code = _music_only(line)
        bars += code.count("|")
        slurs += len(re.findall(r"\((?!\d)", code)) - code.count(")")
        for bar in _BAR.findall(code):
            if bar.endswith(":"):
                repeat_open = True
            elif bar.startswith(":"):
                repeat_open = False
        if bars >= SECTION_BARS and _SECTION_END.search(code) and not repeat_open and slurs <= 0 \
                and not _TIE_AT_END.search(code) and not _ENDING_START.match(following[index]):
            sections.append([])
            state_at_start.append(dict(state))
            bars = slurs = 0
    if not any(_music_only(line).strip() for line in sections[-1]):
        tail = sections.pop()
        state_at_start.pop()
        sections[-1].extend(tail)
    if len(sections) < 2:
        return [text]
    return ["\n".join(header + list(start.values()) + section)
            for start, section in zip(state_at_start, sections, strict=True)]


def _music_only(line: str) -> str:
    """A music line without its comment, quoted text, decorations and inline fields."""
    return re.sub(_UNTOUCHED, "", line.split("%", 1)[0])


def join_sections(scores: list[stream.Score]) -> stream.Score:
    """One Score of the sections' single parts played one after another (the first score, extended in place):
    measures renumbered, and a section's repeated clef, key and meter dropped where nothing changes."""
    from music21 import clef, key, meter, spanner
    from music21 import stream as m21stream

    first = scores[0]
    if len(scores) == 1:
        return first
    part = first.parts[0]
    offset = part.highestTime
    measures = list(part.getElementsByClass(m21stream.Measure))
    number = measures[-1].number if measures else 0
    in_force: dict[type, object] = {}
    for cls in (key.KeySignature, meter.TimeSignature):
        found = list(part.recurse().getElementsByClass(cls))
        in_force[cls] = found[-1] if found else None
    for score in scores[1:]:
        section = score.parts[0]
        length = section.highestTime
        placed = [(element, section.elementOffset(element)) for element in section.elements]
        for element, at in placed:
            section.remove(element)
            if isinstance(element, spanner.Spanner):
                part.coreInsert(offset, element)
            elif isinstance(element, m21stream.Measure):
                number += 1
                element.number = number
                for mark in list(element.getElementsByClass((clef.Clef, key.KeySignature, meter.TimeSignature))):
                    kind = meter.TimeSignature if isinstance(mark, meter.TimeSignature) else key.KeySignature
                    if isinstance(mark, clef.Clef) or _same_mark(in_force.get(kind), mark):
                        element.remove(mark)
                    else:
                        in_force[kind] = mark
                part.coreInsert(offset + at, element)
        offset += length
    part.coreElementsChanged()
    return first


def _same_mark(before: object, mark: object) -> bool:
    """Whether a key or time signature says what the one in force (`before`) says."""
    from music21 import meter

    if before is None:
        return False
    if isinstance(mark, meter.TimeSignature):
        return isinstance(before, meter.TimeSignature) and before.ratioString == mark.ratioString
    return before == mark


_BAR = re.compile(r"::|:*\[?\|[\]|]?:*")


def _skip_span(line: str, index: int) -> int:
    """The index after a quoted text, `!...!` decoration or inline field starting at `index`, else -1."""
    ch = line[index]
    if ch == '"':
        end = line.find('"', index + 1)
    elif ch == "!":
        end = line.find("!", index + 1)
    elif ch == "[" and re.match(r"\[[A-Za-z]:", line[index:index + 3]):
        end = line.find("]", index + 1)
    else:
        return -1
    return end + 1 if end > index else -1


def open_implied_repeats(lines: list[str], music_lines: list[int]) -> list[str]:
    """Rewrite the repeat bars as abc2midi plays them, in the forms music21 reads right.

    - A `:|` with no `|:` before it repeats from the previous `:|`, or from a `||`/`|]` that follows the
      previous repeat (music21 would go back to the tune's start): that start repeat is written out.
    - A second `|:` while one is open counts as `::`; a `|:` that no `:|` ever closes is a plain bar.
    - music21 loses the start of `::` and `:|:` (and sometimes every bar), and a start repeat at the end of
      a line followed by a P: line: they are written as `:||:` inside a line, and as `:|` with `|:` at the
      start of the next music line at a line end.
    """
    lines = list(lines)
    edits: dict[tuple[int, int], tuple[int, str]] = {}  # (line, start) -> (end, replacement)
    candidate: tuple[int, int, int, str] | None = None  # opens the implied start if a later :| needs it
    on_close: list[tuple[int, int, int, str]] = []  # edits that make the open |: a start repeat
    if_unclosed: list[tuple[int, int, int, str]] = []  # edits for an open |: that nothing closes
    open_start = after_repeat = False
    next_line: str | None = None  # "candidate" or "opening": a start repeat at the start of the next line

    def edit(change: tuple[int, int, int, str]) -> None:
        number, start, end, replacement = change
        edits[(number, start)] = (end, replacement)

    for number in music_lines:
        line = lines[number]
        if next_line is not None:
            lead = _BAR.match(line)
            span = (lead.start(), lead.end()) if lead and lead.group() == "|" else (0, 0)
            change = (number, *span, "|:")
            if next_line == "opening":
                on_close.append(change)
            else:
                candidate = change
            next_line = None
        index = 0
        while index < len(line):
            if line[index] == "%":
                break
            skip = _skip_span(line, index)
            if skip > 0:
                index = skip
                continue
            match = _BAR.match(line, index)
            if not match:
                index += 1
                continue
            token, span = match.group(), (match.start(), match.end())
            ends, starts = token.startswith(":"), token.endswith(":")
            if starts and not ends and open_start:  # abc2midi: "replacing |: with ::"
                ends = True
            at_line_end = not line[match.end():].split("%")[0].strip(" \t\\")
            if ends:
                if open_start:
                    for change in on_close:
                        edit(change)
                elif candidate is not None:
                    edit(candidate)
                after_repeat, open_start, candidate = True, False, None
                on_close, if_unclosed = [], []
            if ends and starts:
                open_start = True
                if at_line_end:
                    edit((number, *span, ":|"))
                    next_line = "opening"
                else:
                    on_close = [(number, *span, ":||:")]
                    if_unclosed = [(number, *span, ":|")]
            elif ends:
                if at_line_end:
                    next_line = "candidate"
                else:
                    candidate = (number, *span, ":||:")
            elif starts:
                open_start, candidate = True, None
                on_close, if_unclosed = [], [(number, *span, "|")]
            elif after_repeat and not open_start and re.search(r"\|\||\[|\]", token):
                candidate = (number, *span, "|:")
            index = match.end()
    if open_start:
        for change in if_unclosed:
            edit(change)
    for (number, start), (end, replacement) in sorted(edits.items(), reverse=True):
        lines[number] = lines[number][:start] + replacement + lines[number][end:]
    return lines
