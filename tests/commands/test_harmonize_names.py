"""`composer harmonize`: `--beam` is the beam's width alone, `--names` the chord names a hypothesis tries."""

from __future__ import annotations

import re

import pytest

from composer.abc.tunebook import read_string, read_tunebook
from composer.cli import main
from composer.model.chord_places import without_chord_symbols
from composer.model.harmonize import NAMES, HarmonizeOptions, harmonize
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel

POLKA = """X:1
T:Polka Bare
R:polka
M:2/4
L:1/8
K:D
|:A>B AF|ED FA|d2 fd|ed BA|
A>B AF|ED FA|dB AF|E2 D2:|
"""


@pytest.fixture(scope="module")
def chords():
    """`chords(beam, names)`: the chord names `harmonize` writes into the polka with the shipped model."""
    model = OnnxModel(DEFAULT_MODEL)
    tune = read_string(POLKA).tunes[0]

    def written(beam: int, names: int) -> list[str]:
        return [c.name for c in harmonize(model, tune, HarmonizeOptions(beam=beam, names=names)).chords]

    return written


def _command_chords(tmp_path, *options: str) -> list[str]:
    source, out = tmp_path / "polka.abc", tmp_path / "out.abc"
    source.write_text(POLKA)
    assert main(["harmonize", str(source), "-o", str(out), *options]) == 0
    tune = read_tunebook(out).tunes[0]
    assert without_chord_symbols(tune) == read_string(POLKA).tunes[0].text()  # the melody byte for byte
    return re.findall(r'"([^"]+)"', tune.text())


def test_a_narrow_beam_still_tries_the_default_number_of_chord_names(tmp_path, chords):
    assert chords(1, NAMES) != chords(1, 1)  # the polka tells the two apart
    assert _command_chords(tmp_path, "--beam", "1") == chords(1, NAMES)


def test_names_sets_the_chord_names_tried_and_leaves_the_beam_alone(tmp_path, chords):
    assert _command_chords(tmp_path, "--beam", "1", "--names", "1") == chords(1, 1)
    assert _command_chords(tmp_path, "--names", "2") == chords(4, 2)


def test_the_help_gives_names_and_its_default_apart_from_the_beam(capsys):
    with pytest.raises(SystemExit):
        main(["harmonize", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"--names N chord names each hypothesis tries at a chord place, its likeliest (default {NAMES}" in help_text
    assert "--beam N hypotheses kept by the beam search (default 4)" in help_text
