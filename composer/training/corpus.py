"""Training text: tunebooks → cleaned canonical tunes, abc2midi-validated, split by tune into train and validation."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from composer.abc.abc2midi import abc2midi_available, run_abc2midi
from composer.abc.corpora import collection_paths
from composer.abc.tunebook import read_string, read_tunebook
from composer.errors import TrainingError
from composer.model.canonical import body_start, canonical_text

MUSIC21_PREFIX = "music21:"
#: The corpus of the default model: Nottingham plus the music21 collections in the same style.
DEFAULT_CORPUS = (
    "nottingham",
    "music21:oneills1850",
    "music21:ryansMammoth",
    "music21:airdsAirs",
    "music21:miscFolk",
)

_CHORD_SYMBOL = re.compile(r'"([^"\n]*)"')
# What abc2midi accepts as a guitar chord: root, optional accidental, a known type, optional /bass.
_CHORD_OK = re.compile(
    r"^[A-G][#b]?(m|min|maj|maj7|M7|dim|aug|sus|sus2|sus4|7|9|11|13|m7|m9|dim7|6|m6|7sus4|add9|\+|o|5)?"
    r"(/[A-Ga-g][#b]?)?$")


@dataclass(frozen=True)
class CorpusTune:
    """One canonical tune ready for training, with where it came from."""

    text: str
    source: str
    title: str

    @property
    def body_offset(self) -> int:
        return body_start(self.text)


@dataclass(frozen=True)
class Corpus:
    """Tunes split by tune into training and validation, plus what cleaning did."""

    train: tuple[CorpusTune, ...]
    validation: tuple[CorpusTune, ...]
    sources: tuple[str, ...]
    rejected: tuple[tuple[str, str], ...] = ()

    def describe(self) -> dict:
        return {
            "sources": list(self.sources),
            "train_tunes": len(self.train),
            "validation_tunes": len(self.validation),
            "train_chars": sum(len(t.text) for t in self.train),
            "validation_chars": sum(len(t.text) for t in self.validation),
            "rejected_tunes": len(self.rejected),
        }


def source_files(source: str) -> list[Path]:
    """Files of a source name: a path (file or folder of .abc), `nottingham`, or `music21:<collection>`."""
    if source.startswith(MUSIC21_PREFIX) or source == "nottingham":
        files = collection_paths(source.removeprefix(MUSIC21_PREFIX))
        if not files:
            raise TrainingError(f"no ABC collection {source!r}")
        return files
    path = Path(source)
    if path.is_dir():
        return sorted(path.rglob("*.abc"))
    if path.is_file():
        return [path]
    raise TrainingError(f"no such tunebook or folder: {source}")


def repair_chord_symbols(text: str) -> str:
    """Respell chord symbols abc2midi rejects: Nottingham's `"Cd"`/`"Ca"`, spaces, parentheses; drop the rest."""

    def fix(match: re.Match) -> str:
        chord = match.group(1)
        if chord[:1] in "^_<>@":  # an annotation, not a chord
            return match.group(0)
        chord = chord.strip().strip("()").replace(" ", "")
        m = re.match(r"^([A-G][#b]?)(d|a)(/.*)?$", chord)
        if m:
            chord = m.group(1) + ("dim" if m.group(2) == "d" else "aug") + (m.group(3) or "")
        if _CHORD_OK.match(chord):
            return f'"{chord}"'
        return ""

    return _CHORD_SYMBOL.sub(fix, text)


# A decoration written before a slur, `~(BA)`, which abc2midi rejects: it belongs on the first note, `(~BA)`.
_DECORATION_BEFORE_SLUR = re.compile(r"(?<![A-Za-z\"!])([~.TtHLMOPSuv]|![^!\n]*!)\((?![0-9])")
# abc2midi "errors" that concern its own playback features, not the ABC: the tune is kept.
HARMLESS_ERRORS = ("Hornpipe must be in 2/4 or 4/4 time",)


def repair_decorations(body: str) -> str:
    """Move decorations written before a slur onto its first note."""
    return _DECORATION_BEFORE_SLUR.sub(r"(\1", body)


def clean_tune(text: str) -> str:
    """A canonical tune with the repairs that keep the model from learning broken ABC."""
    header_end = body_start(text)
    return text[:header_end] + repair_decorations(repair_chord_symbols(text[header_end:]))


def abc2midi_errors(texts: list[str], cache_dir: Path | None = None) -> list[list[str]]:
    """abc2midi's errors for each tune text (cached by content hash in `cache_dir`)."""
    if not abc2midi_available():
        raise TrainingError("abc2midi is not installed (Debian package abcmidi)")
    cache: dict[str, list[str]] = {}
    cache_file = cache_dir / "abc2midi-errors.json" if cache_dir else None
    if cache_file and cache_file.is_file():
        cache = json.loads(cache_file.read_text())
    results = []
    for text in texts:
        digest = hashlib.sha1(text.encode()).hexdigest()
        if digest not in cache:
            run = run_abc2midi(read_string(text).tunes[0])
            cache[digest] = [f"line {m.line}:{m.column}: {m.text}" for m in run.messages
                             if m.severity == "error" and not any(h in m.text for h in HARMLESS_ERRORS)]
        results.append(cache[digest])
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp_file = cache_file.with_suffix(".tmp")
        tmp_file.write_text(json.dumps(cache))
        os.replace(tmp_file, cache_file)
    return results


def read_tunes(sources: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(source label, title, cleaned canonical text) of every tune with a body in `sources`."""
    for source in sources:
        for path in source_files(source):
            for tune in read_tunebook(path):
                if not tune.body:
                    continue
                yield f"{source}:{path.name}:{tune.label}", tune.title, clean_tune(canonical_text(tune))


def is_validation(text: str, fraction: float) -> bool:
    """A deterministic split by tune: the hash of the tune's text decides."""
    digest = hashlib.sha1(text.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def build_corpus(sources: Iterable[str], validation_fraction: float = 0.05, *, validate: bool = True,
                 cache_dir: Path | None = None) -> Corpus:
    """Read, clean, validate with abc2midi and split the tunes of `sources` (duplicates dropped)."""
    sources = tuple(sources)
    seen: set[str] = set()
    kept: list[CorpusTune] = []
    rejected: list[tuple[str, str]] = []
    for label, title, text in read_tunes(sources):
        body = text[body_start(text):]
        if body in seen:
            rejected.append((label, "duplicate of an earlier tune"))
            continue
        seen.add(body)
        kept.append(CorpusTune(text, label, title))
    if validate:
        errors = abc2midi_errors([t.text for t in kept], cache_dir)
        good = []
        for tune, errs in zip(kept, errors, strict=True):
            if errs:
                rejected.append((tune.source, errs[0]))
            else:
                good.append(tune)
        kept = good
    if not kept:
        raise TrainingError(f"no usable tunes in {', '.join(sources)}")
    train = tuple(t for t in kept if not is_validation(t.text, validation_fraction))
    validation = tuple(t for t in kept if is_validation(t.text, validation_fraction))
    if not validation and len(train) > 1:
        validation, train = train[-1:], train[:-1]
    return Corpus(train, validation, sources, tuple(rejected))
