"""Harmonize quality: chorded tunes the model did not train on, their chords taken out and written again."""

# Run:
#     nice .venv/bin/python benchmarks/harmonize_quality.py [--model models/default.onnx] [--weights int8|float32]
#         [--limit N] [--beam 4]
#
# The tunes: the chorded tunes of resources/examples.abc and of benchmarks/data/*.abc, and the chorded tunes of
# Nottingham's validation split (the corpus's own SHA-1 split, `composer.training.corpus.is_validation`, so the
# default model never trained on them). A tune is used only when check_unseen.py's tests pass against the training
# tunes (every tune of the default corpus outside the validation split): no title in common (examples only: the
# validation tunes share their collection's titles by nature) and no run of 24 note characters in common. Each used
# and excluded tune is listed with the reason.
#
# Each tune is harmonized with `replace` (its chord symbols taken out, new ones written), per bar and per beat, and
# with a beam of 1 for comparison. Printed per source and overall: the share of bars whose first chord has the same
# root as the original's (the bars where the original has a chord; a bar the harmonization leaves without a chord
# takes the one still sounding), against a baseline that puts the tonic chord on every bar; the share with the same
# chord name; whether every melody comes back byte-identical; abc2midi errors in the results (and in the
# originals, which the results keep: only chord symbols change); and the time taken.

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from check_unseen import note_string, runs_of, title_key  # noqa: E402

from composer.abc.abc2midi import run_abc2midi  # noqa: E402
from composer.abc.keys import parse_key  # noqa: E402
from composer.abc.tunebook import Tune, read_string, read_tunebook  # noqa: E402
from composer.errors import ComposerError  # noqa: E402
from composer.model.chord_places import layout, without_chord_symbols  # noqa: E402
from composer.model.harmonize import HarmonizeOptions, harmonize  # noqa: E402
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel  # noqa: E402
from composer.paths import WEIGHTS  # noqa: E402
from composer.training.corpus import DEFAULT_CORPUS, is_validation, read_tunes  # noqa: E402

EXAMPLES = REPO / "resources" / "examples.abc"
UNSEEN_DIR = REPO / "benchmarks" / "data"
RUN_LENGTH = 24
VALIDATION_FRACTION = 0.05
PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Outcome:
    """One tune harmonized one way: bars compared, bars with the original's root (model, tonic baseline) and
    name, whether the melody came back byte-identical, abc2midi errors in the result."""

    bars: int
    same_root: int
    tonic_root: int
    same_name: int
    melody_identical: bool
    abc2midi_errors: int
    original_errors: int


def root_class(name: str | None) -> int | None:
    """The pitch class of a chord name's root, None when it has none."""
    if not name or name[0] not in PITCH_CLASSES:
        return None
    return (PITCH_CLASSES[name[0]] + {"#": 1, "b": -1}.get(name[1:2], 0)) % 12


def carried(chords: tuple[str | None, ...]) -> list[str | None]:
    """Each bar's first chord, or the one still sounding from an earlier bar."""
    out, sounding = [], None
    for chord in chords:
        sounding = chord or sounding
        out.append(sounding)
    return out


def tonic_class(tune: Tune) -> int:
    key = parse_key(tune.key)
    return 0 if key is None else (PITCH_CLASSES[key.tonic.upper()] + key.tonic_alteration) % 12


