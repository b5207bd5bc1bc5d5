"""Training data: canonical tunes, cleaning judged by abc2midi, a deterministic split by tune."""

from __future__ import annotations

import pytest

from composer.abc.tunebook import read_tunebook
from composer.model.canonical import canonical_text
from composer.training.corpus import (
    abc2midi_errors,
    build_corpus,
    clean_tune,
    is_validation,
    repair_chord_symbols,
    repair_decorations,
)


def test_chord_symbols_respelled():
    assert repair_chord_symbols('"Cd"c2 "Ea"e "F#d/A"f "(D7)"d "D m"d') == '"Cdim"c2 "Eaug"e "F#dim/A"f "D7"d "Dm"d'
    assert repair_chord_symbols('"^annotation"c "_below"d') == '"^annotation"c "_below"d'
    assert repair_chord_symbols('"Hmm"c') == "c"


def test_decoration_before_slur_moves_inside():
    assert repair_decorations("~(BA)FA T(cBc).d (3abc .(3abc") == "(~BA)FA (TcBc).d (3abc .(3abc"


def test_cleaning_makes_rejected_nottingham_tunes_pass(nottingham_folder):
    texts = [canonical_text(t) for path in sorted(nottingham_folder.glob("*.abc")) for t in read_tunebook(path)]
    chorded = [t for t in texts if '"Cd"' in t or '"Ad"' in t or '"Ea"' in t or '"Ca"' in t][:6]
    assert chorded, "Nottingham writes diminished chords as Cd"
    before = abc2midi_errors(chorded)
    after = abc2midi_errors([clean_tune(t) for t in chorded])
    assert any("chord" in e.lower() for errs in before for e in errs)
    assert not any("chord" in e.lower() for errs in after for e in errs)


def test_split_is_by_tune_and_deterministic(nottingham_folder):
    sources = [str(nottingham_folder / "jigs.abc")]
    first = build_corpus(sources, 0.1)
    second = build_corpus(sources, 0.1)
    assert [t.text for t in first.validation] == [t.text for t in second.validation]
    train_texts = {t.text for t in first.train}
    assert not train_texts & {t.text for t in first.validation}
    assert 0.04 < len(first.validation) / (len(first.train) + len(first.validation)) < 0.2
    assert all(is_validation(t.text, 0.1) for t in first.validation)
    # Every tune kept passes abc2midi without errors and ends with its empty line.
    kept = [t.text for t in first.train[:40]]
    assert all(not errs for errs in abc2midi_errors(kept))
    assert all(t.endswith("\n\n") and t.startswith("X:1\nT:") for t in kept)
    assert all(reason for _, reason in first.rejected)


def test_unknown_source_is_a_clear_error(tmp_path):
    from composer.errors import TrainingError

    with pytest.raises(TrainingError, match="no such tunebook"):
        build_corpus([str(tmp_path / "missing.abc")])
