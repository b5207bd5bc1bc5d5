"""A tune's form: its parts, the bars in each, which repeat; parsed as musicians say it (`AABB`, `AB`, 8 bars)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from composer.errors import ComposerError

#: Part lengths a form may ask for.
PART_BARS = (4, 8, 12, 16, 24, 32)
#: The forms offered by name (each letter a part; a doubled letter a repeated part).
COMMON_FORMS = ("AABB", "AB", "AABBCC", "ABC", "AA", "A")
#: The word for "infer the form".
AUTO = "auto"

#: The rhythm a new tune gets from its meter when none is given, so that its form has something to go on.
RHYTHM_BY_METER = {"6/8": "jig", "4/4": "reel", "C": "reel", "C|": "reel", "2/2": "reel", "3/4": "waltz",
                   "9/8": "slip jig", "2/4": "polka", "12/8": "slide", "3/2": "hornpipe"}


class FormError(ComposerError):
    """A form that cannot be read or cannot fit the tune."""


@dataclass(frozen=True)
class Part:
    """One part of a form: its bars (played once) and whether it is repeated."""

    bars: int
    repeated: bool


#: Parts named by letter (`A` to `Z`); a form with more is written with its first 26 and a count.
_MOST_LETTERS = 26


@dataclass(frozen=True)
class Form:
    """The parts of a tune in order."""

    parts: tuple[Part, ...]

    @property
    def letters(self) -> str:
        """`AABB`, `AB`, `AAB`, ...: one letter per part, doubled when the part repeats."""
        shown = self.parts[:_MOST_LETTERS]
        letters = "".join(part_name(i) * (2 if p.repeated else 1) for i, p in enumerate(shown))
        hidden = len(self.parts) - len(shown)
        return letters + (f"... ({len(self.parts)} parts)" if hidden else "")

    @property
    def played_bars(self) -> int:
        """Bars played with the repeats played out."""
        return sum(p.bars * (2 if p.repeated else 1) for p in self.parts)

    def describe(self) -> str:
        """`AABB, 8 bars` or `AAB, 8+16 bars`."""
        lengths = {p.bars for p in self.parts}
        if len(lengths) == 1:
            bars = str(lengths.pop())
        elif len(self.parts) <= _MOST_LETTERS:
            bars = "+".join(str(p.bars) for p in self.parts)
        else:
            return f"{self.letters}, {sum(p.bars for p in self.parts)} bars in all"
        return f"{self.letters}, {bars} bars"


@dataclass(frozen=True)
class WrittenForm:
    """What a prime's text shows of its form: the parts closed, and the progress of the part being written (its
    full bars, whether its repeat is open, whether it is in its endings, and whether its 1st ending is closed)."""

    parts: tuple[Part, ...]
    bars: int
    repeat_open: bool
    in_ending: bool
    ending_closed: bool = False

    @property
    def started(self) -> bool:
        """True when the part in progress has at least one full bar."""
        return self.bars > 0 or self.in_ending


def part_name(index: int) -> str:
    """`A`, `B`, `C`... for part 0, 1, 2..."""
    return chr(ord("A") + index) if index < 26 else f"#{index + 1}"


_LETTER_RUN = re.compile(r"([A-Z])\1*")


def parse_form(text: str, part_bars: int | str | tuple[int, ...] | None = 8) -> Form:
    """The form of `AABB` / `AB` / `AABBCC` / `ABC` / `A` with `part_bars` bars per part (one number, or one per
    part as `8,16`); FormError for anything else."""
    letters = text.strip().upper().replace(" ", "")
    if not letters or not letters.isalpha():
        raise FormError(f"cannot read the form {text!r}: write its parts as letters, such as AABB, AB or ABC")
    runs = [m.group(0) for m in _LETTER_RUN.finditer(letters)]
    expected = [chr(ord("A") + i) for i in range(len(runs))]
    if [r[0] for r in runs] != expected or any(len(r) > 2 for r in runs):
        raise FormError(f"cannot read the form {text!r}: each part is written once (played once) or twice "
                        "(repeated), in order from A, such as AABB, AB, AABBCC or ABC")
    lengths = _part_lengths(part_bars, len(runs))
    return Form(tuple(Part(n, len(r) == 2) for r, n in zip(runs, lengths, strict=True)))


def _part_lengths(part_bars: int | str | tuple[int, ...] | None, count: int) -> list[int]:
    if part_bars is None:
        values = [8]
    elif isinstance(part_bars, int):
        values = [part_bars]
    elif isinstance(part_bars, tuple):
        values = list(part_bars)
    else:
        try:
            values = [int(v) for v in part_bars.replace("+", ",").split(",") if v.strip()]
        except ValueError as exc:
            raise FormError(f"cannot read the part length {part_bars!r}: give bars per part, such as 8 or 8,16") \
                from exc
    if not values or any(v not in PART_BARS for v in values):
        raise FormError(f"a part has {', '.join(map(str, PART_BARS))} bars, not {part_bars}")
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise FormError(f"{len(values)} part lengths for a form of {count} parts")
    return values


def rhythm_for_meter(meter: str | None) -> str | None:
    """The commonest dance rhythm in `meter` (6/8 → jig, 4/4 → reel, 3/4 → waltz, ...), or None."""
    return RHYTHM_BY_METER.get((meter or "").replace(" ", ""))


_AABB8 = Form((Part(8, True), Part(8, True)))
_AB8 = Form((Part(8, False), Part(8, False)))
#: The commonest form of each rhythm in the training corpus, as `benchmarks/corpus_forms.py` counts them (share of
#: the rhythm's tunes): reels AABB 8 bars (39%, then AB 8 bars 30%), jigs AABB 8 (76%), hornpipes AABB 8 (73%),
#: polkas AABB 8 (41%), double jigs AABB 8 (69%), clogs AABB 8 (78%), slip jigs AABB of 4 bars of 9/8 (37-45%),
#: strathspeys AB 8 (86%), airs AB 8 (39%), waltzes AB 8 (22%, then A 16 and AB 16).
FORM_BY_RHYTHM: dict[str, Form] = {
    "reel": _AABB8, "jig": _AABB8, "double jig": _AABB8, "hornpipe": _AABB8, "polka": _AABB8, "clog": _AABB8,
    "slide": _AABB8, "single jig": _AABB8, "barndance": _AABB8, "march": _AABB8,
    "slip jig": Form((Part(4, True), Part(4, True))), "slipjig": Form((Part(4, True), Part(4, True))),
    "strathspey": _AB8, "air": _AB8, "waltz": _AB8, "mazurka": _AB8, "song": _AB8,
}


def default_form(rhythm: str | None, meter: str | None) -> Form:
    """The form a new tune of `rhythm` (or, without one, of `meter`) most often has in the corpus."""
    for name in (rhythm, rhythm_for_meter(meter)):
        key = (name or "").strip().lower()
        if key in FORM_BY_RHYTHM:
            return FORM_BY_RHYTHM[key]
    return Form((Part(8, True), Part(8, True)))
