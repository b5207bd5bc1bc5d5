"""Suggestions as you type: latency and state upkeep against one model step, and how often the real next bar is offered.

    nice .venv/bin/python benchmarks/suggest.py [--model models/default.onnx] [--weights int8|float32] [--tunes N]
                                                [--rounds N]

**Latency** (the shipped model as the app runs it): the longest reel (AABB, 32 bars played) of
`benchmarks/data/unseen_session.abc` is typed a character at a time through the state cache. Each keystroke
updates the cache (its time is the upkeep); at every bar's end 3 suggestions are asked for (trigger to
suggestions), `--rounds` times with different seeds (3 by default, so a busy machine's stalls weigh less in the
median). One model step (a batch-1 call from a state) is timed in between, so the ratios are measured side by side
under the same load. Targets: 3 suggestions within 30 steps, upkeep within 2 steps. The time to turn the
source into the model's canonical text (parsing the tune up to the cursor) is printed beside it.

**Quality**: every tune of the tunebook is cut at each bar line of its first part; the model proposes the next
bar three times (seed = cut index). Reported: how often the real next bar is among the 3 suggestions (notes
compared exactly, spaces ignored), with and without the repeats of earlier bars the suggestions include, and the
model's per-character loss on the real bar, against a baseline that repeats the bar four bars back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from composer.abc.tunebook import read_tunebook  # noqa: E402
from composer.model.canonical import canonical_text  # noqa: E402
from composer.model.form_state import FormState  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.model.rewrite import bars_of  # noqa: E402
from composer.model.sampling import SamplingOptions  # noqa: E402
from composer.model.state_cache import StateCache  # noqa: E402
from composer.model.suggest import SUGGESTION_SAMPLING, ends_at_bar, prime_before_cursor, suggest_next_bar  # noqa: E402
from composer.model.vocab import encode  # noqa: E402
from composer.paths import WEIGHTS  # noqa: E402

UNSEEN = REPO / "benchmarks" / "data" / "unseen_session.abc"


def step_time(model: OnnxModel, state, repeats: int = 20) -> float:
    """Median seconds of one batch-1 model step from `state`."""
    token = np.asarray([[encode("A")[0]]], dtype=np.int64)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        model.run(token, state)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class TimedModel:
    """The model with the time of every call recorded (what a step costs inside the work, not back to back)."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.times: list[float] = []

    def run(self, tokens, state):
        t = time.perf_counter()
        out = self.model.run(tokens, state)
        self.times.append(time.perf_counter() - t)
        return out

    def zero_state(self, batch: int = 1):
        return self.model.zero_state(batch)


def latency(model: OnnxModel, rounds: int = 3) -> None:
    book = read_tunebook(UNSEEN)
    reel = max((t for t in book if t.rhythm == "reel"), key=lambda t: len(canonical_text(t)))  # 32 bars played
    source = "".join(reel.source_lines)
    body = source.index("\nK:") + 1
    body = source.index("\n", body) + 1
    timed = TimedModel(model)
    cache = StateCache(timed)  # type: ignore[arg-type]
    upkeep, canonical, suggest, steps, calls, fed, inside = [], [], [], [], [], [], []
    for end in range(body, len(source) + 1):
        t = time.perf_counter()
        prime = prime_before_cursor(source[:end])
        canonical.append(time.perf_counter() - t)
        t = time.perf_counter()
        fed.append(cache.update(prime).fed)
        upkeep.append(time.perf_counter() - t)
        if end % 4 == 0:
            steps.append(step_time(model, cache.at_end().state, 3))
        for round_ in range(rounds if ends_at_bar(cache) and source[end - 1] == "|" else 0):
            before = len(timed.times)
            t = time.perf_counter()
            result = suggest_next_bar(cache, sampling=SamplingOptions(temperature=SUGGESTION_SAMPLING.temperature,
                                                                      top_p=SUGGESTION_SAMPLING.top_p,
                                                                      seed=end + 1000 * round_))
            suggest.append(time.perf_counter() - t)
            inside += timed.times[before:]
            calls.append(result.calls)
            steps.append(step_time(model, cache.at_end().state, 3))
    step = statistics.median(steps)
    step_inside = statistics.median(inside)
    model_share = sum(inside) / sum(suggest)
    print(f"latency: {reel.label} ({len(bars_of(canonical_text(reel)))} bars written, {len(source) - body} characters "
          f"typed), "
          f"{model.describe()}")
    print(f"  one model step, batch 1, back to back (median of {len(steps) * 3}): {step * 1000:.2f} ms; a step as "
          f"it runs inside the suggestions (batch 3, between constraint work): median {step_inside * 1000:.2f} ms")
    print(f"  trigger -> 3 suggestions ({len(suggest) // rounds} bar ends x {rounds}): "
          f"median {statistics.median(suggest) * 1000:.1f} ms "
          f"= {statistics.median(suggest) / step:.1f} steps, 90th percentile "
          f"{np.percentile(suggest, 90) / step:.1f} steps, max {max(suggest) / step:.1f} steps "
          f"(target <= 30); = {statistics.median(suggest) / step_inside:.1f} steps as they run inside; model calls per "
          f"suggestion: median {statistics.median(calls):.0f}, {model_share:.0%} of the time in the model, the rest "
          "in the constraint and sampling (Python)")
    print(f"  state upkeep per keystroke: median {statistics.median(upkeep) * 1000:.2f} ms "
          f"= {statistics.median(upkeep) / step:.2f} steps, mean {statistics.mean(upkeep) / step:.2f} steps, "
          f"90th percentile {np.percentile(upkeep, 90) / step:.2f} steps (target <= 2); characters fed: "
          f"{sum(fed)} for {len(upkeep)} keystrokes")
    print(f"  source -> canonical text per keystroke (parsing, not the model): median "
          f"{statistics.median(canonical) * 1000:.2f} ms = {statistics.median(canonical) / step:.2f} steps")


