"""Rewrites of one music line that music21's ABC reader would misread or drop, into what abc2midi plays."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from composer.abc.keys import KeySignature, default_tuplet_time

__all__ = [
    "UNTOUCHED", "keep_chord_symbols", "keep_grace_accidentals_to_themselves", "mend_broken_rhythm",
    "mend_chord_symbol", "show_invisible_bars", "space_field_letters", "spell_out_bar_rests", "split_inline_fields",
    "write_tuplet_times",
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



def keep_chord_symbols(line: str) -> str:
    """A music line with its chord symbols mended (mend_chord_symbol) and other quoted text removed."""
    return _QUOTED.sub(_chord_or_nothing, line)


#: Text no rewrite may touch: quoted text, a `!...!` decoration, an inline field.
UNTOUCHED = r'"[^"]*"|![^!]*!|\[[A-Za-z]:[^\]]*\]'
_INVISIBLE_BAR = re.compile(r":*\[\|\](\s*(?=[:|\[]))?")  # with the bar line that may follow it
_NOTE_OR_SPAN = re.compile(UNTOUCHED + r"|(?P<open>\{)|(?P<close>\})|(?P<bar>\|)"
                           r"|(?P<accidental>\^\^|\^|__|_|=)?(?P<letter>[A-Ga-g])")
_BARE_TUPLET = re.compile(UNTOUCHED + r"|\((?P<notes>[579])(?![:\d])")
_BAR_REST = re.compile(UNTOUCHED + r"|Z(?P<bars>\d*)")
_ACCIDENTAL_OF = {2: "^^", 1: "^", 0: "=", -1: "_", -2: "__"}
# music21 reads a capital letter (or w) and a colon anywhere in a line as a field running to the line's end, so
# `FEEF|M:999999/1` set a meter of 999,999 beats (and hung it) where abc2midi and the checker see a decoration and
# stray characters, and `B::c` lost the rest of its line. A space after the letter keeps the music as it is.
_FIELD_LIKE = re.compile(UNTOUCHED + r"|(?P<letter>[A-Zw]):(?!\|)")


def _not_a_field(match: re.Match) -> str:
    return match.group(0) if match.group("letter") is None else match.group("letter") + " :"



def space_field_letters(line: str) -> str:
    """A music line with a space between a capital letter (or w) and a colon that music21 would read as a field."""
    return _FIELD_LIKE.sub(_not_a_field, line)


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



def show_invisible_bars(line: str) -> str:
    """A music line with the invisible bar line `[|]` written `|`, or dropped before another bar line."""
    return _INVISIBLE_BAR.sub(_visible_bar, line)


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
