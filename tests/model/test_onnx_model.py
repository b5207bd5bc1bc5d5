"""Loading a contract model: vocabulary, card, provider, refusals, and stepwise decoding that carries the state."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from composer.errors import ModelError
from composer.model.onnx_model import OnnxModel, cuda_usable, execution_providers
from composer.model.vocab import VOCAB, encode


def test_the_tiny_model_loads_with_its_vocabulary_card_and_provider(tiny_onnx_model):
    model = OnnxModel(tiny_onnx_model)
    assert model.vocab == VOCAB
    assert model.card["preset"] == "tiny"
    assert model.provider in ("CPUExecutionProvider", "CUDAExecutionProvider")
    assert model.provider == model.session.get_providers()[0]
    assert len(model.layer_sizes) >= 1 and all(size > 0 for size in model.layer_sizes)


def test_cuda_is_only_asked_for_when_usable():
    providers = execution_providers("auto")
    assert providers[-1] == "CPUExecutionProvider"
    assert ("CUDAExecutionProvider" in providers) == cuda_usable()
    if not cuda_usable():
        with pytest.raises(ModelError):
            execution_providers("cuda")


def test_one_call_for_the_prime_equals_one_character_per_step(tiny_onnx_model):
    model = OnnxModel(tiny_onnx_model)
    ids = np.asarray(encode("X:1\nT:Test\nM:6/8\nL:1/8\nK:G\n|:GAB"), dtype=np.int64)[None, :]
    whole, state_whole = model.run(ids, model.zero_state(1))
    state = model.zero_state(1)
    stepwise = []
    for i in range(ids.shape[1]):
        logits, state = model.run(ids[:, i:i + 1], state)
        stepwise.append(logits[:, 0])
    assert np.allclose(np.stack(stepwise, axis=1), whole, atol=1e-4)
    for a, b in zip(state.arrays, state_whole.arrays, strict=True):
        assert np.allclose(a, b, atol=1e-4)


def test_a_batch_gives_each_row_its_own_result(tiny_onnx_model):
    model = OnnxModel(tiny_onnx_model)
    ids = np.asarray([encode("K:D\nabc"), encode("K:G\nGAB")], dtype=np.int64)
    both, _ = model.run(ids, model.zero_state(2))
    second, _ = model.run(ids[1:], model.zero_state(1))
    assert np.allclose(both[1], second[0], atol=1e-4)


def test_missing_and_corrupt_files_are_refused(tmp_path):
    with pytest.raises(ModelError, match="no model file"):
        OnnxModel(tmp_path / "absent.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"this is not a protobuf" * 10)
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        OnnxModel(corrupt)


def _rewrite(source, target, edit) -> None:
    onnx = pytest.importorskip("onnx")
    proto = onnx.load(str(source))
    edit(proto)
    onnx.save(proto, str(target))


def test_files_that_break_the_contract_are_refused(tiny_onnx_model, tmp_path):
    def drop_vocab(proto):
        keep = [p for p in proto.metadata_props if p.key != "vocab"]
        del proto.metadata_props[:]
        proto.metadata_props.extend(keep)

    def other_vocab(proto):
        for p in proto.metadata_props:
            if p.key == "vocab":
                p.value = json.dumps(list(reversed(VOCAB)))

    def rename_input(proto):
        proto.graph.input[0].name = "ids"
        for node in proto.graph.node:
            node.input[:] = ["ids" if n == "tokens" else n for n in node.input]

    for edit, message in ((drop_vocab, "vocab"), (other_vocab, "vocabulary"), (rename_input, "tokens")):
        target = tmp_path / f"{edit.__name__}.onnx"
        _rewrite(tiny_onnx_model, target, edit)
        with pytest.raises(ModelError, match=message):
            OnnxModel(target)


def _exported(tmp_path, name: str, **shape) -> Path:
    """A real model of the given shape exported through the contract (random weights)."""
    pytest.importorskip("torch")
    from composer.training.config import ModelConfig
    from composer.training.export import export_onnx, make_card
    from composer.training.lstm import CharLSTM

    model = CharLSTM(ModelConfig(**{"embedding": 8, "layers": (16,), **shape}))
    return export_onnx(model, tmp_path / f"{name}.onnx", make_card(model, "test"), with_int8=False)


def test_a_model_with_the_wrong_logits_size_is_refused(tmp_path):
    for size in (50, 120):
        path = _exported(tmp_path, f"head{size}", vocab_size=size)
        with pytest.raises(ModelError, match=f"{size} logits.*{len(VOCAB)}"):
            OnnxModel(path, device="cpu")


def test_a_model_whose_state_sizes_break_the_contract_is_refused(tiny_onnx_model, tmp_path):
    def wider_inputs(proto):  # h0 and c0 said to be 64 wide; the graph computes 48
        for value_info in proto.graph.input[1:]:
            value_info.type.tensor_type.shape.dim[1].dim_value = 64

    def fifty_embeddings(proto):  # every declared shape is right, but characters past the 50th have no row
        from onnx import numpy_helper

        gather = next(n for n in proto.graph.node if n.op_type == "Gather")
        table = next(t for t in proto.graph.initializer if t.name == gather.input[0])
        table.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(table)[:50], table.name))

    for edit, message in ((wider_inputs, "h0"), (fifty_embeddings, "fails on one step")):
        target = tmp_path / f"{edit.__name__}.onnx"
        _rewrite(tiny_onnx_model, target, edit)
        with pytest.raises(ModelError, match=message) as refused:
            OnnxModel(target, device="cpu")
        assert str(target) in str(refused.value)


def test_score_says_the_model_is_unusable_instead_of_a_number(tmp_path, capsys):
    from composer.cli import main

    book = tmp_path / "book.abc"
    book.write_text("X:1\nT:Kesh\nM:6/8\nL:1/8\nK:G\n|:GAG GAB|ABA ABd:|\n")
    model = _exported(tmp_path, "head50", vocab_size=50)
    assert main(["score", str(book), "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    assert "nats_per_char" not in out and "logits" in err and "Traceback" not in err
