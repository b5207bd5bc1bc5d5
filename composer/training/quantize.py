"""The int8 twin of a float32 model: onnxruntime's dynamic quantization, run at export time (it needs `onnx`).

`write_int8_twin(Path("models/default.onnx"))` writes `models/default.int8.onnx`: the LSTMs become
`DynamicQuantizeLSTM` and the output layer an 8-bit `MatMulInteger`, with int8 weights, one scale per output
channel. Inputs, outputs and the `vocab` metadata stay as they are; the card is the float32 file's with
`weights: int8` and how it was quantized. From the command line:

    python -m composer.training.quantize models/default.onnx [MORE.onnx ...]

Per-channel scales were measured to help here (the loss of the shipped default moved by 0.0000 nats/char on
36,056 Nottingham characters, against +0.0007 with one scale per tensor); `reduce_range` (7-bit weights, for
CPUs without VNNI) made it worse on this AVX-512 VNNI CPU, so it is off. See models/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from composer.errors import ComposerError, ModelError
from composer.paths import INT8_SUFFIX, int8_twin

#: How the twin is quantized (measured on the shipped default: see the module docstring).
PER_CHANNEL = True
REDUCE_RANGE = False


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime's quantizer advises 'pre-processing' on the root logger on every call; not for this graph."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def write_int8_twin(path: str | os.PathLike) -> Path:
    """Write the int8 twin of the float32 model at `path` beside it (`NAME.int8.onnx`, atomically); its path."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path = Path(path)
    if path.name.endswith(INT8_SUFFIX):
        raise ModelError("this is already an int8 twin; quantize its float32 model", path=str(path))
    proto = onnx.load(str(path), load_external_data=False)
    props = {p.key: p.value for p in proto.metadata_props}
    if "card" not in props or "vocab" not in props:
        raise ModelError("the model has no `card` and `vocab` metadata", path=str(path))
    card = json.loads(props["card"])
    if card.get("weights", "float32") != "float32":
        raise ModelError(f"the model's weights are {card['weights']}, not float32", path=str(path))
    twin = int8_twin(path)
    tmp = twin.with_name(twin.name + ".tmp")
    try:
        with _quiet_root_logger():
            quantize_dynamic(path, tmp, weight_type=QuantType.QInt8, per_channel=PER_CHANNEL,
                             reduce_range=REDUCE_RANGE)
        quantized = onnx.load(str(tmp))
        card = {**card, "weights": "int8", "quantization": {
            "method": f"onnxruntime {onnxruntime.__version__} quantize_dynamic", "weight_type": "QInt8",
            "per_channel": PER_CHANNEL, "reduce_range": REDUCE_RANGE}}
        del quantized.metadata_props[:]
        for key, value in (("vocab", props["vocab"]), ("card", json.dumps(card))):
            entry = quantized.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(quantized, str(tmp))
        os.replace(tmp, twin)
    finally:
        tmp.unlink(missing_ok=True)
    return twin


def main(argv: Sequence[str] | None = None) -> int:
    """Write the int8 twin of each float32 model named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m composer.training.quantize",
                                     description="Write NAME.int8.onnx beside each float32 NAME.onnx.")
    parser.add_argument("models", nargs="+", type=Path, metavar="MODEL.onnx")
    args = parser.parse_args(argv)
    for model in args.models:
        try:
            twin = write_int8_twin(model)
        except (ComposerError, OSError) as exc:
            print(f"quantize: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {twin} ({twin.stat().st_size / 1e6:.1f} MB) from {model} ({model.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
