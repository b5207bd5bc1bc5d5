"""Import a MusicXML or MIDI file as an ABC tune, and say what could not be carried over."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from composer.errors import ComposerError

FORMATS = ".musicxml, .xml, .mxl, .mid, .midi"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help=f"the file to import ({FORMATS})")
    parser.add_argument("-o", "--output", required=True, help="the ABC file to write")
    parser.add_argument("--part", type=int, metavar="N",
                        help="write part N (1-based) as the melody (default: the first part with notes)")
    parser.add_argument("-X", "--reference", type=int, default=1, metavar="N", help="the tune's X: number")


def run(args: argparse.Namespace) -> int:
    from composer.notation.abc_from_score import import_score_file
    from composer.notation.atomic_file import write_bytes_atomically

    source = Path(args.file)
    if args.part is not None and args.part < 1:
        raise ComposerError(f"--part counts from 1, not {args.part}")
    if not source.is_file():
        raise ComposerError(f"cannot read {args.file}: no such file")
    try:
        imported = import_score_file(source, part=None if args.part is None else args.part - 1,
                                     reference=args.reference)
    except OSError as exc:
        raise ComposerError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    try:
        write_bytes_atomically(args.output, imported.text.encode("utf-8"))
    except OSError as exc:
        raise ComposerError(f"cannot write {exc.filename or args.output}: {exc.strerror or exc}") from exc
    print(args.output)
    for line in imported.report().splitlines():
        print(f"composer import: {line}", file=sys.stderr)
    return 0
