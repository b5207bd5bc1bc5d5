"""Export tunes to ABC, MIDI, WAV, PDF, SVG or MusicXML: one entry point for the command line and the window.

`export_tunes(book, output, options)` writes the tunes that `options` chooses to `output`, in the format its
extension names (or `options.suffix`), and returns an Outcome. Every tune that can be exported is written;
each one that cannot (numbers outside musical bounds, no K:, a file that cannot be written) is listed with its
place. Files are written atomically: a failed write leaves the old file as it was, and a read-only target is
refused and kept. The window runs `export_text` (the same, from a text snapshot) in a child process under a
time limit (composer.notation.time_limit).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from composer.abc.bounds import MAX_TEMPO_QPM, MIN_TEMPO_QPM
from composer.abc.tunebook import Tune, Tunebook, read_string
from composer.errors import ComposerError
from composer.notation.pages import PageFormat

__all__ = [
    "EXPORTERS", "ExportOptionError", "ExportOptions", "Exporter", "Outcome", "chosen_tunes", "export_text",
    "export_tunes", "numbered_paths", "select_tunes",
]


class ExportOptionError(ComposerError):
    """An export option outside its bounds; `option` names the ExportOptions field."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(f"{option} {reason}")

    def __reduce__(self):
        return type(self), (self.option, self.reason)


@dataclass(frozen=True)
class ExportOptions:
    """How to export: the format, which tunes, and what each format takes (the others ignore it)."""

    suffix: str | None = None  # the format as an extension (".pdf"); None: the output's own extension
    tune: str | None = None  # only this tune: its X: number, or a word of its title (see select_tunes)
    line: int | None = None  # only the tune covering this 1-based line (the window's current tune)
    canonical: bool = False  # ABC: every tune in canonical form
    program: int | None = None  # MIDI/WAV: General MIDI program 0-127 of the melody (MIDI: 0 when None)
    tempo: float | None = None  # MIDI/WAV: quarter notes a minute (None: the tune's Q:)
    speed: float = 1.0  # MIDI/WAV: the tempo (given, or the tune's) times this, as the transport plays it
    accompaniment: bool = False  # MIDI: a bass and chord track from the chord symbols
    soundfont: str | None = None  # WAV: the SoundFont to render with (None: the best installed)
    page_format: PageFormat | None = None  # PDF/SVG: paper and margins (None: abcm2ps's defaults)
    tune_per_page: bool = True  # PDF/SVG: every tune starts a new page

    def __post_init__(self) -> None:
        if self.tune is not None and self.line is not None:
            raise ValueError("choose a tune by `tune` or by `line`, not both")
        if self.program is not None and not 0 <= self.program <= 127:
            raise ExportOptionError("program", f"must be between 0 and 127, not {self.program}")
        if self.tempo is not None and not MIN_TEMPO_QPM <= self.tempo <= MAX_TEMPO_QPM:
            raise ExportOptionError("tempo", f"must be between {MIN_TEMPO_QPM:g} and {MAX_TEMPO_QPM:g} quarter "
                                             f"notes a minute, not {self.tempo:g}")
        if not self.speed > 0:
            raise ExportOptionError("speed", f"must be more than 0, not {self.speed:g}")


@dataclass(frozen=True)
class Outcome:
    """The files an export wrote, and an error (with its tune and place) for each tune it left out."""

    written: tuple[Path, ...] = ()
    failed: tuple[ComposerError, ...] = ()


Exporter = Callable[[Tunebook, list[Tune], Path, ExportOptions], Outcome]


