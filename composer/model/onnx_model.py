"""A char-LSTM loaded from an ONNX file that follows the contract: vocabulary, card, and stepwise inference.

`OnnxModel(path)` checks the contract (inputs `tokens`, `h{i}`, `c{i}`; outputs `logits`, `h{i}_out`,
`c{i}_out`; metadata `vocab` equal to the fixed vocabulary and a JSON `card`) and raises `ModelError` on a missing,
corrupt or non-contract file. `model.run(tokens, state)` feeds a [batch, time] block of token ids from `state`
(`model.zero_state(batch)` at the start of a tune) and returns the logits of every position and the new state, so
a prime goes through in one call and each later character in a call of its own. CUDA is used when onnxruntime and
the CUDA libraries are both present (probed quietly first); `model.provider` says which provider runs.

A float32 model `NAME.onnx` may have an 8-bit twin `NAME.int8.onnx` beside it. `OnnxModel(path)` runs the twin when
it is there (`weights="int8"`, the default: about 4× less memory read per step) and the float32 file with
`weights="float32"`; either file may be named. `model.path` is the file that runs, `model.weights` its kind.
"""

from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass
from functools import cache

import numpy as np

from composer.errors import ModelError
from composer.model.vocab import INDEX, VOCAB
from composer.paths import default_model_path, model_to_run

#: The shipped default model, found relative to the package.
DEFAULT_MODEL = default_model_path()
#: The longest canonical tune the commands hand to a model, in characters: a long session tune has 3,000; one
#: run over a million takes minutes and gigabytes of logits, so longer text is refused (or skipped) up front.
MAX_TUNE_CHARS = 50_000
_CUDA_LIBRARIES = ("libcudart.so.12", "libcublas.so.12", "libcudnn.so.9")


@dataclass(frozen=True)
class LstmState:
    """The recurrent state of every layer for a batch: (h0, c0, h1, c1, ...), each float32 [batch, hidden_i]."""

    arrays: tuple[np.ndarray, ...]

    @property
    def batch(self) -> int:
        return int(self.arrays[0].shape[0])

    def select(self, rows: list[int] | np.ndarray) -> LstmState:
        """The state of the given batch rows only (for dropping finished candidates)."""
        return LstmState(tuple(a[rows] for a in self.arrays))

    def repeat(self, count: int) -> LstmState:
        """A batch-1 state copied into `count` identical rows."""
        return LstmState(tuple(np.repeat(a, count, axis=0) for a in self.arrays))


@cache
def cuda_usable() -> bool:
    """True when onnxruntime offers CUDA and the CUDA runtime libraries load (checked without onnxruntime)."""
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return False
    if os.name == "nt":  # pragma: no cover - the Windows build probes through onnxruntime alone
        return True
    for name in _CUDA_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            return False
    return True


