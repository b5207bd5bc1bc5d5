"""The ONNX contract: names, shapes, metadata, logits equal to torch, state carried, weights read back."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from composer.model.vocab import VOCAB, encode  # noqa: E402
from composer.training.export import model_from_onnx  # noqa: E402


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _run(session, tokens: np.ndarray, state: list[np.ndarray] | None = None):
    feeds = {"tokens": tokens}
    inputs = session.get_inputs()[1:]
    for i, spec in enumerate(inputs):
        feeds[spec.name] = state[i] if state else np.zeros((tokens.shape[0], spec.shape[1]), np.float32)
    return session.run(None, feeds)


def test_contract_names_and_metadata(tiny_onnx_model):
    session = _session(tiny_onnx_model)
    inputs = [i.name for i in session.get_inputs()]
    outputs = [o.name for o in session.get_outputs()]
    assert inputs == ["tokens", "h0", "c0"]
    assert outputs == ["logits", "h0_out", "c0_out"]
    assert session.get_inputs()[0].type == "tensor(int64)"
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["vocab"]) == list(VOCAB)
    card = json.loads(meta["card"])
    assert card["preset"] == "tiny" and card["parameters"] > 0 and card["config"]["layers"] == [48]
    # One self-contained file: no external data.
    proto = onnx.load(str(tiny_onnx_model))
    assert all(not init.external_data for init in proto.graph.initializer)


@pytest.mark.parametrize(("batch", "length"), [(1, 1), (3, 17), (7, 230)])
def test_onnx_logits_match_torch(tiny_trained, tiny_onnx_model, batch, length):
    _, model = tiny_trained
    rng = np.random.default_rng(batch * 1000 + length)
    tokens = rng.integers(0, len(VOCAB), size=(batch, length)).astype(np.int64)
    out = _run(_session(tiny_onnx_model), tokens)
    with torch.no_grad():
        logits, state = model(torch.from_numpy(tokens))
    assert out[0].shape == (batch, length, len(VOCAB))
    assert np.abs(out[0] - logits.numpy()).max() <= 1e-4
    assert np.abs(out[1] - state[0][0].numpy()).max() <= 1e-4
    assert np.abs(out[2] - state[0][1].numpy()).max() <= 1e-4


def test_state_carried_equals_one_call(tiny_onnx_model):
    session = _session(tiny_onnx_model)
    tokens = np.array([encode("X:1\nT:Test\nM:6/8\nL:1/8\nK:G\nGAB d2e|")], dtype=np.int64)
    whole = _run(session, tokens)[0]
    prime = _run(session, tokens[:, :20])
    state = prime[1:]
    steps = []
    for t in range(20, tokens.shape[1]):
        out = _run(session, tokens[:, t:t + 1], state)
        steps.append(out[0][:, 0])
        state = out[1:]
    assert np.abs(np.stack(steps, axis=1) - whole[:, 20:]).max() <= 1e-4


def test_weights_read_back_from_onnx(tiny_trained, tiny_onnx_model):
    _, model = tiny_trained
    rebuilt = model_from_onnx(tiny_onnx_model).eval()
    tokens = torch.randint(0, len(VOCAB), (2, 40))
    with torch.no_grad():
        assert torch.allclose(rebuilt(tokens)[0], model(tokens)[0], atol=1e-6)


def test_dense_layers_read_back(tmp_path):
    from composer.training.config import ModelConfig
    from composer.training.export import export_onnx, make_card
    from composer.training.lstm import CharLSTM

    torch.manual_seed(0)
    model = CharLSTM(ModelConfig(embedding=8, layers=(12, 20, 12), dense=(16,), dropout=0.3)).eval()
    path = export_onnx(model, tmp_path / "dense.onnx", make_card(model, "test"))
    rebuilt = model_from_onnx(path).eval()
    tokens = torch.randint(0, len(VOCAB), (3, 9))
    with torch.no_grad():
        assert torch.allclose(rebuilt(tokens)[0], model(tokens)[0], atol=1e-6)
    session = _session(path)
    assert [i.name for i in session.get_inputs()] == ["tokens", "h0", "c0", "h1", "c1", "h2", "c2"]
    out = _run(session, tokens.numpy())
    with torch.no_grad():
        assert np.abs(out[0] - model(tokens)[0].numpy()).max() <= 1e-4


def test_a_failed_export_leaves_the_model_that_was_there_and_no_half_written_file(tiny_trained, tiny_onnx_model,
                                                                                  tmp_path):
    from composer.training.export import export_onnx

    _, model = tiny_trained
    target = tmp_path / "mine.onnx"
    target.write_bytes(tiny_onnx_model.read_bytes())
    before = target.read_bytes()
    with pytest.raises(TypeError):  # the card cannot be written: the failure comes after the graph was written
        export_onnx(model, target, {"not json": object()}, with_int8=False)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.onnx"]
