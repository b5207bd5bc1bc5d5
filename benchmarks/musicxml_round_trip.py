"""ABC → MusicXML → ABC on a whole collection: how many tunes keep their notes, which do not, and the time a tune.

    nice -n 15 .venv/bin/python benchmarks/musicxml_round_trip.py [nottingham|ryansMammoth|...] [--every N]

Three judges, each on pitch and duration (onsets too where repeats are played out):
- written: music21's reading of the ABC before and after, note by note as written (repeats not played out);
- export: the MusicXML played out (repeats, endings) against abc2midi playing the original ABC;
- import: abc2midi playing the ABC that came back against the MusicXML played out.
abc2midi gets both ABC texts without decorations: it plays ornaments and staccato, MusicXML readers do not.
Prints one line per tune and judge that fails (or where music21 cannot read the tune) and a summary.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

from composer.abc.corpora import collection_tunes
from composer.abc.tokens import Kind, tokenize
from composer.abc.tunebook import Tune, read_string
from composer.errors import ComposerError
from composer.notation.musicxml import musicxml_round_trip, played_notes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/support: the abc2midi judge
from support.abc2midi_judge import abc2midi_melody, first_difference, judge_text  # noqa: E402


def without_decorations(tune: Tune) -> Tune:
    """The tune with its decorations (ornaments, staccato, fermatas...) taken off, everything else as is."""
    header = "".join(f"{field.name}:{field.value}\n" for field in tune.header)
    body = "\n".join(line.text for line in tune.body)
    plain = "".join(token.text for token in tokenize(body) if token.kind != Kind.DECORATION)
    return read_string(header + plain).tunes[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", nargs="?", default="nottingham")
    parser.add_argument("--every", type=int, default=1, help="take every Nth tune (a fixed sample)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    [(name, tunes)] = collection_tunes([args.collection])
    tunes = tunes[::args.every]
    matched = differ = unreadable = export_ok = import_ok = 0
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
        sounding = played_notes(trip.musicxml)
        exported = first_difference(sounding, abc2midi_melody(judge_text(without_decorations(tune))[0], workdir)[0])
        came_back = without_decorations(read_string(trip.imported.text).tunes[0])
        returned = abc2midi_melody(judge_text(came_back)[0], workdir)[0]
        imported = first_difference(returned, sounding)
        export_ok += not exported
        import_ok += not imported
        if exported:
            print(f"EXPORT {place}: xml vs abc2midi: {exported}")
        if imported:
            print(f"IMPORT {place}: abc2midi(imported ABC) vs xml: {imported}")
        if trip.matches:
            matched += 1
            continue
        differ += 1
        index = trip.first_difference()
        sent = trip.sent[index] if index is not None and index < len(trip.sent) else None
        back = trip.returned[index] if index is not None and index < len(trip.returned) else None
        print(f"WRITTEN {place}: note {index} of {len(trip.sent)}: sent {sent}, came back {back}")
    cpu = time.process_time() - started
    total = len(tunes)
    read = total - unreadable

    def share(count: int) -> str:
        return f"{count}/{read} ({100 * count / max(read, 1):.1f}%)"

    print(f"\n{name}: {total} tunes (every {args.every}), {unreadable} unreadable by music21; "
          f"written notes kept {share(matched)}; export plays as abc2midi {share(export_ok)}; "
          f"import plays as the MusicXML {share(import_ok)}; {cpu / total * 1000:.0f} ms CPU a tune (this process)")
    for what, count in sorted(omitted.items(), key=lambda item: -item[1]):
        print(f"  left out on import: {what}: {count}")


if __name__ == "__main__":
    main()
