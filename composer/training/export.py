"""Export a CharLSTM to the ONNX contract every other part relies on, and read its weights back for fine-tuning.

The contract: inputs `tokens` (int64 [batch, time]) then `h0, c0, h1, c1, ...` (float32 [batch, hidden_i]);
outputs `logits` (float32 [batch, time, vocab]) then `h0_out, c0_out, ...` in the same order; batch and time
dynamic; metadata_props `vocab` (JSON list of one-character strings) and `card` (JSON). `export_onnx` writes the
float32 model `NAME.onnx` and its int8 twin `NAME.int8.onnx` (composer.training.quantize); training and fine-tuning
read weights back from the float32 file only.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from composer.errors import ModelError
from composer.model.vocab import VOCAB
from composer.paths import INT8_SUFFIX, float32_model, int8_twin
from composer.training.config import ModelConfig
from composer.training.lstm import CharLSTM


class _FlatStateModel(nn.Module):
    """CharLSTM with the state as flat positional tensors, the shape ONNX export needs."""

    def __init__(self, model: CharLSTM) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, *flat_state: torch.Tensor):
        state = [(flat_state[2 * i], flat_state[2 * i + 1]) for i in range(len(flat_state) // 2)]
        logits, new_state = self.model(tokens, state)
        out = [logits]
        for h, c in new_state:
            out += [h, c]
        return tuple(out)


def state_names(layers: int) -> list[str]:
    """Names of the state inputs in contract order: h0, c0, h1, c1, ..."""
    return [f"{kind}{i}" for i in range(layers) for kind in ("h", "c")]


def machine_description() -> str:
    """Where a model was trained: CPU model and core count (or the GPU)."""
    if torch.cuda.is_available():
        return f"{torch.cuda.device_count()}x {torch.cuda.get_device_name(0)}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def make_card(model: CharLSTM, preset: str, **facts) -> dict:
    """The model card stored in the ONNX file."""
    card = {
        "preset": preset,
        "config": model.config.to_dict(),
        "parameters": model.parameter_count(),
        "date": datetime.date.today().isoformat(),
        "hardware": machine_description(),
        "format": "canonical ABC, one tune per sequence from a zero state, ends with an empty line",
        "weights": "float32",
    }
    card.update(facts)
    return card


def export_onnx(model: CharLSTM, path: Path | str, card: dict, *, with_int8: bool = True) -> Path:
    """Write `model` as one self-contained float32 ONNX file with vocab and card metadata (atomically), and its
    int8 twin beside it unless `with_int8` is False (then a stale twin is removed); the float32 file's path."""
    import onnx

    path = Path(path)
    if path.name.endswith(INT8_SUFFIX):
        raise ModelError(f"a float32 model's name cannot end with {INT8_SUFFIX}", path=str(path))
    model = model.eval()
    layers = model.config.layers
    tokens = torch.zeros(2, 5, dtype=torch.long)
    state = [torch.zeros(2, h) for h in layers for _ in ("h", "c")]
    names = state_names(len(layers))
    dynamic = {"tokens": {0: "batch", 1: "time"}, "logits": {0: "batch", 1: "time"}}
    for name in names:
        dynamic[name] = {0: "batch"}
        dynamic[f"{name}_out"] = {0: "batch"}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on LSTM shapes; the contract tests check them
            torch.onnx.export(_FlatStateModel(model).eval(), (tokens, *state), str(tmp), dynamo=False,
                              input_names=["tokens", *names],
                              output_names=["logits", *[f"{n}_out" for n in names]],
                              dynamic_axes=dynamic, opset_version=17, external_data=False)
        proto = onnx.load(str(tmp))
        del proto.metadata_props[:]
        for key, value in (("vocab", json.dumps(list(VOCAB))), ("card", json.dumps(card))):
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a failed export leaves the model that was there, and no half-written file
    if with_int8:
        from composer.training.quantize import write_int8_twin

        write_int8_twin(path)
    else:
        int8_twin(path).unlink(missing_ok=True)
    return path


