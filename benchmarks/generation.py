"""Generation speed: this engine (float32 and int8 files) vs PyTorch eager vs re-feeding a 100-character window.

    nice -n 15 .venv/bin/python benchmarks/generation.py [--model models/default.onnx] [--steps 400]

One side-by-side run on the shipped default model (or `--model`, a float32 file): every timing round runs each
contender once, in turn, so all of them meet the same load. Prints ms/step and chars/s at batch 1 and 8 for: this
engine (ONNX Runtime, stepwise with carried LSTM state, allow_spinning off) on the float32 file and on its int8
twin `NAME.int8.onnx` (when there is one), PyTorch eager on the same float32 weights (rebuilt from the checkpoint
next to the model, else read back from the ONNX file) stepping the same way, and the window approach of the
common write-ups (each new character re-feeds the last 100 characters from a zero state, through ONNX Runtime,
on the model the app runs). Then the wall time of 8 constrained variations × 16 bars continuing a Nottingham reel
after two bars, with each file. Ends with `ratio_int8_vs_fp32_b1=`, `ratio_int8_vs_fp32_b8=`,
`ratio_vs_torch_b1=` and `ratio_vs_window_b1=` (for the model the app runs: the int8 twin when there is one),
`variations_8x16_seconds=` (the same model), `variations_8x16_seconds_float32=` and
`ratio_variations_int8_vs_fp32=`, one per line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
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


def side_by_side(runs: int, contenders: dict[str, tuple[Callable[[], None], int]]) -> dict[str, float]:
    """Median ms per step of each contender (fn, steps per call), timed in turns: each round runs every one once,
    the order reversed every other round, so a change in the machine's load meets all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for fn, _steps in contenders.values():
        fn()  # warm-up: sessions, allocations, caches
    names = list(contenders)
    for round_ in range(runs):
        for name in names if round_ % 2 == 0 else reversed(names):
            fn, steps = contenders[name]
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) / steps * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def engine_run(model: OnnxModel, batch: int, steps: int) -> tuple[Callable[[], None], int]:
    """Prime once, then `steps` single-character steps carrying the state."""
    rng = np.random.default_rng(0)
    prime = np.asarray(encode(PRIME_TEXT), dtype=np.int64)[None, :].repeat(batch, axis=0)

    def run() -> None:
        _, state = model.run(prime, model.zero_state(batch))
        for _ in range(steps):
            tokens = rng.integers(1, 95, size=(batch, 1), dtype=np.int64)
            _, state = model.run(tokens, state)

    return run, steps


