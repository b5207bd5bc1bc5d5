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
    import random

    from composer.model.canonical import body_start, canonical_text
    from composer.model.scoring import score_text

    model = OnnxModel(tiny_onnx_model)
    rng = random.Random(3)
    real, shuffled = [0.0, 0], [0.0, 0]
    for tune in read_string((nottingham_folder / "hpps.abc").read_text()).tunes[:20]:
        text = canonical_text(tune)
        start = body_start(text)
        body = list(text[start:-2])
        places = [i for i, ch in enumerate(body) if ch != "\n"]
        letters = [body[i] for i in places]
        rng.shuffle(letters)
        for i, ch in zip(places, letters, strict=True):
            body[i] = ch
        for total, candidate in ((real, text), (shuffled, text[:start] + "".join(body) + "\n\n")):
            nats, chars = score_text(model, candidate)
            total[0] += nats
            total[1] += chars
    assert real[0] / real[1] < shuffled[0] / shuffled[1] - 0.3


def test_cli_prints_the_figures(tiny_onnx_model, nottingham_folder):
    out = subprocess.run([sys.executable, "-m", "composer", "score", str(nottingham_folder / "slip.abc"),
                          "--model", str(tiny_onnx_model)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    fields = dict(part.split("=") for part in out.stdout.split())
    assert set(fields) == {"nats_per_char", "chars", "tunes"}
    assert int(fields["tunes"]) == 11 and 0.5 < float(fields["nats_per_char"]) < 5
