"""Generation speed: this engine vs PyTorch eager on the same weights vs re-feeding a 100-character window.

    nice -n 15 .venv/bin/python benchmarks/generation.py [--model models/default.onnx] [--steps 400]

One run on the shipped default model (or `--model`). Prints ms/char and chars/s at batch 1 and 8 for: this engine
(ONNX Runtime, stepwise with carried LSTM state), PyTorch eager on the same weights (rebuilt from the checkpoint
next to the model, else read back from the ONNX file) stepping the same way, and the window approach of the
common write-ups (each new character re-feeds the last 100 characters from a zero state, through ONNX Runtime).
Then the wall time of 8 constrained variations × 16 bars continuing a Nottingham reel after two bars. Ends with
`ratio_vs_torch_b1=`, `ratio_vs_window_b1=` and `variations_8x16_seconds=`, one per line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from composer.abc.tunebook import read_tunebook  # noqa: E402
from composer.model.constraint import AbcState  # noqa: E402
from composer.model.generate import Generator, Request, continuation_of  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.model.sampling import SamplingOptions  # noqa: E402
from composer.model.vocab import encode  # noqa: E402

WINDOW = 100
PRIME_TEXT = "X:1\nT:Bench\nR:reel\nM:4/4\nL:1/8\nK:D\n|:A2FA DAFA|d2fd edcB|A2FA DAFA|GABc d2:|\n"


def best_of(runs: int, fn) -> float:
    """The median of `runs` timings of fn() in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_ms_per_char(model: OnnxModel, batch: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    prime = np.asarray(encode(PRIME_TEXT), dtype=np.int64)[None, :].repeat(batch, axis=0)

    def run() -> None:
        _, state = model.run(prime, model.zero_state(batch))
        for _ in range(steps):
            tokens = rng.integers(1, 95, size=(batch, 1), dtype=np.int64)
            _, state = model.run(tokens, state)

    return best_of(3, run) / steps * 1000


def window_ms_per_char(model: OnnxModel, batch: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    history = np.asarray(encode(PRIME_TEXT * 3), dtype=np.int64)[-WINDOW:][None, :].repeat(batch, axis=0)
    steps = max(steps // 4, 20)

    def run() -> None:
        window = history
        for _ in range(steps):
            model.run(window, model.zero_state(batch))
            tokens = rng.integers(1, 95, size=(batch, 1), dtype=np.int64)
            window = np.concatenate([window[:, 1:], tokens], axis=1)

    return best_of(3, run) / steps * 1000


def torch_model(model_path: Path):
    """The torch CharLSTM with the same weights: from the checkpoint beside the model, else from the ONNX file."""

    from composer.training.checkpoint import load_checkpoint, model_from_checkpoint
    from composer.training.export import model_from_onnx

    checkpoint = model_path.with_suffix(".pt")
    if checkpoint.is_file():
        return model_from_checkpoint(load_checkpoint(checkpoint)).eval(), f"checkpoint {checkpoint.name}"
    return model_from_onnx(model_path).eval(), f"weights read back from {model_path.name}"


def torch_ms_per_char(net, batch: int, steps: int) -> float:
    import torch

    rng = np.random.default_rng(0)
    prime = torch.tensor(encode(PRIME_TEXT), dtype=torch.long)[None, :].repeat(batch, 1)

    def run() -> None:
        with torch.inference_mode():
            _, state = net(prime)
            for _ in range(steps):
                tokens = torch.from_numpy(rng.integers(1, 95, size=(batch, 1)))
                _, state = net(tokens, state)

    return best_of(3, run) / steps * 1000


def variations_seconds(model: OnnxModel) -> tuple[float, list[str], list[int]]:
    """Wall time of 8 constrained variations × 16 bars continuing the first Nottingham reel after two bars,
    with the reasons the candidates stopped and the bars each wrote."""
    from composer.abc.corpora import nottingham_dir

    tune = read_tunebook(nottingham_dir() / "reelsa-c.abc").tunes[0]
    first = next(b for b in tune.body if "|:" in b.text)
    second_bar_line = [i for i, ch in enumerate(first.text) if ch == "|"][2]
    cut = continuation_of(tune, first.line, second_bar_line + 2)  # after two bars of the A part
    generator = Generator(model)
    request = Request(cut.prime, 8, SamplingOptions(seed=1), constrain=True, max_bars=16)
    generator.generate(request)  # warm-up: session and the constraint's mask cache
    start = time.perf_counter()
    results = generator.generate(request)
    seconds = time.perf_counter() - start
    before = AbcState.for_prime(cut.prime).bars_done
    bars = [AbcState.for_prime(cut.prime + r.text).bars_done - before for r in results]
    return seconds, [r.reason for r in results], bars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--steps", type=int, default=400, help="characters per timing run")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both ONNX Runtime and torch (default 1: equal footing on a busy machine)")
    args = parser.parse_args()
    model = OnnxModel(args.model, threads=args.threads)
    import torch

    torch.set_num_threads(args.threads)
    print(f"threads: {args.threads} for ONNX Runtime and for torch")
    print(f"model: {model.describe()}")
    figures = {}
    for batch in (1, 8):
        figures[("engine", batch)] = engine_ms_per_char(model, batch, args.steps)
        figures[("window", batch)] = window_ms_per_char(model, batch, args.steps)
    net, source = torch_model(args.model)
    print(f"torch eager: {source}")
    for batch in (1, 8):
        figures[("torch", batch)] = torch_ms_per_char(net, batch, args.steps)
    for (name, batch), ms in sorted(figures.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"{name:7s} batch {batch}: {ms:8.3f} ms/char  {batch * 1000 / ms:10.0f} chars/s")
    seconds, reasons, bars = variations_seconds(model)
    print(f"8 variations x 16 bars (constrained): {seconds:.3f} s, stopped at {reasons}, bars written {bars}")
    print(f"ratio_vs_torch_b1={figures[('torch', 1)] / figures[('engine', 1)]:.2f}")
    print(f"ratio_vs_window_b1={figures[('window', 1)] / figures[('engine', 1)]:.2f}")
    print(f"variations_8x16_seconds={seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