def window_run(model: OnnxModel, batch: int, steps: int) -> tuple[Callable[[], None], int]:
    """Each step re-feeds the last WINDOW characters from a zero state."""
    rng = np.random.default_rng(0)
    history = np.asarray(encode(PRIME_TEXT * 3), dtype=np.int64)[-WINDOW:][None, :].repeat(batch, axis=0)
    steps = max(steps // 4, 20)

    def run() -> None:
        window = history
        for _ in range(steps):
            model.run(window, model.zero_state(batch))
            tokens = rng.integers(1, 95, size=(batch, 1), dtype=np.int64)
            window = np.concatenate([window[:, 1:], tokens], axis=1)

    return run, steps


def torch_model(model_path: Path):
    """The torch CharLSTM with the same weights: from the checkpoint beside the model, else from the ONNX file."""

    from composer.training.checkpoint import load_checkpoint, model_from_checkpoint
    from composer.training.export import model_from_onnx

    checkpoint = model_path.with_suffix(".pt")
    if checkpoint.is_file():
        return model_from_checkpoint(load_checkpoint(checkpoint)).eval(), f"checkpoint {checkpoint.name}"
    return model_from_onnx(model_path).eval(), f"weights read back from {model_path.name}"


def torch_run(net, batch: int, steps: int) -> tuple[Callable[[], None], int]:
    import torch

    rng = np.random.default_rng(0)
    prime = torch.tensor(encode(PRIME_TEXT), dtype=torch.long)[None, :].repeat(batch, 1)

    def run() -> None:
        with torch.inference_mode():
            _, state = net(prime)
            for _ in range(steps):
                tokens = torch.from_numpy(rng.integers(1, 95, size=(batch, 1)))
                _, state = net(tokens, state)

    return run, steps


def variations_request() -> Request:
    """8 constrained variations × 16 bars continuing the first Nottingham reel after two bars of its A part."""
    from composer.abc.corpora import nottingham_dir

    tune = read_tunebook(nottingham_dir() / "reelsa-c.abc").tunes[0]
    first = next(b for b in tune.body if "|:" in b.text)
    second_bar_line = [i for i, ch in enumerate(first.text) if ch == "|"][2]
    cut = continuation_of(tune, first.line, second_bar_line + 2)
    return Request(cut.prime, 8, SamplingOptions(seed=1), constrain=True, max_bars=16)


def variations_seconds(models: dict[str, OnnxModel],
                       runs: int = 3) -> dict[str, tuple[float, list[str], list[int], int]]:
    """Median wall time of the 8 × 16-bar request with each model, timed in turns, with the reasons its
    candidates stopped, the bars each wrote and the characters written in all (the files sample different
    text from the same seed)."""
    request = variations_request()
    generators = {name: Generator(model) for name, model in models.items()}
    last = {}

    def timed(name: str):
        def run() -> None:
            last[name] = generators[name].generate(request)
        return run, 1

    seconds = side_by_side(runs, {name: timed(name) for name in models})
    before = AbcState.for_prime(request.prime).bars_done
    out = {}
    for name, results in last.items():
        bars = [AbcState.for_prime(request.prime + r.text).bars_done - before for r in results]
        out[name] = (seconds[name] / 1000, [r.reason for r in results], bars, sum(len(r.text) for r in results))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a float32 model (its int8 twin beside it)")
    parser.add_argument("--steps", type=int, default=400, help="characters per timing run")
    parser.add_argument("--runs", type=int, default=5, help="timing rounds (the median is reported)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both ONNX Runtime and torch (default 1: equal footing on a busy machine)")
    args = parser.parse_args()
    models = {"float32": OnnxModel(args.model, weights="float32", threads=args.threads)}
    int8 = OnnxModel(args.model, weights="int8", threads=args.threads)
    if int8.weights == "int8":
        models["int8"] = int8
    else:
        print(f"no int8 twin beside {models['float32'].path.name}: float32 rows only")
    app = "int8" if "int8" in models else "float32"  # the file the app and the commands run
    import torch

    torch.set_num_threads(args.threads)
    print(f"threads: {args.threads} for ONNX Runtime (allow_spinning off) and for torch")
    for name, model in models.items():
        print(f"{name}: {model.describe()} ({model.path.stat().st_size / 1e6:.1f} MB)")
    net, source = torch_model(models["float32"].path)
    print(f"torch eager: {source}")
    figures = {}
    for batch in (1, 8):
        contenders = {f"engine {name}": engine_run(model, batch, args.steps) for name, model in models.items()}
        contenders["torch eager"] = torch_run(net, batch, args.steps)
        contenders[f"window {app}"] = window_run(models[app], batch, args.steps)
        for name, ms in side_by_side(args.runs, contenders).items():
            figures[(name, batch)] = ms
            print(f"{name:15s} batch {batch}: {ms:8.3f} ms/step  {batch * 1000 / ms:10.0f} chars/s", flush=True)
    variations = variations_seconds(models, args.runs)
    for name, (seconds, reasons, bars, chars) in variations.items():
        print(f"8 variations x 16 bars (constrained), {name}: {seconds:.3f} s for {chars} characters "
              f"({seconds * 1000 / chars:.3f} ms each), stopped at {reasons}, bars written {bars}")
    engine = figures[(f"engine {app}", 1)]
    if "int8" in models:
        for batch in (1, 8):
            print(f"ratio_int8_vs_fp32_b{batch}="
                  f"{figures[('engine float32', batch)] / figures[('engine int8', batch)]:.2f}")
    print(f"ratio_vs_torch_b1={figures[('torch eager', 1)] / engine:.2f}")
    print(f"ratio_vs_window_b1={figures[(f'window {app}', 1)] / engine:.2f}")
    print(f"variations_8x16_seconds={variations[app][0]:.3f}")
    if "int8" in models:
        print(f"variations_8x16_seconds_float32={variations['float32'][0]:.3f}")
        print(f"ratio_variations_int8_vs_fp32={variations['int8'][0] / variations['float32'][0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
