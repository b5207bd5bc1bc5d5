"""Training throughput of a preset in chars/s, and the GFLOP/s it achieves against this machine's float32 matmul peak.

Run: .venv/bin/python benchmarks/train_throughput.py [--preset default] [--threads N]
The peak is torch.mm on square float32 matrices (MKL sgemm); on AMD CPUs oneDNN's LSTM kernels can outrun it.
Both figures are measured in the same run, with the same thread count.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from composer.training.config import load_preset
from composer.training.lstm import CharLSTM


def matmul_peak_gflops(size: int = 1024, seconds: float = 3.0) -> float:
    """Best float32 GEMM rate over repeated size×size products."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(4):
            torch.mm(a, b)
        best = max(best, 4 * 2 * size**3 / (time.perf_counter() - start) / 1e9)
    return best


def training_flops_per_char(model: CharLSTM) -> float:
    """Matmul FLOPs per character for forward + backward (backward ≈ 2× forward)."""
    config = model.config
    forward = 0
    inputs = config.embedding
    for hidden in config.layers:
        forward += 2 * 4 * hidden * (inputs + hidden)
        inputs = hidden
    for width in config.dense:
        forward += 2 * inputs * width
        inputs = width
    forward += 2 * inputs * config.vocab_size
    return 3 * forward


def chars_per_second(model: CharLSTM, batch: int, seq_len: int, seconds: float) -> float:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    tokens = torch.randint(0, model.config.vocab_size, (batch, seq_len + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]

    def step() -> None:
        logits, _ = model(inputs)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch * seq_len / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    preset = load_preset(args.preset)
    model = CharLSTM(preset.model)
    peak = matmul_peak_gflops()
    rate = chars_per_second(model, preset.train.batch_size, preset.train.seq_len, args.seconds)
    achieved = rate * training_flops_per_char(model) / 1e9
    print(f"preset={preset.name} parameters={model.parameter_count()} threads={args.threads} "
          f"batch={preset.train.batch_size}x{preset.train.seq_len}")
    print(f"matmul_peak_gflops={peak:.1f}")
    print(f"chars_per_second={rate:.0f}")
    print(f"achieved_gflops={achieved:.1f}")
    print(f"fraction_of_peak={achieved / peak:.2f}")


if __name__ == "__main__":
    main()
