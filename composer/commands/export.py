"""Export the tunes of an ABC file to ABC, MIDI, WAV, PDF, SVG or MusicXML (the format from the output's extension).

Every tune that can be exported is written; those that cannot (numbers outside musical bounds, no K:, a file
that cannot be written) are listed afterwards with their places, and the command then exits with 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from composer.abc.bounds import MAX_TEMPO_QPM, MIN_TEMPO_QPM
from composer.abc.tunebook import Tune, Tunebook, read_tunebook
from composer.commands.export_outcome import Outcome, each_tune, numbered_paths
from composer.commands.export_sheet import export_musicxml, export_pdf, export_svg
from composer.errors import ComposerError

__all__ = ["EXPORTERS", "Exporter", "add_arguments", "numbered_paths", "run", "select_tunes"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the ABC file (tunebook) to export")
    parser.add_argument("-o", "--output", required=True,
                        help=f"output file; its extension picks the format ({', '.join(EXPORTERS)})")
    parser.add_argument("--tune", metavar="X",
                        help="export only this tune: its X: number, or a word of its title")
    parser.add_argument("--canonical", action="store_true", help="ABC: write every tune in canonical form")
    parser.add_argument("--soundfont", metavar="SF2", help="WAV: the SoundFont to render with")
    parser.add_argument("--program", type=int, metavar="N",
                        help="MIDI/WAV: General MIDI program 0-127 of the melody")
    parser.add_argument("--tempo", type=float, metavar="BPM",
                        help="MIDI/WAV: quarter notes a minute (default: the tune's Q:)")
    parser.add_argument("--accompaniment", action="store_true",
                        help="MIDI: add a bass and chord track from the chord symbols")


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    exporter = EXPORTERS.get(output.suffix.lower())
    if exporter is None:
        raise ComposerError(f"cannot tell the format of {args.output!r}: use one of {', '.join(EXPORTERS)}")
    if args.program is not None and not 0 <= args.program <= 127:
        raise ComposerError(f"--program must be between 0 and 127, not {args.program}")
    if args.tempo is not None and not MIN_TEMPO_QPM <= args.tempo <= MAX_TEMPO_QPM:
        raise ComposerError(f"--tempo must be between {MIN_TEMPO_QPM:g} and {MAX_TEMPO_QPM:g} quarter notes a "
                            f"minute, not {args.tempo:g}")
    if not output.absolute().parent.is_dir():
        raise ComposerError(f"cannot write {args.output}: no such folder")
    try:
        book = read_tunebook(Path(args.file))
    except OSError as exc:
        raise ComposerError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    tunes = select_tunes(book, args.tune)
    try:
        outcome = exporter(book, tunes, output, args)
    except OSError as exc:
        raise ComposerError(f"cannot write {exc.filename or args.output}: {exc.strerror or exc}") from exc
    for path in outcome.written:
        print(path, flush=True)
    for error in outcome.failed:
        print(f"composer export: {error}", file=sys.stderr)
    if len(tunes) > 1 and outcome.failed:
        print(f"composer export: {len(outcome.failed)} of {len(tunes)} tunes were not exported", file=sys.stderr)
    return 1 if outcome.failed else 0


def select_tunes(book: Tunebook, wanted: str | None) -> list[Tune]:
    """Every tune of `book`, or those picked by `--tune` (X: number, else a case-blind title match)."""
    if not book.tunes:
        raise ComposerError("no tunes in this file", path=book.path)
    if wanted is None:
        return list(book.tunes)
    if wanted.strip().isdigit():
        picked = [t for t in book.tunes if t.reference == int(wanted)]
    else:
        picked = [t for t in book.tunes if wanted.lower() in t.title.lower()]
    if not picked:
        raise ComposerError(f"no tune {wanted!r} in this file", path=book.path)
    return picked[:1]


def export_abc(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    from composer.notation.abc_writer import write_abc

    everything = len(tunes) == len(book.tunes)
    write_abc(book if everything else tunes, output, canonical=args.canonical)
    return Outcome([output])


def export_midi(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    from composer.notation.midi import write_midi

    def write(tune: Tune, path: Path) -> None:
        write_midi(tune, path, accompaniment=args.accompaniment, tempo_bpm=args.tempo, program=args.program or 0)

    return each_tune(tunes, numbered_paths(output, tunes), write)


def export_wav(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> Outcome:
    try:
        from composer.audio.render import export_wav as render_wav
    except ImportError as exc:
        raise ComposerError(f"WAV export not available ({exc})") from exc

    def write(tune: Tune, path: Path) -> None:
        render_wav(tune, path, soundfont=args.soundfont, program=args.program, tempo=args.tempo)

    return each_tune(tunes, numbered_paths(output, tunes), write)


Exporter = Callable[[Tunebook, list[Tune], Path, argparse.Namespace], Outcome]

#: Output extension → exporter. Later formats (.pdf, .svg, .musicxml) are one line each.
EXPORTERS: dict[str, Exporter] = {
    ".abc": export_abc,
    ".mid": export_midi,
    ".midi": export_midi,
    ".wav": export_wav,
    ".pdf": export_pdf,
    ".svg": export_svg,
    ".musicxml": export_musicxml,
}
