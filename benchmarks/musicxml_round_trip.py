"""ABC → MusicXML → ABC on a whole collection: how many tunes keep their notes, which do not, and the time a tune.

    nice -n 15 .venv/bin/python benchmarks/musicxml_round_trip.py [nottingham|ryansMammoth|...] [--every N]

Prints one line per tune that fails (notes differ, or music21 cannot read it) and a summary.
"""

from __future__ import annotations

import argparse
import time
import warnings

from composer.abc.corpora import collection_tunes
from composer.errors import ComposerError
from composer.notation.musicxml import musicxml_round_trip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", nargs="?", default="nottingham")
    parser.add_argument("--every", type=int, default=1, help="take every Nth tune (a fixed sample)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    [(name, tunes)] = collection_tunes([args.collection])
    tunes = tunes[::args.every]
    matched = differ = unreadable = 0
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
          f"differ in {differ}, unreadable {unreadable}; {cpu / total * 1000:.0f} ms CPU a tune")
    for what, count in sorted(omitted.items(), key=lambda item: -item[1]):
        print(f"  left out on import: {what}: {count}")


if __name__ == "__main__":
    main()
