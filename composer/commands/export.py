"""Export the tunes of an ABC file to MIDI, ABC or WAV (the format comes from the output file's extension)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from composer.abc.tunebook import Tune, Tunebook, read_tunebook
from composer.commands.export_sheet import export_musicxml, export_pdf, export_svg
from composer.errors import ComposerError


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
    if args.tempo is not None and args.tempo <= 0:
        raise ComposerError(f"--tempo must be positive, not {args.tempo:g}")
    try:
        book = read_tunebook(Path(args.file))
    except OSError as exc:
        raise ComposerError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    tunes = select_tunes(book, args.tune)
    try:
        written = exporter(book, tunes, output, args)
    except OSError as exc:
        raise ComposerError(f"cannot write {exc.filename or args.output}: {exc.strerror or exc}") from exc
    for path in written:
        print(path)
    return 0


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


def numbered_paths(output: Path, tunes: list[Tune]) -> list[Path]:
    """One path per tune: `output` itself for one tune, else OUT-<X>.ext (X: number, or position)."""
    if len(tunes) == 1:
        return [output]
    paths: list[Path] = []
    taken: set[Path] = set()
    for position, tune in enumerate(tunes, start=1):
        name = str(tune.reference if tune.reference is not None else position)
        path = output.with_name(f"{output.stem}-{name}{output.suffix}")
        if path in taken:
            path = output.with_name(f"{output.stem}-{name}-{position}{output.suffix}")
        taken.add(path)
        paths.append(path)
    return paths


def export_abc(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    from composer.notation.abc_writer import write_abc

    everything = len(tunes) == len(book.tunes)
    write_abc(book if everything else tunes, output, canonical=args.canonical)
    return [output]


def export_midi(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    from composer.notation.midi import write_midi

    paths = numbered_paths(output, tunes)
    for tune, path in zip(tunes, paths, strict=True):
        write_midi(tune, path, accompaniment=args.accompaniment, tempo_bpm=args.tempo,
                   program=args.program or 0)
    return paths


def export_wav(book: Tunebook, tunes: list[Tune], output: Path, args: argparse.Namespace) -> list[Path]:
    try:
        from composer.audio.render import export_wav as render_wav
    except ImportError as exc:
        raise ComposerError(f"WAV export not available ({exc})") from exc
    paths = numbered_paths(output, tunes)
    for tune, path in zip(tunes, paths, strict=True):
        render_wav(tune, path, soundfont=args.soundfont, program=args.program, tempo=args.tempo)
    return paths


Exporter = Callable[[Tunebook, list[Tune], Path, argparse.Namespace], list[Path]]

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
