"""Train every preset on the same corpus for the same short time budget and print their validation losses.

Run: .venv/bin/python benchmarks/preset_comparison.py [--minutes 3] [--threads 2] [--presets a b ...]
Prints a Markdown table (the one in models/README.md) with nats per body character on the validation tunes.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from composer.training.config import load_preset, preset_names
from composer.training.corpus import DEFAULT_CORPUS, build_corpus
from composer.training.loop import Trainer, TrainingFinished, TrainStep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--presets", nargs="*", default=[n for n in preset_names() if n != "tiny"])
    args = parser.parse_args()
    corpus = build_corpus(DEFAULT_CORPUS, 0.05)
    rows = []
    for name in args.presets:
        preset = load_preset(name)
        config = replace(preset.train, minutes=args.minutes, max_steps=None, eval_every=10**9, patience=10**9,
                         threads=args.threads)
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(preset.model, config, corpus, Path(tmp))
            rates = []
            finished = None
            for event in trainer.run():
                if isinstance(event, TrainStep):
                    rates.append(event.chars_per_second)
                elif isinstance(event, TrainingFinished):
                    finished = event
        progress = trainer.progress
        rate = sum(rates[-20:]) / max(len(rates[-20:]), 1)
        row = (name, trainer.core_model.parameter_count(), rate, progress.step, progress.chars_seen,
               finished.best_nats_per_char)
        rows.append(row)
        print(f"{name}: {row[1]} parameters, {rate:.0f} chars/s, {row[3]} steps, {row[4]} chars, "
              f"{row[5]:.4f} nats/char", flush=True)
    print(f"\n| preset | parameters | chars/s | steps in {args.minutes:g} min | characters seen | "
          "validation nats/char |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, params, rate, steps, chars, nats in sorted(rows, key=lambda r: r[-1]):
        print(f"| {name} | {params:,} | {rate:,.0f} | {steps} | {chars:,} | {nats:.3f} |")


if __name__ == "__main__":
    main()
