"""Lengths as whole numbers of ticks: the bar arithmetic of constrained decoding in ints instead of `Fraction`s.

`AbcState` counts every length (the bar, what is used and committed in it, a note's value) in ticks, `TICKS` to a
unit of L:. Every length the generation grammar writes is a whole number of ticks (sixteenths of a unit, in
tuplets of 2, 3 or 4 and broken pairs), so the checks made for each character compare and subtract small ints.
A prime read leniently may hold a length that is not (a `(5` tuplet, say): it stays an exact `Fraction` of ticks,
and Python's mixed arithmetic keeps every result exact, so the rules answer exactly as they would in units.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from composer.model.constraint.grammar import BROKEN_RATIOS, DURATION_PREFIXES, DURATIONS, GRID

#: Ticks in one unit of L: (divisible by 16 × 4 × 3 for the grammar's lengths, and by 5, 7 and 9 for most primes).
TICKS = 2**9 * 3**2 * 5 * 7
Ticks = int | Fraction


def exact(value: Ticks) -> Ticks:
    """`value` as an int when it is whole (a `Fraction` of ticks otherwise)."""
    return value.numerator if value.denominator == 1 else value


def ticks(units: Fraction | int) -> Ticks:
    """A length in units of L: as ticks."""
    return exact(units * TICKS)


def units(value: Ticks) -> Fraction:
    """A length in ticks as units of L:."""
    return Fraction(value) / TICKS


def times(a: Ticks, b: Ticks) -> Ticks:
    """The product of two lengths in units (a chord's value times its notes' value), in ticks."""
    product = a * b
    if type(product) is int and not product % TICKS:
        return product // TICKS
    return exact(Fraction(product) / TICKS)


@lru_cache(maxsize=64)
def host_shortest(unit: Fraction) -> int | Fraction:
    """The shortest note that may carry grace notes or an ornament (one unit, and at least an eighth), in ticks."""
    return ticks(max(Fraction(1), 1 / (8 * unit)))


#: The grammar's shortest note, in ticks.
GRID_TICKS: int = ticks(GRID)
#: Every duration suffix of generated notes, with its value in ticks.
DURATION_TICKS: dict[str, int] = {text: ticks(value) for text, value in DURATIONS.items()}
#: Duration text so far → (the smallest value it can complete to, every value it can complete to), in ticks.
DURATION_PREFIX_TICKS: dict[str, tuple[int, frozenset[int]]] = {
    prefix: (ticks(smallest), frozenset(ticks(v) for v in values))
    for prefix, (smallest, values) in DURATION_PREFIXES.items()
}
#: Broken-rhythm marks → (what the first note's time gains, k − 1; what the second note's value is multiplied by,
#: 2 − k), as in `BROKEN_RATIOS`.
BROKEN_SHIFTS: dict[str, tuple[Fraction, Fraction]] = {mark: (k - 1, 2 - k) for mark, k in BROKEN_RATIOS.items()}
