"""Does adding a collection to the default corpus help on folk-dance tunes? Two runs side by side decide it.

Run: .venv/bin/python benchmarks/corpus_addition.py --add music21:essenFolksong [--preset default] [--minutes 30]
Trains the preset twice for the same time, as two processes sharing the machine (one thread each): on the default
corpus, and on the default corpus plus the added sources. Both models are then scored on the same tunes: the
default corpus's validation tunes (folk-dance tunes neither run trained on) and the unseen tunebooks. Prints nats
per body character for each, and their difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from budget_training import UNSEEN_TUNEBOOKS, train_for

from composer.training.config import load_preset
from composer.training.corpus import DEFAULT_CORPUS, build_corpus, read_tunes
from composer.training.loop import evaluate


def train_and_score(preset_name: str, added: list[str], minutes: float, threads: int) -> dict:
    """Train `preset_name` on the default corpus plus `added` for `minutes`; score it on the default corpus's
    validation tunes and on the unseen tunebooks."""
    preset = load_preset(preset_name)
    folk = build_corpus(DEFAULT_CORPUS, preset.train.validation_fraction)
    corpus = build_corpus([*DEFAULT_CORPUS, *added], preset.train.validation_fraction) if added else folk
    run = train_for(preset, corpus, minutes, threads)
    progress = run.trainer.progress
    folk_validation, _ = evaluate(run.trainer.core_model, [t.text for t in folk.validation])
    unseen_texts = [text for _, _, text in read_tunes(UNSEEN_TUNEBOOKS)]
    unseen, _ = evaluate(run.trainer.core_model, unseen_texts)
    return {"train_tunes": len(corpus.train), "train_chars": sum(len(t.text) for t in corpus.train),
            "steps": progress.step, "chars_seen": progress.chars_seen, "chars_per_second": run.chars_per_second,
            "folk_validation": folk_validation, "folk_validation_tunes": len(folk.validation), "unseen": unseen,
            "unseen_tunes": len(unseen_texts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", nargs="+", required=True, help="sources to add to the default corpus")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--one", choices=["base", "added"], help=argparse.SUPPRESS)  # a child process's run
    args = parser.parse_args()
    if args.one:
        added = args.add if args.one == "added" else []
        print(json.dumps(train_and_score(args.preset, added, args.minutes, threads=1)))
        return
    children = {
        which: subprocess.Popen([sys.executable, __file__, "--add", *args.add, "--preset", args.preset,
                                 "--minutes", str(args.minutes), "--one", which], stdout=subprocess.PIPE, text=True)
        for which in ("base", "added")
    }
    results = {}
    for which, child in children.items():
        out, _ = child.communicate()
        if child.returncode:
            sys.exit(f"the {which} run failed (exit {child.returncode})")
        results[which] = json.loads(out.strip().splitlines()[-1])
    print(f"preset {args.preset}, {args.minutes:g} minutes each, side by side, one thread each\n")
    print("| corpus | training tunes | training chars | steps | chars seen | chars/s | "
          f"folk validation ({results['base']['folk_validation_tunes']} tunes) | "
          f"unseen ({results['base']['unseen_tunes']} tunes) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for which, label in (("base", "default"), ("added", "default + " + " + ".join(args.add))):
        r = results[which]
        print(f"| {label} | {r['train_tunes']:,} | {r['train_chars']:,} | {r['steps']} | {r['chars_seen']:,} | "
              f"{r['chars_per_second']:,.0f} | {r['folk_validation']:.3f} | {r['unseen']:.3f} |")
    for key in ("folk_validation", "unseen"):
        change = results["added"][key] - results["base"][key]
        print(f"{key}: {change:+.3f} nats/char with the addition ({'better' if change < 0 else 'worse'})")


if __name__ == "__main__":
    main()
