"""Bar lengths as abc2midi plays them: a voice's timing events, walked with its repeats and endings followed.

Tuplets, broken rhythm, chords and inline M:/L: changes change the count and grace notes take no time (the tune
checker records the events so); repeats are followed, so a pickup bar, a short bar before a repeat sign that the
pickup completes, and 1st/2nd endings are judged as the player hears them; a short bar before `||`, `|]`, `:|` or
`::` is allowed (it ends a section and may complete the next one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from composer.abc.keys import bar_length
from composer.abc.tokens import Bar

__all__ = [
    "BAR_REP", "DOUBLE", "DOUBLE_REP", "REP_BAR", "SINGLE", "Voice", "bar_roles", "counting_unit", "in_units",
    "walk_bars",
]

SINGLE, DOUBLE, BAR_REP, REP_BAR, DOUBLE_REP = "single", "double", "bar_rep", "rep_bar", "double_rep"


def bar_roles(text: str) -> list[str]:
    """The playing role(s) of a bar line, as abc2midi reads them (measured with abc2midi 4.84): `:||:` is an
    end of repeat then a start of repeat, `:||` an end of repeat then a plain bar, `|||` a double bar then a
    plain bar; `:|]` ends a repeat; `||:` starts one."""
    starts, ends = text.startswith(":"), text.endswith(":")
    pipes = text.count("|")
    if starts and ends:
        return [REP_BAR, BAR_REP] if pipes >= 2 else [DOUBLE_REP]
    if ends:
        return [BAR_REP]
    if starts:
        return [REP_BAR, SINGLE] if text.rstrip("]").count("|") >= 2 else [REP_BAR]
    if text in ("|", ".|"):
        return [SINGLE]
    if pipes >= 3:
        return [DOUBLE, SINGLE]
    return [DOUBLE]


@dataclass
class Voice:
    """Timing events of one voice: ("units", Fraction) | ("bar", kind, Bar) | ("variant", numbers, token)
    | ("meter", Fraction | None)."""

    events: list[tuple] = field(default_factory=list)


def walk_bars(events: list[tuple], meter: Fraction | None) -> list[tuple[Bar, Fraction, Fraction]]:
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
            if kind == SINGLE:
                checkbar(bar)
            elif kind == DOUBLE:
                softcheckbar(bar)
            elif kind == BAR_REP:
                softcheckbar(bar)
                state = (j, barno)
                expect_repeat = True
                pass_no = 1
                maxpass = 2
            elif kind == REP_BAR:
                softcheckbar(bar)
                if pass_no == 1 or pass_no < maxpass:
                    pass_no += 1
                    j, barno = state
                    expect_repeat = False
            elif kind == DOUBLE_REP:
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
                                     and events[j][1] != SINGLE):
                    j += 1
                barno += 1
            elif maxpass < 4:
                maxpass = pass_no + 1
        j += 1
    return list(flagged.values())


def counting_unit(bar: Fraction, written_meter: str | None) -> int:
    """The denominator a bar of length `bar` is counted in: the written meter's (6/8, C = 4/4, C| = 2/2)
    when the bar is that meter's, else the bar's own, in quarters at least (4/4, not 1/1)."""
    meter = (written_meter or "").strip()
    denominator = {"C": 4, "C|": 2}.get(meter)
    if denominator is None and "/" in meter and meter.split("/")[-1].strip().isdigit():
        denominator = int(meter.split("/")[-1])
    if denominator and bar_length(meter) == bar:
        return denominator
    return max(bar.denominator, 4)


def in_units(value: Fraction, denominator: int) -> str:
    """`value` (of a whole note) over `denominator` when it divides evenly: 5/8 in 6/8, else as a fraction."""
    units = value * denominator
    if units.denominator == 1:
        return f"{units.numerator}/{denominator}"
    return f"{value.numerator}/{value.denominator}"
