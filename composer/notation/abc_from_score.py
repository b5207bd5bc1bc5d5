"""Write a music21 score (read from MusicXML or MIDI) as one ABC tune, listing what ABC could not carry over.

One part becomes the tune's melody: its notes, rests, chords, ties, tuplets, grace notes, slurs, chord symbols,
key, meter and tempo changes, repeats and numbered endings, and the ornaments and articulations ABC has signs
for. Everything else (other parts, second voices, lyrics, hairpins...) is counted in `ImportedAbc.omissions`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composer.notation.tune_writer import Omission, Omissions, TuneWriter

if TYPE_CHECKING:
    from music21 import stream

__all__ = ["IMPORT_FORMATS", "ImportedAbc", "abc_from_score", "import_score_file"]


@dataclass(frozen=True)
class ImportedAbc:
    """The ABC text of an imported score, what could not be carried over, and what had to be guessed."""

    text: str
    omissions: tuple[Omission, ...]
    guesses: tuple[str, ...]

    def report(self) -> str:
        """A few lines for a person: what was left out and what was guessed ('' when nothing)."""
        lines = [f"left out {o.describe()}" for o in self.omissions]
        lines += [f"guessed {g}" for g in self.guesses]
        return "\n".join(lines)


def abc_from_score(score: stream.Score | stream.Part, *, reference: int = 1, title: str | None = None,
                   part: int | None = None) -> ImportedAbc:
    """One ABC tune (X:`reference`) from a music21 score: its part number `part` (0-based; default the first
    part with notes) becomes the melody. The title comes from `title`, else the score's metadata."""
    from music21 import stream as m21stream

    omissions = Omissions()
    guesses: list[str] = []
    parts = list(score.parts) if isinstance(score, m21stream.Score) else [score]
    if not parts:
        raise ValueError("the score has no parts")
    with_notes = [index for index, p in enumerate(parts) if p.recurse().notesAndRests.first() is not None]
    if part is None:
        part = with_notes[0] if with_notes else 0
    if not 0 <= part < len(parts):
        raise ValueError(f"no part {part + 1}: the score has {len(parts)}")
    for index, other in enumerate(parts):
        if index != part and index in with_notes:
            name = other.partName or f"{index + 1}"
            omissions.add(f"notes of part {name!r} (only part {parts[part].partName or part + 1!r} is written)",
                          None, len(other.recurse().notes))
    melody = parts[part]
    if not melody.hasMeasures():
        melody = melody.makeMeasures()

    writer = TuneWriter(melody, omissions, guesses)
    body = writer.body()
    header = [f"X:{reference}", f"T:{title or _score_title(score) or 'Untitled'}"]
    composer = score.metadata.composer if getattr(score, "metadata", None) is not None else None
    if composer and composer != "Music21":
        header.append(f"C:{composer}")
    header += [f"M:{writer.meter}", f"L:{writer.unit_text}"]
    if writer.tempo:
        header.append(f"Q:{writer.tempo}")
    header.append(f"K:{writer.key}")
    return ImportedAbc("\n".join(header + body) + "\n", omissions.values(), tuple(guesses))


def _score_title(score: Any) -> str | None:
    metadata = getattr(score, "metadata", None)
    if metadata is None:
        return None
    for name in ("title", "movementName"):
        # Indexing gives the text as stored; the attributes move articles ("Lasses, The" → "The Lasses").
        values = metadata[name]
        if values and str(values[0]).strip():
            return str(values[0]).strip()
    return None


#: File extensions import_score_file reads, and the music21 format of each.
IMPORT_FORMATS = {".musicxml": "musicxml", ".xml": "musicxml", ".mxl": "musicxml", ".mid": "midi", ".midi": "midi"}


def import_score_file(path: str | Path, *, part: int | None = None, reference: int = 1) -> ImportedAbc:
    """Read a MusicXML (.musicxml, .xml, .mxl) or MIDI (.mid) file with music21 and write it as one ABC tune.

    Raises AbcError when the file cannot be read as its extension says.
    """
    from music21 import converter

    from composer.errors import AbcError

    path = Path(path)
    kind = IMPORT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise AbcError(f"cannot import {path.name}: use one of {', '.join(IMPORT_FORMATS)}", path=str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "midi":
                # MIDI holds times, not notation: music21 rounds them to sixteenths and eighth-note triplets.
                score = converter.parse(path, format="midi", quantizePost=True, forceSource=True)
            else:
                score = converter.parse(path, format="musicxml", forceSource=True)
    except OSError:
        raise
    except Exception as exc:  # music21 raises many unrelated types on bad files
        raise AbcError(f"music21 cannot read {path.name} as {kind}: {type(exc).__name__}: {exc}",
                       path=str(path)) from exc
    if hasattr(score, "scores"):  # an Opus: several pieces in one file
        score = score.scores[0]
    title = _score_title(score)
    if not title or title.startswith("Music21") or kind == "midi":
        title = title if title and not title.startswith("Music21") else path.stem.replace("_", " ")
    try:
        imported = abc_from_score(score, reference=reference, title=title, part=part)
    except ValueError as exc:
        raise AbcError(f"cannot import {path.name}: {exc}", path=str(path)) from exc
    if kind == "midi":
        note = "note lengths from MIDI times, rounded to sixteenths and eighth-note triplets"
        imported = ImportedAbc(imported.text, imported.omissions, (*imported.guesses, note))
    return imported
