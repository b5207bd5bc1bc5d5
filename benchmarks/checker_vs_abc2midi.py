"""Compare the checker's bar-length warnings with Debian abc2midi's, tune by tune, and print the figures.

Usage: python benchmarks/checker_vs_abc2midi.py [--sample N] [--collection NAME ...] [--list]
Prints, per collection, how many tunes the checker flags exactly the same bars as abc2midi, then the
mismatching tunes with the bars only one side flags.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.abc.abc2midi import bar_places, run_abc2midi  # noqa: E402
from composer.abc.checker import check_tune  # noqa: E402
from composer.abc.corpora import collection_tunes  # noqa: E402


def checker_places(tune) -> set[tuple[int, int]]:
    return {(d.line, d.column) for d in check_tune(tune) if d.message.startswith("bar length")}


def compare(tune, options: tuple[str, ...]) -> tuple[set, set]:
    judge = bar_places(tune, run_abc2midi(tune, options))
    ours = checker_places(tune)
    return judge - ours, ours - judge


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="a fixed random sample of N tunes a collection")
    parser.add_argument("--collection", action="append", help="only these collections")
    parser.add_argument("--list", action="store_true", help="list every mismatching tune")
    parser.add_argument("--keep-fermatas", action="store_true",
                        help="let abc2midi lengthen fermata notes (by default it runs with -NFER)")
    args = parser.parse_args()
    options = () if args.keep_fermatas else ("-NFER",)
    total_same = total = 0
    for name, tunes in collection_tunes(args.collection):
        if args.sample and len(tunes) > args.sample:
            tunes = random.Random(0).sample(tunes, args.sample)
        start = time.perf_counter()
        mismatches = []
        for tune in tunes:
            only_judge, only_ours = compare(tune, options)
            if only_judge or only_ours:
                mismatches.append((tune, only_judge, only_ours))
        same = len(tunes) - len(mismatches)
        total_same += same
        total += len(tunes)
        print(f"{name:14s} {same:5d}/{len(tunes):5d} tunes agree ({100 * same / max(len(tunes), 1):.1f}%)"
              f"  [{time.perf_counter() - start:.1f}s]")
        if args.list:
            for tune, only_judge, only_ours in mismatches:
                print(f"  {Path(tune.path).name}:{tune.line} {tune.label}")
                for line, col in sorted(only_judge):
                    print(f"      abc2midi only {line}:{col}  {tune_line(tune, line)}")
                for line, col in sorted(only_ours):
                    print(f"      checker only  {line}:{col}  {tune_line(tune, line)}")
    print(f"{'all':14s} {total_same:5d}/{total:5d} tunes agree ({100 * total_same / max(total, 1):.1f}%)")
    return 0


def tune_line(tune, line: int) -> str:
    index = line - tune.line
    return tune.source_lines[index].rstrip("\n") if 0 <= index < len(tune.source_lines) else ""


if __name__ == "__main__":
    sys.exit(main())
