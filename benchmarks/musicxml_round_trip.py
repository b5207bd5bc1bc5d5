"""ABC → MusicXML → ABC on a whole collection: how many tunes keep their notes, which do not, and the time a tune.

    nice -n 15 .venv/bin/python benchmarks/musicxml_round_trip.py [nottingham|ryansMammoth|...] [--every N]

Two judges: music21's reading of the ABC before and after (the written notes, repeats not played out), and
abc2midi playing both ABC texts (repeats and endings played out; pitch, onset and duration of every note).
Prints one line per tune that fails (notes differ, or music21 cannot read it) and a summary.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

from composer.abc.corpora import collection_tunes
from composer.abc.tunebook import read_string
from composer.errors import ComposerError
from composer.notation.abc2midi_judge import abc2midi_melody, first_difference, judge_text
from composer.notation.musicxml import musicxml_round_trip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", nargs="?", default="nottingham")
    parser.add_argument("--every", type=int, default=1, help="take every Nth tune (a fixed sample)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    [(name, tunes)] = collection_tunes([args.collection])
    tunes = tunes[::args.every]
    matched = differ = unreadable = played_alike = played_differently = 0
    workdir = Path(tempfile.mkdtemp(prefix="round-trip-"))
    omitted: dict[str, int] = {}
    started = time.process_time()
    for tune in tunes:
        place = f"{tune.path.rsplit('/', 1)[-1] if tune.path else '?'}:{tune.line} {tune.label}"
        try:
            trip = musicxml_round_trip(tune)
        except ComposerError as exc:
            unreadable += 1
            print(f"UNREADABLE {place}: {exc.message[:160]}")
            continue
        except Exception as exc:  # a failure of the pipeline itself is a finding to list, not a crash
            unreadable += 1
            print(f"CRASH {place}: {type(exc).__name__}: {str(exc)[:160]}")
            continue
        for omission in trip.imported.omissions:
            omitted[omission.what] = omitted.get(omission.what, 0) + omission.count
        before, _ = abc2midi_melody(judge_text(tune)[0], workdir)
        after, _ = abc2midi_melody(judge_text(read_string(trip.imported.text).tunes[0])[0], workdir)
        played = first_difference(after, before)
        if played:
            played_differently += 1
            print(f"ABC2MIDI {place}: {played}")
        else:
            played_alike += 1
        if trip.matches:
            matched += 1
            continue
        differ += 1
        index = trip.first_difference()
        sent = trip.sent[index] if index is not None and index < len(trip.sent) else None
        back = trip.returned[index] if index is not None and index < len(trip.returned) else None
        print(f"DIFFER {place}: note {index} of {len(trip.sent)}: sent {sent}, came back {back}")
    cpu = time.process_time() - started
    total = len(tunes)
    print(f"\n{name}: {total} tunes (every {args.every}), notes kept in {matched} ({100 * matched / total:.1f}%), "
          f"differ in {differ}, unreadable {unreadable}; abc2midi plays {played_alike} alike, "
          f"{played_differently} differently; {cpu / total * 1000:.0f} ms CPU a tune (this process)")
    for what, count in sorted(omitted.items(), key=lambda item: -item[1]):
        print(f"  left out on import: {what}: {count}")


if __name__ == "__main__":
    main()
