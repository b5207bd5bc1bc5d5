"""The int8 twin: export writes NAME.onnx and NAME.int8.onnx with one contract; the runtime and the commands run the
twin unless float32 is asked for; training reads weights back from the float32 file only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from composer.errors import ModelError  # noqa: E402
from composer.model.onnx_model import OnnxModel  # noqa: E402
from composer.model.vocab import encode  # noqa: E402

TUNE = "X:1\nT:Test\nR:jig\nM:6/8\nL:1/8\nK:G\nGAB d2e|dBG AFD|GAB d2e|dBG G3:|\n\n"


@pytest.fixture
def twins(tiny_trained, tmp_path) -> tuple[Path, Path]:
    """The tiny trained model exported as `jigs.onnx`, with its int8 twin."""
    from composer.training.export import export_onnx, make_card

    _, model = tiny_trained
    path = export_onnx(model, tmp_path / "jigs.onnx", make_card(model, "tiny", steps=80))
    return path, tmp_path / "jigs.int8.onnx"


def _nats_per_char(model: OnnxModel, text: str) -> float:
    """Mean negative log-likelihood of each character of `text` after the first (uniform: ln 96 = 4.56)."""
    tokens = np.array([encode(text)], dtype=np.int64)
    logits, _ = model.run(tokens[:, :-1], model.zero_state(1))
    shifted = logits[0] - logits[0].max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(tokens.shape[1] - 1), tokens[0, 1:]].mean())


def test_export_writes_both_files_with_one_contract(twins):
    float32, int8 = twins
    assert float32.is_file() and int8.is_file()
    assert int8.stat().st_size < 0.5 * float32.stat().st_size
    protos = {name: onnx.load(str(path)) for name, path in (("float32", float32), ("int8", int8))}
    ops = {name: {node.op_type for node in proto.graph.node} for name, proto in protos.items()}
    assert "LSTM" in ops["float32"] and "LSTM" not in ops["int8"]
    assert {"DynamicQuantizeLSTM", "MatMulInteger"} <= ops["int8"]
    metadata = {name: {p.key: p.value for p in proto.metadata_props} for name, proto in protos.items()}
    assert set(metadata["float32"]) == set(metadata["int8"]) == {"vocab", "card"}
    assert metadata["float32"]["vocab"] == metadata["int8"]["vocab"]
    cards = {name: json.loads(meta["card"]) for name, meta in metadata.items()}
    assert cards["float32"]["weights"] == "float32" and cards["int8"]["weights"] == "int8"
    assert cards["int8"]["quantization"]["weight_type"] == "QInt8"
    assert {k: v for k, v in cards["int8"].items() if k not in ("weights", "quantization")} == \
        {k: v for k, v in cards["float32"].items() if k != "weights"}

    runs = {name: OnnxModel(path, weights=name, device="cpu", threads=1)
            for name, path in (("float32", float32), ("int8", int8))}
    signatures = {name: ([(i.name, i.type, i.shape) for i in model.session.get_inputs()],
                         [(o.name, o.type, o.shape) for o in model.session.get_outputs()])
                  for name, model in runs.items()}
    assert signatures["float32"] == signatures["int8"]
    assert [model.weights for model in runs.values()] == ["float32", "int8"]
    losses = [_nats_per_char(model, TUNE) for model in runs.values()]
    assert losses[0] < 4.0 and abs(losses[0] - losses[1]) < 0.01, losses


def test_the_runtime_runs_the_twin_unless_float32_is_asked_for(twins, tmp_path):
    float32, int8 = twins
    assert OnnxModel(float32, device="cpu").path == int8
    assert OnnxModel(float32, weights="int8", device="cpu").path == int8
    assert OnnxModel(float32, weights="float32", device="cpu").path == float32
    assert OnnxModel(int8, weights="float32", device="cpu").path == float32  # either file may be named
    with pytest.raises(ModelError, match="weights must be one of int8, float32"):
        OnnxModel(float32, weights="float16")
    lone = tmp_path / "lone.onnx"
    lone.write_bytes(float32.read_bytes())
    only = OnnxModel(lone, device="cpu")
    assert only.path == lone and only.weights == "float32"  # no twin: the float32 file runs


def test_training_reads_the_float32_weights_and_a_plain_export_drops_a_stale_twin(tiny_trained, twins):
    from composer.training.export import export_onnx, make_card, model_from_onnx

    _, model = tiny_trained
    float32, int8 = twins
    tokens = torch.tensor([encode(TUNE)])
    with torch.no_grad():
        assert torch.allclose(model_from_onnx(int8).eval()(tokens)[0], model(tokens)[0], atol=1e-6)
    export_onnx(model, float32, make_card(model, "tiny"), with_int8=False)
    assert float32.is_file() and not int8.exists()
    int8.write_bytes(b"")
    float32.unlink()
    with pytest.raises(ModelError, match="cannot be trained on"):
        model_from_onnx(int8)


def test_the_quantize_command_writes_a_twin_and_refuses_one(twins, tmp_path):
    float32, int8 = twins
    fresh = tmp_path / "fresh" / "reels.onnx"
    fresh.parent.mkdir()
    fresh.write_bytes(float32.read_bytes())
    done = subprocess.run([sys.executable, "-m", "composer.training.quantize", str(fresh)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    twin = fresh.with_name("reels.int8.onnx")
    assert f"wrote {twin}" in done.stdout
    assert OnnxModel(fresh, device="cpu").weights == "int8"
    refused = subprocess.run([sys.executable, "-m", "composer.training.quantize", str(int8)], capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 1 and "already an int8 twin" in refused.stderr


def test_generate_says_which_file_ran(twins):
    float32, _ = twins
    names = {}
    for weights in ("int8", "float32"):
        done = subprocess.run([sys.executable, "-m", "composer", "generate", "--model", str(float32), "--weights",
                               weights, "--count", "1", "--seed", "3", "--max-chars", "80"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("X:1")
        names[weights] = next(line for line in done.stderr.splitlines() if line.startswith("model: "))
    assert names["int8"].startswith("model: jigs.int8.onnx,") and "int8 weights" in names["int8"]
    assert names["float32"].startswith("model: jigs.onnx,") and "float32 weights" in names["float32"]


def test_fine_tuning_named_a_twin_starts_from_its_float32_model_and_exports_both(twins, thirty_tunes, data_home):
    from composer.training.finetune import Finetune, FinetuneExported, FinetuneSettings

    float32, int8 = twins
    job = Finetune(int8, [thirty_tunes], "from-twin", FinetuneSettings(epochs=1, threads=1), validate=False)
    assert job.base_model == float32 and job.base_card["weights"] == "float32"
    exported = [event for event in job.run() if isinstance(event, FinetuneExported)][-1]
    path = Path(exported.path)
    assert path == data_home / "models" / "from-twin.onnx" and exported.card["base_model"] == "jigs.onnx"
    assert OnnxModel(path, device="cpu").path == data_home / "models" / "from-twin.int8.onnx"
