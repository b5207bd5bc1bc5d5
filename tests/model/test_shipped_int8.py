"""The shipped default's int8 twin: it is the quantization of the shipped float32 file, the runtime runs it by
default, and `composer score` puts it within 0.005 nats/char of the float32 file on both unseen tunebooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel
from composer.paths import int8_twin

REPO = Path(__file__).resolve().parents[2]
UNSEEN = (REPO / "benchmarks" / "data" / "unseen.abc", REPO / "resources" / "examples.abc")

pytestmark = pytest.mark.skipif(not int8_twin(DEFAULT_MODEL).is_file(),
                                reason="models/default.int8.onnx is not there (write it: "
                                       "python -m composer.training.quantize models/default.onnx)")


def test_the_runtime_runs_the_shipped_twin_unless_float32_is_asked_for():
    default = OnnxModel(device="cpu", threads=1)
    assert default.path == int8_twin(DEFAULT_MODEL) and default.weights == "int8"
    full = OnnxModel(weights="float32", device="cpu", threads=1)
    assert full.path == DEFAULT_MODEL and full.weights == "float32"
    assert default.layer_sizes == full.layer_sizes and default.vocab == full.vocab
    assert {k: v for k, v in default.card.items() if k not in ("weights", "quantization")} == \
        {k: v for k, v in full.card.items() if k != "weights"}


def test_the_shipped_twin_is_the_quantization_of_the_shipped_model(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    from composer.training.quantize import write_int8_twin

    copy = tmp_path / "default.onnx"
    copy.write_bytes(DEFAULT_MODEL.read_bytes())
    fresh, shipped = (onnx.load(str(p)) for p in (write_int8_twin(copy), int8_twin(DEFAULT_MODEL)))
    weights = [{i.name: numpy_helper.to_array(i) for i in proto.graph.initializer} for proto in (fresh, shipped)]
    assert weights[0].keys() == weights[1].keys()
    for name, array in weights[0].items():
        assert (array == weights[1][name]).all(), f"{name}: the twin is stale; rewrite it from the float32 model"


@pytest.mark.parametrize("tunebook", UNSEEN, ids=lambda p: p.name)
def test_score_of_the_twin_is_within_0_005_of_the_float32_model(tunebook):
    scores = {}
    for weights in ("float32", "int8"):
        done = subprocess.run([sys.executable, "-m", "composer", "score", str(tunebook), "--weights", weights],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        scores[weights] = dict(part.split("=") for part in done.stdout.split())
    assert scores["float32"]["chars"] == scores["int8"]["chars"]
    assert abs(float(scores["int8"]["nats_per_char"]) - float(scores["float32"]["nats_per_char"])) <= 0.005, scores
