"""Compare our MIDI export with Debian's abc2midi on whole collections; print figures and every mismatch.

Also writes every tune's MIDI file with grace notes and accompaniment on and counts stuck or zero-length notes.

Usage: nice -n 15 .venv/bin/python benchmarks/midi_vs_abc2midi.py [--every N [--offset K]] [--collection NAME ...]
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from composer.abc.corpora import MUSIC21_COLLECTIONS, collection_tunes
from composer.errors import AbcError
from composer.notation.midi import midi_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/support: the abc2midi judge
from support.abc2midi_judge import (  # noqa: E402
    Comparison,
    abc2midi_available,
    compare_with_abc2midi,
    midi_note_problems,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="compare every Nth tune only")
    parser.add_argument("--offset", type=int, default=0, help="with --every, start at this tune")
    parser.add_argument("--collection", action="append", help="nottingham or a music21 ABC folder")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of mismatches")
    args = parser.parse_args()
    if not abc2midi_available():
        print("abc2midi is not installed (apt-get install abcmidi)", file=sys.stderr)
        return 1
    names = args.collection or ["nottingham", *MUSIC21_COLLECTIONS]
    total_ok = total = stuck_tunes = stuck_notes = 0
    mismatches: list[tuple[str, Comparison]] = []
    with tempfile.TemporaryDirectory(prefix="midi-vs-abc2midi-") as temp:
        for name, every_tune in collection_tunes(names):
            tunes = every_tune[args.offset::args.every]
            started = time.perf_counter()
            results = [compare_with_abc2midi(tune, Path(temp)) for tune in tunes]
            seconds = time.perf_counter() - started
            for tune in tunes:
                try:
                    problems = midi_note_problems(midi_file(tune, accompaniment=True))
                except AbcError:
                    continue
                stuck_tunes += bool(problems)
                stuck_notes += len(problems)
                if problems:
                    print(f"STUCK {name} {tune.label}: {problems[:3]}")
            ok = sum(r.identical for r in results)
            hornpipes = sum(r.hornpipe for r in results)
            total_ok += ok
            total += len(results)
            share = 100 * ok / max(1, len(results))
            print(f"{name:14s} {ok:5d}/{len(results):5d} note-identical = {share:5.1f}%"
                  f"  ({hornpipes} hornpipes compared unswung; {seconds:.0f} s, "
                  f"{1000 * seconds / max(1, len(results)):.0f} ms/tune)")
            mismatches += [(name, r) for r in results if not r.identical]
    print(f"{'all':14s} {total_ok:5d}/{total:5d} note-identical = {100 * total_ok / max(1, total):5.1f}%")
    print(f"MIDI files with graces and accompaniment: {stuck_tunes} of {total} with stuck, unpaired or "
          f"zero-length notes ({stuck_notes} such notes)")
    kinds = collections.Counter(r.cause.split(":")[0].split(" of note")[0] for _, r in mismatches)
    print("mismatch kinds:", ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    if not args.quiet:
        for name, r in mismatches:
            print(f"{name}\t{Path(r.path).name if r.path else '-'}\t{r.label}\t{r.cause}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
