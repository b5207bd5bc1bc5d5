"""Export the tunes of an ABC file to ABC, MIDI, WAV, PDF, SVG or MusicXML (the format from the output's extension).

Every tune that can be exported is written; those that cannot (numbers outside musical bounds, no K:, a file
that cannot be written) are listed afterwards with their places, and the command then exits with 1. The work
is composer.export's, which the window shares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.abc.tunebook import read_tunebook
from composer.errors import ComposerError
from composer.export import EXPORTERS, ExportOptionError, ExportOptions, chosen_tunes, export_tunes

__all__ = ["add_arguments", "run"]


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
    try:
        options = ExportOptions(tune=args.tune, canonical=args.canonical, soundfont=args.soundfont,
                                program=args.program, tempo=args.tempo, accompaniment=args.accompaniment)
    except ExportOptionError as exc:
        raise ComposerError(f"--{exc.option} {exc.reason}") from None
    try:
        book = read_tunebook(Path(args.file))
    except OSError as exc:
        raise ComposerError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    outcome = export_tunes(book, args.output, options)
    for path in outcome.written:
        print(path, flush=True)
    for error in outcome.failed:
        print(f"composer export: {error}", file=sys.stderr)
    chosen = len(chosen_tunes(book, options))
    if chosen > 1 and outcome.failed:
        print(f"composer export: {len(outcome.failed)} of {chosen} tunes were not exported", file=sys.stderr)
    return 1 if outcome.failed else 0
