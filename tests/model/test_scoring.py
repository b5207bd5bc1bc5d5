"""`composer score`: nats per body character, the same figure training reports for the same tunes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from composer.abc.tunebook import read_string
from composer.model.onnx_model import OnnxModel
from composer.model.scoring import score_tunes

pytest.importorskip("torch")


def test_score_matches_the_training_evaluation(tiny_trained, tiny_onnx_model, tiny_corpus):
    from composer.training.loop import evaluate

    _, model = tiny_trained
    texts = [t.text for t in tiny_corpus.validation]
    expected, _ = evaluate(model, texts)
    score = score_tunes(OnnxModel(tiny_onnx_model), read_string("".join(texts)))
    assert score.tunes == len(texts)
    assert score.nats_per_char == pytest.approx(expected, rel=1e-4)


def test_a_trained_model_scores_real_tunes_better_than_shuffled_ones(tiny_onnx_model, nottingham_folder):
    model = OnnxModel(tiny_onnx_model)
    tunes = read_string((nottingham_folder / "hpps.abc").read_text())
    real = score_tunes(model, tunes)
    shuffled = "\n\n".join(f"X:{i}\nT:t\nM:4/4\nL:1/8\nK:G\n" + "".join(sorted(t.text()[::-1]))
                           for i, t in enumerate(tunes, 1))
    assert real.nats_per_char < score_tunes(model, read_string(shuffled)).nats_per_char - 0.3


def test_cli_prints_the_figures(tiny_onnx_model, nottingham_folder):
    out = subprocess.run([sys.executable, "-m", "composer", "score", str(nottingham_folder / "slip.abc"),
                          "--model", str(tiny_onnx_model)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    fields = dict(part.split("=") for part in out.stdout.split())
    assert set(fields) == {"nats_per_char", "chars", "tunes"}
    assert int(fields["tunes"]) == 11 and 0.5 < float(fields["nats_per_char"]) < 5