def read_card(path: Path | str) -> dict:
    """The card stored in an ONNX model file."""
    import onnx

    proto = onnx.load(str(path), load_external_data=False)
    props = {p.key: p.value for p in proto.metadata_props}
    if "card" not in props:
        raise ModelError("the model file has no card", path=str(path))
    return json.loads(props["card"])


def model_from_onnx(path: Path | str) -> CharLSTM:
    """Rebuild the torch model from an exported ONNX file (its card's config and its initializers).

    ONNX's LSTM stores gates in the order i, o, f, c with separate input and recurrent biases; torch uses
    i, f, g(c), o. The first LSTM node reads the embedding, the head is the last MatMul/Gemm. Given an int8
    twin, its float32 model beside it is read: 8-bit weights are not trained on.
    """
    import onnx
    from onnx import numpy_helper

    if Path(path).name.endswith(INT8_SUFFIX):
        if not float32_model(path).is_file():
            raise ModelError(f"an 8-bit model cannot be trained on; its float32 model {float32_model(path).name} "
                             "is not beside it", path=str(path))
        path = float32_model(path)
    card = read_card(path)
    if "config" not in card:
        raise ModelError("the model card has no config: cannot rebuild the model", path=str(path))
    config = ModelConfig.from_dict(card["config"])
    proto = onnx.load(str(path))
    weights = {init.name: numpy_helper.to_array(init) for init in proto.graph.initializer}
    model = CharLSTM(config)
    state = {}
    lstm_nodes = [n for n in proto.graph.node if n.op_type == "LSTM"]
    if len(lstm_nodes) != len(config.layers):
        raise ModelError("the ONNX graph does not match its card's layers", path=str(path))
    for i, node in enumerate(lstm_nodes):
        w, r, b = (weights[name] for name in node.input[1:4])
        state[f"lstms.{i}.weight_ih_l0"] = _onnx_gates_to_torch(w[0])
        state[f"lstms.{i}.weight_hh_l0"] = _onnx_gates_to_torch(r[0])
        hidden = config.layers[i]
        state[f"lstms.{i}.bias_ih_l0"] = _onnx_gates_to_torch(b[0][: 4 * hidden])
        state[f"lstms.{i}.bias_hh_l0"] = _onnx_gates_to_torch(b[0][4 * hidden:])
    gathers = [n for n in proto.graph.node if n.op_type == "Gather" and n.input[0] in weights]
    state["embedding.weight"] = torch.from_numpy(weights[gathers[0].input[0]].copy())
    linear_names = [f"dense.{i}" for i in range(len(config.dense))] + ["head"]
    linears = _linear_weights(proto, weights)
    if len(linears) != len(linear_names):
        raise ModelError("the ONNX graph's dense layers do not match its card", path=str(path))
    for name, (w, b) in zip(linear_names, linears, strict=True):
        state[f"{name}.weight"] = torch.from_numpy(w.copy())
        state[f"{name}.bias"] = torch.from_numpy(b.copy())
    model.load_state_dict(state)
    return model


def _onnx_gates_to_torch(array: np.ndarray) -> torch.Tensor:
    i, o, f, c = np.split(array, 4, axis=0)
    return torch.from_numpy(np.concatenate([i, f, c, o], axis=0).copy())


def _linear_weights(proto, weights: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight [out, in], bias [out]) of each linear layer after the LSTMs, in graph order."""
    found = []
    nodes = list(proto.graph.node)
    for index, node in enumerate(nodes):
        if node.op_type == "Gemm":
            w = weights[node.input[1]]
            transposed = any(a.name == "transB" and a.i == 1 for a in node.attribute)
            found.append((w if transposed else w.T, weights[node.input[2]]))
        elif node.op_type == "MatMul" and node.input[1] in weights:
            w = weights[node.input[1]].T
            bias = None
            for later in nodes[index + 1:]:
                if later.op_type == "Add" and node.output[0] in later.input:
                    other = [n for n in later.input if n != node.output[0]][0]
                    bias = weights.get(other)
                    break
            if bias is None:
                raise ModelError("cannot find a linear layer's bias in the ONNX graph")
            found.append((w, bias))
    return found