def _notes(text: str) -> str:
    return "".join(text.split()).rstrip("|:]").lstrip("|:")


def _loss(logits: np.ndarray, text: str) -> float:
    scaled = logits.astype(np.float64)
    scaled -= scaled.max(axis=-1, keepdims=True)
    log_probs = scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(len(text)), encode(text)].sum())


def quality(model: OnnxModel, tunes: int | None) -> None:
    book = read_tunebook(UNSEEN)
    cuts = hits = repeat_hits = sampled_hits = from_repeat = late_hits = 0
    real_nats = chars = repeat_chars = 0.0
    for tune in list(book)[:tunes]:
        text = canonical_text(tune)
        bars = [b for b in bars_of(text) if b.number >= 1]
        first_part = FormState.for_prime(text, strict=False).written().parts
        part_bars = first_part[0].bars if first_part else 8
        cache = StateCache(model)
        for index, bar in enumerate(bars[:part_bars - 1]):
            nxt = bars[index + 1]
            cut = text[:bar.line_end]
            cache.update(cut)
            result = suggest_next_bar(cache, sampling=SamplingOptions(temperature=SUGGESTION_SAMPLING.temperature,
                                                                      top_p=SUGGESTION_SAMPLING.top_p, seed=cuts))
            real = text[bar.line_end:nxt.line_end]
            cuts += 1
            hit = next((s for s in result.items if _notes(s.text) == _notes(real)), None)
            hits += hit is not None
            from_repeat += hit is not None and hit.source != "model"
            sampled = suggest_next_bar(cache, sampling=SamplingOptions(temperature=SUGGESTION_SAMPLING.temperature,
                                                                       top_p=SUGGESTION_SAMPLING.top_p, seed=cuts),
                                       repeats=())
            sampled_hits += any(_notes(s.text) == _notes(real) for s in sampled.items)
            point = cache.at_end()
            logits, _ = model.run(np.asarray([encode(real[:-1])], dtype=np.int64), point.state)
            real_nats += _loss(np.concatenate([point.logits[None], logits[0]]), real)
            chars += len(real)
            if index >= 3:  # the baseline: the bar four bars back
                late_hits += hit is not None
                back = bars[index + 1 - 4]
                repeat_hits += _notes(text[back.start:back.end]) == _notes(real)
                repeat_chars += 1
    print(f"quality: {cuts} cuts in the first parts of {min(tunes or len(book), len(book))} unseen tunes")
    print(f"  real next bar among the 3 suggestions: {hits / cuts:.1%} ({hits}/{cuts}; {from_repeat} of them the "
          "repeat of the bar 4 or 8 back that the suggestions include)")
    print(f"  the same with sampled bars only (no repeats offered): {sampled_hits / cuts:.1%} ({sampled_hits}/{cuts})")
    late = int(repeat_chars)
    print(f"  on the {late} cuts with four bars before them: suggestions {late_hits / max(late, 1):.1%} "
          f"({late_hits}/{late}), baseline 'the bar four bars back' {repeat_hits / max(late, 1):.1%} "
          f"({repeat_hits}/{late})")
    print(f"  model loss on the real next bar: {real_nats / chars:.3f} nats/char")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weights", choices=WEIGHTS, default="int8")
    parser.add_argument("--tunes", type=int, default=None, help="quality over the first N tunes (default: all)")
    parser.add_argument("--skip", choices=("latency", "quality"), default=None)
    parser.add_argument("--rounds", type=int, default=3, help="suggestions asked for at each bar end (latency)")
    args = parser.parse_args()
    model = OnnxModel(args.model, weights=args.weights)
    print(f"load: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
    if args.skip != "latency":
        latency(model, args.rounds)
    if args.skip != "quality":
        quality(model, args.tunes)


if __name__ == "__main__":
    main()