def candidates(limit: int | None) -> tuple[list[tuple[str, Tune]], list[str]]:
    """(source, tune) of the chorded unseen tunes, and a line for each tune left out."""
    training_runs: dict[str, str] = {}
    training_titles: dict[str, str] = {}
    validation: list[tuple[str, Tune]] = []
    for label, title, text in read_tunes(DEFAULT_CORPUS):
        tune = read_string(text).tunes[0]
        if is_validation(text, VALIDATION_FRACTION):
            if label.startswith("nottingham:"):
                validation.append((label, tune))
            continue
        training_titles.setdefault(title_key(title), label)
        for run in runs_of(note_string(tune), RUN_LENGTH):
            training_runs.setdefault(run, label)
    chosen: list[tuple[str, Tune]] = []
    left_out: list[str] = []

    def consider(source: str, tune: Tune, check_title: bool) -> None:
        name = f"{source} {tune.label}"
        if len([c for c in layout(tune).bar_chords() if c]) < 4:
            return  # not a chorded tune
        shared = [training_runs[r] for r in runs_of(note_string(tune), RUN_LENGTH) if r in training_runs]
        if shared:
            left_out.append(f"{name}: shares {len(shared)} runs of {RUN_LENGTH} notes with {shared[0]}")
        elif check_title and title_key(tune.title) in training_titles:
            left_out.append(f"{name}: its title is that of {training_titles[title_key(tune.title)]}")
        else:
            chosen.append((source, tune))

    for path in [EXAMPLES, *sorted(UNSEEN_DIR.glob("*.abc"))]:
        tunes = read_tunebook(path).tunes
        before = len(chosen) + len(left_out)
        for tune in tunes:
            consider(str(path.relative_to(REPO)), tune, True)
        if len(chosen) + len(left_out) == before:
            left_out.append(f"{path.relative_to(REPO)}: no chorded tune among its {len(tunes)}")
    for _label, tune in validation:
        consider("nottingham validation", tune, False)
    if limit is not None:
        chosen = chosen[:limit]
    return chosen, left_out


def judge(model: OnnxModel, tune: Tune, options: HarmonizeOptions) -> Outcome:
    result = harmonize(model, tune, options)
    out = read_string(result.tune_text).tunes[0]
    original, written = layout(tune).bar_chords(), carried(layout(out).bar_chords())
    tonic = tonic_class(tune)
    pairs = [(old, new) for old, new in zip(original, written, strict=True) if root_class(old) is not None]
    errors = [sum(1 for m in run_abc2midi(t).messages if m.severity == "error") for t in (out, tune)]
    return Outcome(len(pairs), sum(root_class(old) == root_class(new) for old, new in pairs),
                   sum(root_class(old) == tonic for old, _ in pairs), sum(old == new for old, new in pairs),
                   without_chord_symbols(out) == without_chord_symbols(tune),
                   *errors)


def share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weights", choices=WEIGHTS, default="int8")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None, help="harmonize only the first N tunes found")
    args = parser.parse_args()

    tunes, left_out = candidates(args.limit)
    print(f"{len(tunes)} unseen chorded tunes used:")
    for source, tune in tunes:
        print(f"  {source}: {tune.label} ({tune.meter}, K:{tune.key})")
    print(f"left out ({len(left_out)}):")
    for line in left_out:
        print(f"  {line}")
    model = OnnxModel(args.model, weights=args.weights)
    print(f"model: {model.describe()}\n")
    configurations = [("per bar", HarmonizeOptions(per="bar", replace=True, beam=args.beam, names=args.beam)),
                      ("per beat", HarmonizeOptions(per="beat", replace=True, beam=args.beam, names=args.beam)),
                      ("per bar, beam 1", HarmonizeOptions(per="bar", replace=True, beam=1, names=1))]
    sources = sorted({source for source, _ in tunes})
    print(f"{'configuration':<18} {'source':<24} {'tunes':>5} {'bars':>5} {'same root':>9} {'tonic':>7} "
          f"{'same name':>9} {'melody identical':>16} {'abc2midi errors (originals)':>27} {'seconds':>8}")
    for label, options in configurations:
        outcomes: dict[str, list[Outcome]] = {source: [] for source in sources}
        failures = []
        started = time.perf_counter()
        for source, tune in tunes:
            try:
                outcomes[source].append(judge(model, tune, options))
            except ComposerError as exc:
                failures.append(f"{source} {tune.label}: {exc}")
        seconds = time.perf_counter() - started
        for source in [*sources, "all"]:
            rows = [o for s in sources for o in outcomes[s]] if source == "all" else outcomes[source]
            bars = sum(o.bars for o in rows)
            print(f"{label:<18} {source:<24} {len(rows):>5} {bars:>5} "
                  f"{share(sum(o.same_root for o in rows), bars):>9} {share(sum(o.tonic_root for o in rows), bars):>7} "
                  f"{share(sum(o.same_name for o in rows), bars):>9} "
                  f"{sum(o.melody_identical for o in rows):>9} of {len(rows):<3} "
                  f"{sum(o.abc2midi_errors for o in rows):>20} ({sum(o.original_errors for o in rows):>3}) "
                  f"{f'{seconds:.1f}' if source == 'all' else '':>8}")
        for line in failures:
            print(f"  refused: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
