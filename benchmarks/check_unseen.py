"""Check that an unseen evaluation tunebook is unseen and valid.

Run: .venv/bin/python benchmarks/check_unseen.py benchmarks/data/unseen_session.abc [--run-length 24]

For each tune of the tunebook:
  1. title: no T: line matches a T: line of the training collections (Nottingham, then music21's ryansMammoth,
     oneills1850, airdsAirs, miscFolk), of the other unseen tunebooks (benchmarks/data/*.abc) or of
     resources/examples.abc; titles are compared case-insensitively, without a leading "The", punctuation or spacing;
  2. note run: no run of `--run-length` (24) or more note characters is shared with a collection tune, a tune of
     the other unseen tunebooks or examples.abc, or another tune of the same file. The note characters of a tune are
     its canonical body with chord symbols, annotations, bars, endings, spaces, decorations, grace notes, tuplet and
     slur marks and inline fields stripped: what is left is the notes and rests as written (accidental, letter,
     octave marks, length) and broken rhythm;
  3. abc2midi reports no error and no bar-length warning, and `composer check` (the project's checker) reports no
     problem.
Prints one line per failure and a summary; exits 1 when any tune fails.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from composer.abc.abc2midi import abc2midi_available, run_abc2midi  # noqa: E402
from composer.abc.corpora import MUSIC21_COLLECTIONS, collection_tunes  # noqa: E402
from composer.abc.tokens import Kind, tokenize  # noqa: E402
from composer.abc.tunebook import Tune, read_tunebook  # noqa: E402
from composer.model.canonical import body_start, canonical_text  # noqa: E402

TRAINING = ["nottingham", *MUSIC21_COLLECTIONS]
EXAMPLES = ROOT / "resources" / "examples.abc"
UNSEEN_DIR = ROOT / "benchmarks" / "data"
_KEPT = (Kind.NOTE, Kind.REST, Kind.BROKEN)


_RHYTHM_SUFFIX = re.compile(r"\s*(--.*|\b(reel|jig|slip jig|hornpipe|polka|slide|strathspey|waltz|march|air)\.?)$")


def title_key(title: str) -> str:
    """A title compared loosely: lower case, without a leading (or trailing ", The") "The", without a rhythm
    added at the end ("Tobin's Jig", Ryan's "Golden Eagle -- Hornpipe"), letters and digits only."""
    text = title.strip().lower()
    text = _RHYTHM_SUFFIX.sub("", text).strip(" .,")
    text = re.sub(r"^the\b|,\s*the$", "", text.strip())
    key = re.sub(r"[^a-z0-9]", "", text)
    return key or re.sub(r"[^a-z0-9]", "", title.lower())


def note_string(tune: Tune) -> str:
    """The tune's notes and rests as written in its canonical body, with everything else stripped."""
    text = canonical_text(tune)
    out = []
    in_grace = False
    for token in tokenize(text[body_start(text):]):
        if token.kind is Kind.GRACE_START:
            in_grace = True
        elif token.kind is Kind.GRACE_END:
            in_grace = False
        elif token.kind in _KEPT and not in_grace:
            out.append(token.text)
    return "".join(out)


def runs_of(notes: str, length: int) -> set[str]:
    return {notes[i:i + length] for i in range(len(notes) - length + 1)}


def reference_tunes(target: Path, collections: list[str]) -> list[tuple[str, list[Tune]]]:
    """(source name, tunes) of the training collections, examples.abc and the other unseen tunebooks."""
    sources = collection_tunes(collections)
    others = [EXAMPLES, *sorted(p for p in UNSEEN_DIR.glob("*.abc") if p.resolve() != target.resolve())]
    for path in others:
        if path.exists():
            sources.append((str(path.relative_to(ROOT)), list(read_tunebook(path).tunes)))
    return sources


def composer_check(path: Path) -> list[str]:
    """The problems `composer check FILE` prints (one per line)."""
    program = ROOT / ".venv" / "bin" / "composer"
    command = [str(program)] if program.exists() else [sys.executable, "-m", "composer"]
    done = subprocess.run([*command, "check", str(path)], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 0 and not lines:
        lines.append(f"composer check exited {done.returncode}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tunebook", type=Path)
    parser.add_argument("--run-length", type=int, default=24, help="shortest shared note run that fails (24)")
    parser.add_argument("--collections", nargs="+", default=TRAINING,
                        help="collections checked against (default: the training collections)")
    args = parser.parse_args()

    book = read_tunebook(args.tunebook)
    tunes = list(book.tunes)
    failures: dict[str, list[str]] = {}

    def fail(tune: Tune, why: str) -> None:
        failures.setdefault(tune.label, []).append(why)
        print(f"FAIL {tune.label}: {why}", flush=True)

    sources = reference_tunes(args.tunebook, args.collections)
    titles: dict[str, str] = {}
    runs: dict[str, str] = {}
    n = args.run_length
    for name, ref_tunes in sources:
        for ref in ref_tunes:
            label = f"{name}: {ref.label}"
            for title in ref.fields("T"):
                titles.setdefault(title_key(title), label)
            for run in runs_of(note_string(ref), n):
                runs.setdefault(run, label)
    reference_count = sum(len(t) for _, t in sources)

    # 1. titles, within the file too
    own_titles: dict[str, str] = {}
    for tune in tunes:
        for title in tune.fields("T") or [""]:
            key = title_key(title)
            if not key:
                fail(tune, "no title")
            elif key in titles:
                fail(tune, f"title {title!r} matches {titles[key]}")
            elif key in own_titles and own_titles[key] != tune.label:
                fail(tune, f"title {title!r} repeats {own_titles[key]}")
            else:
                near = sorted(label for other, label in titles.items()
                              if len(key) >= 8 and len(other) >= 8 and (key in other or other in key))
                if near:
                    print(f"note {tune.label}: near titles (check by hand): {'; '.join(near[:3])}")
            own_titles.setdefault(key, tune.label)

    # 2. note runs, against the references and the other tunes of the file
    own_runs: dict[str, str] = {}
    lengths = []
    for tune in tunes:
        notes = note_string(tune)
        lengths.append(len(notes))
        mine = runs_of(notes, n)
        hits = sorted(r for r in mine if r in runs)
        if hits:
            fail(tune, f"shares {len(hits)} run(s) of {n} note characters with {runs[hits[0]]}, e.g. {hits[0]}")
        same = sorted(r for r in mine if r in own_runs and own_runs[r] != tune.label)
        if same:
            fail(tune, f"shares {len(same)} run(s) of {n} note characters with {own_runs[same[0]]} of this file")
        for r in mine:
            own_runs.setdefault(r, tune.label)

    # 3. abc2midi and the project's checker
    if not abc2midi_available():
        print("abc2midi is not installed: cannot check", file=sys.stderr)
        return 2
    warnings = 0
    for tune in tunes:
        result = run_abc2midi(tune)
        for message in result.messages:
            if message.severity == "error" or message.is_bar_length:
                fail(tune, f"abc2midi line {message.line}: {message.severity}: {message.text}")
            else:
                warnings += 1
                print(f"note {tune.label}: abc2midi line {message.line}: {message.severity}: {message.text}")
        if not result.midi:
            fail(tune, "abc2midi wrote no MIDI")
    problems = composer_check(args.tunebook)
    for line in problems:
        m = re.match(r"^.*?:(\d+):\d+:", line)
        tune = book.tune_at_line(int(m.group(1))) if m else None
        if tune is not None:
            fail(tune, f"composer check: {line}")
        else:
            failures.setdefault("(file)", []).append(line)
            print(f"FAIL composer check: {line}")

    rhythms = Counter((t.rhythm or "?").lower() for t in tunes)
    print()
    print(f"{args.tunebook}: {len(tunes)} tunes ({', '.join(f'{c} {r}' for r, c in rhythms.most_common())})")
    print(f"checked against {reference_count} tunes of {len(sources)} sources "
          f"({', '.join(name for name, _ in sources)}); {len(titles)} titles, {len(runs)} note runs of {n}")
    print(f"note characters per tune: {min(lengths, default=0)}..{max(lengths, default=0)}; "
          f"abc2midi warnings other than bar length: {warnings}")
    print(f"{len(tunes) - len([k for k in failures if k != '(file)'])} of {len(tunes)} tunes pass; "
          f"{len(failures)} fail" + (": " + "; ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
