"""Train every preset on the same corpus for the same short time budget and print their validation losses.

Run: .venv/bin/python benchmarks/preset_comparison.py [--minutes 3] [--threads 2] [--presets a b ...]
       [--unseen TUNEBOOK ...] [--keep DIR]
Prints a Markdown table (the one in models/README.md) with nats per body character on the validation tunes and
on unseen tunes (a tunebook in none of the training collections); `--keep` saves each trained model as ONNX.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from budget_training import UNSEEN_TUNEBOOKS, train_for

from composer.training.config import load_preset, preset_names
from composer.training.corpus import DEFAULT_CORPUS, build_corpus, read_tunes
from composer.training.export import export_onnx, make_card
from composer.training.loop import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--presets", nargs="*", default=[n for n in preset_names() if n != "tiny"])
    parser.add_argument("--unseen", nargs="+", default=UNSEEN_TUNEBOOKS,
                        help="tunebooks in none of the training collections")
    parser.add_argument("--keep", type=Path, help="folder to save each trained model in, as NAME.onnx")
    args = parser.parse_args()
    corpus = build_corpus(DEFAULT_CORPUS, 0.05)
    unseen = [text for _, _, text in read_tunes(args.unseen)]
    rows = []
    for name in args.presets:
        run = train_for(load_preset(name), corpus, args.minutes, args.threads)
        trainer, rate, finished = run.trainer, run.chars_per_second, run.finished
        progress = trainer.progress
        unseen_nats, _ = evaluate(trainer.core_model, unseen)
        row = (name, trainer.core_model.parameter_count(), rate, progress.step, progress.chars_seen,
               finished.best_nats_per_char, unseen_nats)
        rows.append(row)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            card = make_card(trainer.core_model, name, steps=progress.step, minutes=args.minutes,
                             validation_nats_per_char=round(finished.best_nats_per_char, 4))
            export_onnx(trainer.core_model, args.keep / f"{name}.onnx", card)
        print(f"{name}: {row[1]} parameters, {rate:.0f} chars/s, {row[3]} steps, {row[4]} chars, "
              f"{row[5]:.4f} nats/char validation, {row[6]:.4f} unseen ({len(unseen)} tunes)", flush=True)
    print(f"\n| preset | parameters | chars/s | steps in {args.minutes:g} min | characters seen | "
          "validation nats/char | unseen nats/char |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, params, rate, steps, chars, nats, unseen_nats in sorted(rows, key=lambda r: r[-2]):
        print(f"| {name} | {params:,} | {rate:,.0f} | {steps} | {chars:,} | {nats:.3f} | {unseen_nats:.3f} |")


if __name__ == "__main__":
    main()
