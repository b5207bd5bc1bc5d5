"""Do generated tunes have the form of real ones? Continuations and new tunes against unseen real tunes.

    nice -n 15 .venv/bin/python benchmarks/tune_form.py [--model models/default.onnx] [--weights int8|float32]
        [--tunes N] [--modes form,constrained,free]

The real tunes come from tunebooks none of the training collections hold (`benchmarks/data/unseen*.abc`). Two
cases, one candidate per tune (seed = the tune's index):

- **continue**: each real tune with at least two parts is cut after its first part (at the end of the line that
  closes it); the model writes the rest.
- **generate**: a new tune primed with each real tune's M:, L:, K: and R:.

Each case runs in up to three modes: `form` (the music constraint and the form, auto: what the app does),
`constrained` (the music constraint alone, as before forms) and `free` (no constraint). Every tune, real or
generated, is judged by Debian's abc2midi with its repeats played out (our own parser only places the first bar
line, after a pickup): the last note on the key's tonic, a length of whole 8-bar phrases, bars played, the share
of bars whose notes recur elsewhere in the tune, and the share of notes in the key's scale. Validity is today's
quality report: no abc2midi error and no bar-length warning. Also printed: continuations that add no bar, the
played length against the real tune's, and the longest run of characters copied from the training corpus.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))  # tests/support: the abc2midi judge

from generation_quality import longest_copy, training_text  # noqa: E402
from support.abc2midi_judge import abc2midi_melody, judge_text  # noqa: E402

from composer.abc.abc2midi import run_abc2midi  # noqa: E402
from composer.abc.keys import NATURAL_SEMITONES, parse_key  # noqa: E402
from composer.abc.lengths import meter_fraction  # noqa: E402
from composer.abc.tunebook import Tune, read_string, read_tunebook  # noqa: E402
from composer.model.canonical import body_start, canonical_text  # noqa: E402
from composer.model.form_plan import plan_form  # noqa: E402
from composer.model.form_state import FormState  # noqa: E402
from composer.model.generate import Generator, Request, new_tune_request  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.model.sampling import SamplingOptions  # noqa: E402
from composer.paths import WEIGHTS  # noqa: E402

UNSEEN = sorted((REPO / "benchmarks" / "data").glob("unseen*.abc"))
MODES = {"form": (True, "auto"), "constrained": (True, None), "free": (False, None)}
FIGURES = ("tonic", "phrases", "bars", "recurring", "in_scale", "valid", "no_bar_warning")


def figures(text: str, workdir: Path) -> dict[str, float] | None:
    """abc2midi's reading of one tune (repeats played out), or None when it plays no note."""
    tune = read_string(text).tunes[0]
    messages = run_abc2midi(tune).messages if tune.body else ()
    valid = not any(m.severity == "error" for m in messages) and bool(tune.body)
    no_bar_warning = valid and not any(m.is_bar_length for m in messages)
    try:
        notes, _ = abc2midi_melody(judge_text(tune)[0], workdir)
    except Exception:  # noqa: BLE001 - abc2midi wrote nothing: no figures
        notes = []
    key = parse_key(tune.key)
    bar = meter_fraction(tune.meter) or Fraction(1)
    bar_quarters = bar * 4
    if not notes or key is None:
        return {"valid": valid, "no_bar_warning": no_bar_warning, "tonic": 0, "phrases": 0, "bars": 0,
                "recurring": 0, "in_scale": 0}
    end = max(onset + length for _, onset, length in notes)
    bars = end / bar_quarters
    phrases = round(bars / 8)
    tonic = (NATURAL_SEMITONES[key.tonic] + key.tonic_alteration) % 12
    last_onset = max(onset for _, onset, _ in notes)
    scale = {(NATURAL_SEMITONES[letter] + key.alteration(letter)) % 12 for letter in NATURAL_SEMITONES}
    pickup = FormState.for_prime(canonical_text(tune), strict=False).pickup
    offset = pickup * Fraction(tune.unit or "1/8") * 4 if pickup else Fraction(0)
    contents: dict[int, list] = {}
    for pitch, onset, length in notes:
        index = int((onset - offset) // bar_quarters) if onset >= offset else -1
        start = offset + index * bar_quarters
        contents.setdefault(index, []).append((pitch, onset - start, length))
    shapes = Counter(tuple(sorted(v)) for k, v in contents.items() if k >= 0)
    counted = [k for k in contents if k >= 0]
    recurring = sum(1 for k in counted if shapes[tuple(sorted(contents[k]))] > 1)
    return {
        "valid": valid,
        "no_bar_warning": no_bar_warning,
        "tonic": any(pitch % 12 == tonic for pitch, onset, _ in notes if onset == last_onset),
        "phrases": phrases >= 1 and abs(bars - 8 * phrases) <= Fraction(1, 2),
        "bars": float(bars),
        "recurring": recurring / len(counted) if counted else 0,
        "in_scale": sum(1 for p, _, _ in notes if p % 12 in scale) / len(notes),
    }


def first_part_cut(tune: Tune) -> str | None:
    """The tune's canonical text up to the end of the line that closes its first part (None: fewer than two
    parts)."""
    text = canonical_text(tune)
    state = FormState.for_prime(text[:body_start(text)], strict=False)
    for i in range(body_start(text), len(text)):
        nxt = state.advance(text[i])
        state = nxt or state
        if state.closed:
            end = text.find("\n", i)
            rest = FormState.for_prime(text, strict=False).closed
            return text[:end + 1] if end > 0 and len(rest) >= 2 else None
    return None


def mean(rows: list[dict], name: str) -> float:
    return sum(float(r[name]) for r in rows) / len(rows) if rows else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weights", choices=WEIGHTS, default="int8")
    parser.add_argument("--tunes", type=int, default=0, help="use the first N real tunes (default: all)")
    parser.add_argument("--modes", default="form,constrained,free")
    parser.add_argument("--cases", default="continue,generate")
    args = parser.parse_args()
    modes = args.modes.split(",")
    model = OnnxModel(args.model, weights=args.weights)
    generator = Generator(model)
    corpus = training_text(model.card)
    tunes = [t for path in UNSEEN for t in read_tunebook(path).tunes]
    if args.tunes:
        tunes = tunes[:args.tunes]
    print(f"model: {model.describe()}")
    print(f"real tunes: {len(tunes)} from {', '.join(p.name for p in UNSEEN)}")
    work = Path(tempfile.mkdtemp(prefix="tune-form-"))
    real = {i: figures(canonical_text(t), work) for i, t in enumerate(tunes)}
    cuts = {i: first_part_cut(t) for i, t in enumerate(tunes)}
    table: list[tuple[str, dict]] = [("real tunes", {n: mean(list(real.values()), n) for n in FIGURES})]
    for case in args.cases.split(","):
        for mode in modes:
            constrain, form = MODES[mode]
            rows, empty, ratios, longest, started = [], 0, [], 0, time.perf_counter()
            for i, tune in enumerate(tunes):
                sampling = SamplingOptions(seed=i)
                if case == "continue":
                    prime = cuts[i]
                    if prime is None:
                        continue
                    plan = plan_form(form, prime, rhythm=tune.rhythm, meter=tune.meter) if form else None
                    request = Request(prime, 1, sampling, constrain, form=plan.form if plan else None)
                else:
                    request = new_tune_request(meter=tune.meter or "4/4", key=tune.key or "C", unit=tune.unit,
                                               rhythm=tune.rhythm, title=tune.title, sampling=sampling,
                                               constrain=constrain, form=form)
                result = generator.generate(request)[0]
                text = request.prime + result.text
                text += "" if text.endswith("\n") else "\n"
                row = figures(text, work)
                rows.append(row)
                added = FormState.for_prime(text, strict=False).bars_done \
                    - FormState.for_prime(request.prime, strict=False).bars_done
                empty += added <= 0
                if real[i]["bars"]:
                    ratios.append(row["bars"] / real[i]["bars"])
                longest = max(longest, longest_copy(result.text, corpus))
            summary = {n: mean(rows, n) for n in FIGURES}
            summary.update(empty=empty / max(len(rows), 1), length_ratio=sum(ratios) / max(len(ratios), 1),
                           longest_copy=longest, count=len(rows))
            table.append((f"{case}, {mode}", summary))
            print(f"{case}, {mode}: {len(rows)} tunes in {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print("| tunes | n | ends on tonic | whole 8-bar phrases | bars played | length vs real | recurring bars "
          "| notes in scale | no abc2midi error | no bar warning | added nothing | longest copy |")
    print("|" + "---|" * 12)
    for name, s in table:
        n = s.get("count", len(tunes))
        extra = (f"{s['length_ratio']:.2f} | " if "length_ratio" in s else "1.00 | ")
        tail = f"{s['empty']:.2f} | {s['longest_copy']} |" if "empty" in s else "– | – |"
        print(f"| {name} | {n} | {s['tonic']:.2f} | {s['phrases']:.2f} | {s['bars']:.1f} | {extra}"
              f"{s['recurring']:.2f} | {s['in_scale']:.2f} | {s['valid']:.2f} | {s['no_bar_warning']:.2f} | {tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
