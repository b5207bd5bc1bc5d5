"""Rewriting bars 5-6 of unseen tunes: ranked by the music after them, against the real bars and left to right.

    nice .venv/bin/python benchmarks/rewrite_quality.py [--model models/default.onnx] [--weights int8|float32]
        [--tunes N] [--samples K]

For each tune of `benchmarks/data/unseen_session.abc` with at least 6 full bars (and no ending or comment inside
bars 5-6), bars 5-6 are blanked and K spans sampled from the prefix (seed = the tune's index). Compared, each as the
whole tune with its bars 5-6:

- **real**: the bars as written;
- **ranked by following**: the span whose following text (bar 6's bar line to the tune's end) is likeliest given
  prefix + span (what `composer rewrite` does);
- **ranked together**: the span whose own probability times the following text's is highest;
- **left to right**: the span likeliest by its own probability after the prefix, ignoring what follows (the best
  of the same K samples, as a continuation would pick it).

Figures: the whole tune's log-probability (nats, summed over the body, `score_text`), the following text's
log-probability, the span's own, and abc2midi validity (no error, no bar-length warning; tests/support's judge).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: the abc2midi judge

from composer.abc.abc2midi import abc2midi_available, run_abc2midi  # noqa: E402
from composer.abc.tunebook import read_string, read_tunebook  # noqa: E402
from composer.errors import AbcError  # noqa: E402
from composer.model.canonical import canonical_text  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.model.rewrite import REWRITE_SAMPLING, Candidate, rewrite_bars  # noqa: E402
from composer.model.sampling import SamplingOptions  # noqa: E402
from composer.model.scoring import score_text  # noqa: E402
from composer.paths import WEIGHTS  # noqa: E402

UNSEEN = REPO / "benchmarks" / "data" / "unseen_session.abc"
ARMS = ("real", "ranked by following", "ranked together", "left to right")


def valid(text: str) -> bool:
    """abc2midi reads the tune without an error or a bar-length warning."""
    tune = read_string(text).tunes[0]
    return not any(m.severity == "error" or m.is_bar_length for m in run_abc2midi(tune).messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weights", choices=WEIGHTS, default="int8")
    parser.add_argument("--tunes", type=int, default=None)
    parser.add_argument("--samples", type=int, default=16)
    args = parser.parse_args()
    if not abc2midi_available():
        sys.exit("abc2midi is not installed")
    model = OnnxModel(args.model, weights=args.weights)
    print(f"load: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores; "
          f"{model.describe()}; K={args.samples}, T={REWRITE_SAMPLING.temperature}, top-p={REWRITE_SAMPLING.top_p}")
    figures: dict[str, dict[str, list[float]]] = {arm: {"tune": [], "following": [], "own": [], "valid": []}
                                                 for arm in ARMS}
    wins = {"following beats left to right (whole tune)": 0, "following beats left to right (following text)": 0,
            "together beats left to right (whole tune)": 0}
    skipped, seconds, calls, done = {}, [], [], 0
    for index, tune in enumerate(list(read_tunebook(UNSEEN))[:args.tunes]):
        try:
            rewrite = rewrite_bars(model, tune, 5, 6, count=1, samples=args.samples,
                                   sampling=SamplingOptions(temperature=REWRITE_SAMPLING.temperature,
                                                            top_p=REWRITE_SAMPLING.top_p, seed=index))
        except AbcError as exc:
            reason = exc.message.split(":")[0].split(";")[0]
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        if not rewrite.ranked:
            skipped["no sample fits the bars"] = skipped.get("no sample fits the bars", 0) + 1
            continue
        done += 1
        seconds.append(rewrite.seconds)
        calls.append(rewrite.calls)
        picks: dict[str, Candidate] = {
            "real": rewrite.original,
            "ranked by following": max(rewrite.ranked, key=lambda c: c.following),
            "ranked together": max(rewrite.ranked, key=lambda c: c.together),
            "left to right": max(rewrite.ranked, key=lambda c: c.own),
        }
        whole = {}
        for arm, candidate in picks.items():
            text = rewrite.tune_text(candidate)
            nats, _ = score_text(model, canonical_text(read_string(text).tunes[0]))
            whole[arm] = -nats
            figures[arm]["tune"].append(-nats)
            figures[arm]["following"].append(candidate.following)
            figures[arm]["own"].append(candidate.own)
            figures[arm]["valid"].append(float(valid(text)))
        wins["following beats left to right (whole tune)"] += whole["ranked by following"] > whole["left to right"]
        wins["following beats left to right (following text)"] += (picks["ranked by following"].following
                                                                    > picks["left to right"].following)
        wins["together beats left to right (whole tune)"] += whole["ranked together"] > whole["left to right"]
    print(f"{done} tunes rewritten (bars 5-6); skipped: {skipped or 'none'}")
    print(f"cost per rewrite: median {statistics.median(seconds):.2f} s, {statistics.median(calls):.0f} model calls "
          "(machine loaded; see the load line)")
    print(f"{'':<22}{'whole tune':>12}{'following':>12}{'span':>10}{'abc2midi valid':>16}")
    for arm in ARMS:
        f = figures[arm]
        print(f"{arm:<22}{statistics.mean(f['tune']):>12.2f}{statistics.mean(f['following']):>12.2f}"
              f"{statistics.mean(f['own']):>10.2f}{statistics.mean(f['valid']):>16.1%}")
    print("(mean log-probabilities in nats; higher is likelier)")
    for name, count in wins.items():
        print(f"{name}: {count}/{done} tunes")


if __name__ == "__main__":
    main()