def execution_providers(device: str = "auto") -> list[str]:
    """The providers to ask for: CUDA then CPU when usable (`auto`), or only `cpu` / `cuda`."""
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device == "cuda" and not cuda_usable():
        raise ModelError("CUDA was asked for, but onnxruntime's CUDA provider or the CUDA libraries are missing")
    if device in ("auto", "cuda") and cuda_usable():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxModel:
    """A contract-following ONNX char-LSTM ready for stepwise decoding."""

    def __init__(self, path: str | os.PathLike = DEFAULT_MODEL, *, weights: str = "int8", device: str = "auto",
                 threads: int | None = None) -> None:
        import onnxruntime as ort

        try:
            self.path = model_to_run(path, weights)
        except ValueError as exc:
            raise ModelError(str(exc), path=str(path)) from exc
        where = str(self.path)
        if not self.path.is_file():
            raise ModelError("no model file here", path=where)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads if threads is not None else min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Spinning threads would take the CPU from the window between steps.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(where, sess_options=options,
                                                providers=execution_providers(device))
        except ModelError:
            raise
        except Exception as exc:  # onnxruntime raises its own types for unreadable files
            raise ModelError(f"not a readable ONNX model ({type(exc).__name__}: {exc})", path=where) from exc
        self.provider: str = self.session.get_providers()[0]
        self.layer_sizes = self._check_contract(where)
        meta = self.session.get_modelmeta().custom_metadata_map
        self.vocab = self._read_vocab(meta, where)
        try:
            self.card: dict = json.loads(meta["card"])
        except (KeyError, json.JSONDecodeError) as exc:
            raise ModelError("the model has no JSON `card` in its metadata", path=where) from exc
        self._state_names = [f"{k}{i}" for i in range(len(self.layer_sizes)) for k in ("h", "c")]
        self._output_names = ["logits", *[f"{n}_out" for n in self._state_names]]
        self._probe(where)

    def _check_contract(self, where: str) -> tuple[int, ...]:
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        tokens = inputs.get("tokens")
        if tokens is None or tokens.type != "tensor(int64)" or len(tokens.shape) != 2:
            raise ModelError("the model has no int64 [batch, time] input `tokens`", path=where)
        if "logits" not in outputs or len(outputs["logits"].shape) != 3:
            raise ModelError("the model has no [batch, time, vocab] output `logits`", path=where)
        width = outputs["logits"].shape[2]
        if isinstance(width, int) and width != len(VOCAB):
            raise ModelError(f"the model gives {width} logits a character; Composer's vocabulary has "
                             f"{len(VOCAB)}", path=where)
        sizes = []
        layer = 0
        while f"h{layer}" in inputs:
            for kind in ("h", "c"):
                name = f"{kind}{layer}"
                tensor = inputs.get(name)
                if (tensor is None or tensor.type != "tensor(float)" or len(tensor.shape) != 2
                        or not isinstance(tensor.shape[1], int) or f"{name}_out" not in outputs):
                    raise ModelError(f"state input `{name}` or output `{name}_out` breaks the contract", path=where)
                declared = outputs[f"{name}_out"].shape
                if len(declared) != 2 or isinstance(declared[1], int) and declared[1] != tensor.shape[1]:
                    raise ModelError(f"state output `{name}_out` {declared} does not match input `{name}` "
                                     f"{tensor.shape}", path=where)
            sizes.append(int(inputs[f"h{layer}"].shape[1]))
            layer += 1
        if not sizes:
            raise ModelError("the model has no LSTM state inputs h0/c0", path=where)
        if len(inputs) != 1 + 2 * len(sizes):
            extra = sorted(set(inputs) - {"tokens"} - {f"{k}{i}" for i in range(len(sizes)) for k in "hc"})
            raise ModelError(f"unexpected model inputs {extra}", path=where)
        return tuple(sizes)

    def _probe(self, where: str) -> None:
        """One real step from the zero state (the last character of the vocabulary included): the graph must
        compute the shapes its declarations promise, or `score` and generation would fail or mislead later."""
        tokens = np.array([[INDEX["\n"]], [len(VOCAB) - 1]], dtype=np.int64)
        try:
            logits, state = self.run(tokens, self.zero_state(2))
        except Exception as exc:  # onnxruntime's own types: a shape or index the graph cannot take
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"the model fails on one step from the zero state: {reason}", path=where) from exc
        if logits.shape != (2, 1, len(VOCAB)):
            raise ModelError(f"the model gives logits of shape {list(logits.shape)} for [2, 1] tokens; the contract "
                             f"says [2, 1, {len(VOCAB)}]", path=where)
        for name, array, size in zip(self._state_names, state.arrays,
                                     [s for s in self.layer_sizes for _ in (0, 1)], strict=True):
            if array.shape != (2, size):
                raise ModelError(f"state output `{name}_out` has shape {list(array.shape)}; its input `{name}` "
                                 f"is [2, {size}]", path=where)
        if not np.isfinite(logits).all():
            raise ModelError("the model gives logits that are not finite numbers", path=where)

    @staticmethod
    def _read_vocab(meta: dict, where: str) -> tuple[str, ...]:
        try:
            vocab = tuple(json.loads(meta["vocab"]))
        except (KeyError, json.JSONDecodeError, TypeError) as exc:
            raise ModelError("the model has no JSON `vocab` list in its metadata", path=where) from exc
        if vocab != VOCAB:
            raise ModelError("the model's vocabulary differs from Composer's fixed vocabulary", path=where)
        return vocab

    @property
    def weights(self) -> str:
        """"int8" for a quantized twin, "float32" otherwise (as its card says)."""
        return str(self.card.get("weights", "float32"))

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def zero_state(self, batch: int = 1) -> LstmState:
        """The state at the start of a tune."""
        return LstmState(tuple(np.zeros((batch, size), dtype=np.float32)
                               for size in self.layer_sizes for _ in (0, 1)))

    def run(self, tokens: np.ndarray, state: LstmState) -> tuple[np.ndarray, LstmState]:
        """Logits float32 [batch, time, vocab] for int64 `tokens` [batch, time] fed from `state`, and the new state."""
        feed = {"tokens": np.ascontiguousarray(tokens, dtype=np.int64)}
        feed.update(zip(self._state_names, state.arrays, strict=True))
        logits, *new_state = self.session.run(self._output_names, feed)
        return logits, LstmState(tuple(new_state))

    def describe(self) -> str:
        """One line for people: file, layers, provider and the card's headline facts."""
        facts = [f"{self.path.name}", "LSTM " + "/".join(map(str, self.layer_sizes)), f"{self.weights} weights",
                 self.provider]
        for key in ("preset", "steps", "validation_nats_per_char"):
            if key in self.card and self.card[key] is not None:
                facts.append(f"{key}={self.card[key]}")
        return ", ".join(facts)


def step_rows(model: OnnxModel, state: LstmState, rows: list[int], tokens: list[int]) -> tuple[np.ndarray, LstmState]:
    """One character for each of the batch `rows` still going (the others dropped from `state`) through
    `model.run`: the logits [len(rows), vocab] after `tokens` (one per row, in order) and the new state."""
    if len(rows) < state.batch:
        state = state.select(rows)
    step_logits, state = model.run(np.asarray(tokens, dtype=np.int64)[:, None], state)
    return step_logits[:, -1, :], state