# ----------------------------------------------------------------------------------------------- entry points
def export_tunes(book: Tunebook, output: str | os.PathLike, options: ExportOptions) -> Outcome:
    """Write the tunes of `book` that `options` chooses to `output` (one file per tune for MIDI, WAV and
    MusicXML when there are several, see numbered_paths; one per page for SVG).

    Raises ComposerError when nothing can be exported at all: an unknown format, no such folder, no tune
    chosen, a tunebook that would pull another file into printed pages, or the one file of an ABC, PDF or
    SVG export that cannot be written. A tune that cannot be exported is listed in the Outcome instead.
    """
    output = Path(output)
    suffix = (options.suffix or output.suffix).lower()
    exporter = EXPORTERS.get(suffix)
    if exporter is None:
        raise ComposerError(f"cannot tell the format of {str(output)!r}: use one of {', '.join(EXPORTERS)}")
    if not output.absolute().parent.is_dir():
        raise ComposerError(f"cannot write {output}: no such folder")
    tunes = chosen_tunes(book, options)
    try:
        return exporter(book, tunes, output, options)
    except OSError as exc:
        raise ComposerError(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from exc


def export_text(text: str, output: str | os.PathLike, options: ExportOptions) -> Outcome:
    """export_tunes on the tunebook read from `text` (a snapshot of the window's editor): what the window runs
    in a child process. When no file could be written, the first tune's error is raised, so the export
    reads as failed."""
    outcome = export_tunes(read_string(text), output, options)
    if not outcome.written and outcome.failed:
        raise outcome.failed[0]
    return outcome


def chosen_tunes(book: Tunebook, options: ExportOptions) -> list[Tune]:
    """The tunes `options` chooses: the one covering `line` (else the first), the one `tune` names, or all."""
    if options.line is not None and book.tunes:
        return [book.tune_at_line(options.line) or book.tunes[0]]
    return select_tunes(book, options.tune)


def select_tunes(book: Tunebook, wanted: str | None) -> list[Tune]:
    """Every tune of `book`, or the one `wanted` picks (its X: number, else a case-blind title match)."""
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


# -------------------------------------------------------------------------------------------------- exporters
def export_abc(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    """The whole tunebook (byte for byte, unless canonical) or the chosen tunes, as one ABC file."""
    from composer.notation.abc_writer import write_abc

    everything = len(tunes) == len(book.tunes)
    write_abc(book if everything else tunes, output, canonical=options.canonical)
    return Outcome((output,))


def export_midi(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    from composer.notation.midi import write_midi

    def write(tune: Tune, path: Path) -> None:
        write_midi(tune, path, accompaniment=options.accompaniment, tempo_bpm=_tempo(tune, options),
                   program=options.program or 0)

    return _each_tune(tunes, numbered_paths(output, tunes), write)


def export_wav(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    from composer.audio.render import export_wav as render_wav

    def write(tune: Tune, path: Path) -> None:
        render_wav(tune, path, soundfont=options.soundfont, program=options.program, tempo=_tempo(tune, options))

    return _each_tune(tunes, numbered_paths(output, tunes), write)


def export_musicxml(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    """Each chosen tune as a MusicXML file (OUT-<X>.musicxml when there are several)."""
    from composer.notation.musicxml import write_musicxml

    return _each_tune(tunes, numbered_paths(output, tunes), write_musicxml)


def export_pdf(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    """The chosen tunes (or the whole tunebook, header and all) as one PDF; tunes outside musical bounds are
    left out and reported."""
    from composer.notation.pages import tunebook_text
    from composer.notation.pdf import write_pdf

    good, failed = _printable(book, tunes)
    if not good:
        return Outcome((), failed)
    with _named(book):
        write_pdf(tunebook_text(book, good), output, options.page_format, tune_per_page=options.tune_per_page)
    return Outcome((output,), failed)


def export_svg(book: Tunebook, tunes: list[Tune], output: Path, options: ExportOptions) -> Outcome:
    """The chosen tunes as SVG, one file per page (OUT-1.svg, OUT-2.svg... when there are several); tunes
    outside musical bounds are left out and reported."""
    from composer.notation.pages import tunebook_text
    from composer.notation.svg_pages import write_svg_pages

    good, failed = _printable(book, tunes)
    if not good:
        return Outcome((), failed)
    with _named(book):
        pages = write_svg_pages(tunebook_text(book, good), output, options.page_format,
                                tune_per_page=options.tune_per_page)
    return Outcome(tuple(pages), failed)


#: Output extension → exporter: the one table the command line and the window share.
EXPORTERS: dict[str, Exporter] = {
    ".abc": export_abc,
    ".mid": export_midi,
    ".midi": export_midi,
    ".wav": export_wav,
    ".pdf": export_pdf,
    ".svg": export_svg,
    ".musicxml": export_musicxml,
}


# ---------------------------------------------------------------------------------------------------- helpers
def _tempo(tune: Tune, options: ExportOptions) -> float | None:
    """The tempo to write in quarter notes a minute; None: the tune's own Q:."""
    if abs(options.speed - 1.0) <= 1e-6:
        return options.tempo
    from composer.notation.midi import tempo_qpm

    return (options.tempo or tempo_qpm(tune)) * options.speed


def _write_error(exc: OSError, path: Path, tune: Tune) -> ComposerError:
    """An OSError while writing `path` as one sentence naming the file and the tune."""
    return ComposerError(f"cannot write {exc.filename or path}: {exc.strerror or exc}", tune=tune.reference)


def _each_tune(tunes: list[Tune], paths: list[Path], write: Callable[[Tune, Path], object]) -> Outcome:
    """`write(tune, path)` for every tune; a tune that fails (refused, unreadable, not writable) is recorded
    and the others still go out. A read-only target is refused before any work is done for it."""
    from composer.notation.atomic_file import refuse_read_only

    written: list[Path] = []
    failed: list[ComposerError] = []
    for tune, path in zip(tunes, paths, strict=True):
        try:
            refuse_read_only(path)
            write(tune, path)
        except ComposerError as exc:
            failed.append(exc)
        except OSError as exc:
            failed.append(_write_error(exc, path, tune))
        else:
            written.append(path)
    return Outcome(tuple(written), tuple(failed))


def _printable(book: Tunebook, tunes: list[Tune]) -> tuple[list[Tune], tuple[ComposerError, ...]]:
    """The tunes fit to print, and the errors of the others (numbers outside musical bounds, no K:); AbcError
    when the tunebook would pull another file into the pages (`%%abc-include`)."""
    from composer.notation.music21_abc import require_exportable
    from composer.notation.pages import refuse_file_directives

    refuse_file_directives(book.text, book.path)
    good: list[Tune] = []
    failed: list[ComposerError] = []
    for tune in tunes:
        try:
            require_exportable(tune)
            good.append(tune)
        except ComposerError as exc:
            failed.append(exc)
    return good, tuple(failed)


@contextmanager
def _named(book: Tunebook) -> Iterator[None]:
    """Give an engraver's or Ghostscript's error that names no file the tunebook's name."""
    try:
        yield
    except ComposerError as exc:
        if exc.path is not None:
            raise
        raise type(exc)(f"cannot print it: {exc.message}", path=book.path or "the tunebook", tune=exc.tune,
                        line=exc.line, column=exc.column) from exc
