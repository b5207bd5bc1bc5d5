"""Quality of generated tunes: 100 seeds at temperature 1.0, constrained and unconstrained, judged by abc2midi.

    nice -n 15 .venv/bin/python benchmarks/generation_quality.py [--model models/default.onnx] [--tunes 100]
        [--weights int8|float32]

For seeds 1..N (default 100) a new tune is asked for with a header cycling through common dance types (jig 6/8
in G, reel 4/4 in D, waltz 3/4 in A, hornpipe 4/4 in Em, slip jig 9/8 in D, polka 2/4 in G), once with the music
constraint (and the form, `--form auto` as the app does; `--form none` for the music alone) and once without.
Printed per mode: the fraction of tunes with no abc2midi errors, with no bar-length
warnings, with balanced repeats and endings, that stay in the requested key and meter (no K:/M: change in the
body), that ended by themselves, and the longest run of characters copied from the training corpus (the card's
training data, else Nottingham and the music21 folk collections). The table goes into models/README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from composer.abc.abc2midi import run_abc2midi  # noqa: E402
from composer.abc.tunebook import read_string  # noqa: E402
from composer.model.canonical import body_start  # noqa: E402
from composer.model.constraint import OPEN, AbcState  # noqa: E402
from composer.model.generate import Generator, new_tune_request  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.model.sampling import SamplingOptions  # noqa: E402
from composer.paths import WEIGHTS  # noqa: E402

REQUESTS = [("jig", "6/8", "G"), ("reel", "4/4", "D"), ("waltz", "3/4", "A"), ("hornpipe", "4/4", "Em"),
            ("slip jig", "9/8", "D"), ("polka", "2/4", "G")]
DEFAULT_SOURCES = ["nottingham", "music21:oneills1850", "music21:ryansMammoth", "music21:airdsAirs",
                   "music21:miscFolk"]
_BODY_CHANGE = re.compile(r"(^|\[)[KM]:", re.M)
_REPEAT_MESSAGE = re.compile(r"repeat|:\||\|:|\[1|\[2", re.I)


def training_text(card: dict) -> str:
    """The canonical text of the training corpus, tunes separated by their empty lines."""
    from composer.training.corpus import read_tunes

    sources = card.get("training_data") or DEFAULT_SOURCES
    try:
        return "".join(text for _, _, text in read_tunes(sources))
    except Exception:  # noqa: BLE001 - a card naming data not on this machine: fall back to the collections
        return "".join(text for _, _, text in read_tunes(DEFAULT_SOURCES))


def longest_copy(body: str, corpus: str) -> int:
    """The longest substring of `body` that also occurs in `corpus`."""
    best = 0
    for start in range(len(body)):
        length = best + 1
        while start + length <= len(body) and body[start:start + length] in corpus:
            best = length
            length += 1
    return best


def judge(text: str, meter: str, key: str) -> dict:
    book = read_string(text)
    tune = book.tunes[0]
    messages = run_abc2midi(tune).messages if tune.body else ()
    errors = [m for m in messages if m.severity == "error"]
    bar_warnings = [m for m in messages if m.is_bar_length]
    state = AbcState.for_prime(text, strict=False)
    balanced = (state.repeat_open != OPEN and state.ending != 1 and not state.need_second
                and not any(_REPEAT_MESSAGE.search(m.text) for m in messages))
    body = text[body_start(text):]
    return {
        "no_errors": not errors and bool(tune.body),
        "no_bar_warnings": not bar_warnings and bool(tune.body),
        "balanced_repeats": balanced,
        "key_and_meter": tune.meter == meter and tune.key == key and not _BODY_CHANGE.search(body),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weights", choices=WEIGHTS, default="int8",
                        help="the model's int8 twin when there is one (default, as the app), or its float32 file")
    parser.add_argument("--tunes", type=int, default=100)
    parser.add_argument("--max-chars", type=int, default=1500)
    parser.add_argument("--form", default="auto",
                        help="the form constrained tunes keep (auto, as the app; none for the music constraint alone)")
    args = parser.parse_args()
    model = OnnxModel(args.model, weights=args.weights)
    generator = Generator(model)
    print(f"model: {model.describe()}")
    corpus = training_text(model.card)
    print(f"training corpus: {len(corpus):,} characters")
    rows = []
    for constrain in (True, False):
        started = time.perf_counter()
        totals = {"no_errors": 0, "no_bar_warnings": 0, "balanced_repeats": 0, "key_and_meter": 0, "ended": 0}
        longest = 0
        chars = 0
        for seed in range(1, args.tunes + 1):
            rhythm, meter, key = REQUESTS[seed % len(REQUESTS)]
            request = new_tune_request(meter=meter, key=key, rhythm=rhythm, title=f"Seed {seed}",
                                       sampling=SamplingOptions(temperature=1.0, seed=seed),
                                       constrain=constrain, max_chars=args.max_chars,
                                       form=args.form if constrain and args.form != "none" else None)
            result = generator.generate(request)[0]
            text = request.prime + result.text
            if not text.endswith("\n"):
                text += "\n"
            verdict = judge(text, meter, key)
            for name, ok in verdict.items():
                totals[name] += ok
            totals["ended"] += result.reason == "end"
            longest = max(longest, longest_copy(result.text, corpus))
            chars += len(result.text)
        seconds = time.perf_counter() - started
        n = args.tunes
        row = {k: v / n for k, v in totals.items()}
        row["longest_copy"] = longest
        rows.append(("constrained" if constrain else "unconstrained", row))
        print(f"{rows[-1][0]}: {n} tunes, {chars:,} characters, {seconds:.1f} s")
    header = ("| mode | no abc2midi errors | no bar-length warnings | balanced repeats/endings "
              "| requested key and meter | ended by itself | longest copy from corpus (chars) |")
    print()
    print(header)
    print("|" + " --- |" * 7)
    for name, row in rows:
        print(f"| {name} | {row['no_errors']:.2f} | {row['no_bar_warnings']:.2f} | {row['balanced_repeats']:.2f} "
              f"| {row['key_and_meter']:.2f} | {row['ended']:.2f} | {row['longest_copy']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
