"""The checker flags the same bars (bar-length problems) as Debian's abc2midi on at least 95% of tunes.

abc2midi runs with -NFER so that it plays fermata notes at their written length: by default it lengthens
them, which is a playing choice and not a bar-length problem in the notation. Nottingham is compared whole;
the music21 collections on a fixed sample (the whole-collection figure comes from
benchmarks/checker_vs_abc2midi.py).
"""

from __future__ import annotations

import pytest

from composer.abc.abc2midi import abc2midi_available, bar_places, run_abc2midi
from composer.abc.checker import check_tune

pytestmark = pytest.mark.skipif(not abc2midi_available(), reason="abc2midi (Debian abcmidi) is not installed")


def agreement(tunes) -> tuple[float, list[str]]:
    mismatches = []
    for tune in tunes:
        judge = bar_places(tune, run_abc2midi(tune, ("-NFER",)))
        ours = {(d.line, d.column) for d in check_tune(tune) if d.message.startswith("bar length")}
        if judge != ours:
            mismatches.append(f"{tune.path}:{tune.line} {tune.label}: abc2midi {sorted(judge - ours)} "
                              f"checker {sorted(ours - judge)}")
    return 1 - len(mismatches) / len(tunes), mismatches


def test_agreement_on_nottingham(nottingham):
    share, mismatches = agreement(nottingham)
    assert share >= 0.95, "\n".join(mismatches)


def test_agreement_on_music21_collections(music21_sample):
    share, mismatches = agreement(music21_sample)
    assert share >= 0.95, "\n".join(mismatches)


def test_the_judge_sees_a_short_bar_where_the_checker_does(tmp_path):
    """The comparison itself can fail: a tune with a short bar is flagged by both at the same bar line."""
    from composer.abc.tunebook import read_string

    tune = read_string("X:1\nT:t\nM:4/4\nL:1/8\nK:G\nGABc d2e2|GAB d2e2|f8|]\n").tunes[0]
    judge = bar_places(tune, run_abc2midi(tune, ("-NFER",)))
    ours = {(d.line, d.column) for d in check_tune(tune) if d.message.startswith("bar length")}
    assert judge == ours == {(6, 19)}
