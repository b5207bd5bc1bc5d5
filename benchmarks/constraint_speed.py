"""How fast the constrained-decoding machine reads characters: `advance` calls per second on real tunes.

    nice .venv/bin/python benchmarks/constraint_speed.py [--against OTHER_CHECKOUT] [--rounds N] [--tunes N]

Two figures, each the best of 3 passes over the reels, jigs and hornpipes of `benchmarks/data/unseen_session.abc`:

- **lenient**: every character of each tune's canonical text through a lenient `FormState` (what reading a prime
  and the suggestion cache's upkeep do), in characters per second;
- **strict**: from every bar line of each tune's body, the machine kept with the tune's own form (`FormState.kept`,
  made outside the timing) walks the next bar as written; at every character it tries all the vocabulary (what
  a mask costs) and takes the written one. In `advance` calls per second.

With `--against`, both checkouts run alternately in child processes (`--rounds` times each, so a busy machine's
load falls on both alike) and the ratios this/other are printed side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data" / "unseen_session.abc"


def measure(tree: Path, tunes: int | None) -> dict[str, float]:
    """The figures for the checkout at `tree` (imported from there)."""
    sys.path.insert(0, str(tree))
    from composer.abc.tunebook import read_tunebook
    from composer.model.canonical import canonical_text
    from composer.model.form import Form
    from composer.model.form_state import FormState
    from composer.model.vocab import VOCAB

    texts = [canonical_text(t) for t in read_tunebook(DATA) if t.rhythm in ("reel", "jig", "hornpipe")][:tunes]
    starts = []
    for text in texts:
        reading = FormState.for_prime(text, strict=False)
        parts = reading.written().parts
        form = Form(parts) if parts else None
        state = FormState.for_prime("", strict=False)
        for end, ch in enumerate(text):
            state = state.advance(ch) or state
            if ch == "|" and "\nK:" in text[:end] and end + 1 < len(text) and text[end + 1] not in "|:]":
                starts.append((state.kept(text[: end + 1], form), text[end + 1:text.find("|", end + 1) + 1]))

    def lenient() -> int:
        for text in texts:
            state = FormState.for_prime("", strict=False)
            for ch in text:
                state = state.advance(ch) or state
        return sum(len(t) for t in texts)

    def strict() -> int:
        calls = 0
        for state, bar in starts:
            for ch in bar:
                for other in VOCAB:
                    state.advance(other)
                calls += len(VOCAB) + 1
                state = state.advance(ch)
                if state is None:
                    break
        return calls

    figures = {}
    for name, work in (("lenient", lenient), ("strict", strict)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            count = work()
            best = min(best, time.perf_counter() - start)
        figures[name] = count / best
    figures["tunes"], figures["bars"] = len(texts), len(starts)
    return figures


def compare(other: Path, rounds: int, tunes: int | None) -> None:
    """Both checkouts alternately in child processes; each figure's median and the ratio this/other."""
    runs: dict[Path, list[dict[str, float]]] = {REPO: [], other: []}
    extra = [] if tunes is None else ["--tunes", str(tunes)]
    for _ in range(rounds):
        for tree in (other, REPO):
            out = subprocess.run([sys.executable, __file__, "--tree", str(tree), *extra], check=True,
                                 capture_output=True, text=True).stdout
            runs[tree].append(json.loads(out))
    first = runs[REPO][0]
    print(f"constraint speed: {first['tunes']:.0f} tunes, {first['bars']:.0f} bars walked strictly, "
          f"{rounds} alternations; this = {REPO}, other = {other}")
    for name, unit in (("lenient", "chars/s"), ("strict", "advance calls/s")):
        mine = statistics.median(r[name] for r in runs[REPO])
        theirs = statistics.median(r[name] for r in runs[other])
        print(f"  {name:8s} this {mine:10,.0f} {unit}, other {theirs:10,.0f} {unit}: {mine / theirs:.2f}x "
              f"(each run: this {', '.join(f'{r[name]:,.0f}' for r in runs[REPO])}; "
              f"other {', '.join(f'{r[name]:,.0f}' for r in runs[other])})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, default=None, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tunes", type=int, default=None, help="only the first N tunes")
    parser.add_argument("--tree", type=Path, default=None, help=argparse.SUPPRESS)  # a child run: JSON out
    args = parser.parse_args()
    if args.tree is not None:
        print(json.dumps(measure(args.tree.resolve(), args.tunes)))
    elif args.against is not None:
        compare(args.against.resolve(), args.rounds, args.tunes)
    else:
        figures = measure(REPO, args.tunes)
        print(f"constraint speed: {figures['tunes']:.0f} tunes, {figures['bars']:.0f} bars walked strictly")
        print(f"  lenient {figures['lenient']:,.0f} chars/s; strict {figures['strict']:,.0f} advance calls/s")


if __name__ == "__main__":
    main()
