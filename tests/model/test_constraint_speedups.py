"""What keeps the constraint's fast paths honest: copies miss no slot, and lengths in ticks read back in units."""

from __future__ import annotations

from fractions import Fraction

import pytest

from composer.model.canonical import canonical_header
from composer.model.constraint import AbcState
from composer.model.form_state import FormState
from composer.model.vocab import VOCAB

REEL = canonical_header("Reel", "4/4", "1/8", "D")


@pytest.mark.parametrize("cls", [AbcState, FormState])
def test_a_copy_carries_every_slot(cls):
    state = object.__new__(cls)
    for index, slot in enumerate(cls.__slots__):
        setattr(state, slot, ("marker", index))
    copy = state._copy()
    assert [getattr(copy, s) for s in cls.__slots__] == [("marker", i) for i in range(len(cls.__slots__))]


def test_lengths_counted_in_ticks_read_back_in_units():
    state = AbcState.for_prime(REEL + "d2f2 (3AB")  # the B still open
    assert state.bar_len == 8 and state.used == Fraction(14, 3) and state.committed == Fraction(4, 3)
    shorter = state._copy()
    shorter.bar_len = Fraction(13, 2)
    assert shorter.bar_len == Fraction(13, 2) and state.bar_len == 8


def test_a_prime_with_lengths_off_the_tick_grid_is_read_exactly():
    state = AbcState.for_prime(REEL + "(11:7:11 A/A/A/A/A/A/A/A/A/A/A/ ", strict=False)
    assert state.used == Fraction(7, 2) and state.tuplet_left == 0
    assert FormState.for_prime(REEL + "A>B|d8|", strict=False).pickup == 2


def test_a_kept_state_does_not_reuse_the_lenient_readings_cached_mask():
    prime = REEL + "|:d2f2 a2f2|"
    reading = FormState.for_prime(prime, strict=False)
    reading.allowed_mask()  # caches the lenient situation
    kept = reading.kept(prime, None)
    assert [bool(b) for b in kept.allowed_mask()] == [kept.advance(ch) is not None for ch in VOCAB]
