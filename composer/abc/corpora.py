"""Where the ABC collections live (Nottingham, music21's corpus folders) and reading their tunes."""

from __future__ import annotations

import os
from pathlib import Path

from composer.abc.tunebook import Tune, read_tunebook

__all__ = ["MUSIC21_COLLECTIONS", "collection_paths", "collection_tunes", "nottingham_dir"]

#: music21 corpus folders holding folk ABC, in the order reports list them.
MUSIC21_COLLECTIONS = ("ryansMammoth", "oneills1850", "airdsAirs", "miscFolk")


def nottingham_dir() -> Path:
    """The Nottingham collection: $COMPOSER_NOTTINGHAM, else ../shared/data/nottingham beside the checkout."""
    env = os.environ.get("COMPOSER_NOTTINGHAM")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "nottingham"


def collection_paths(name: str) -> list[Path]:
    """The .abc files of collection `name` ("nottingham" or a music21 corpus folder), sorted."""
    if name == "nottingham":
        return sorted(nottingham_dir().glob("*.abc"))
    from music21 import corpus  # music21 is slow to import: only when a corpus collection is asked for

    paths = (Path(p) for p in corpus.getCorePaths())
    return sorted(p for p in paths if p.suffix == ".abc" and p.parent.name == name)


def collection_tunes(names: list[str] | None = None) -> list[tuple[str, list[Tune]]]:
    """(name, tunes) of each collection in `names` (default: Nottingham, then the music21 folk folders)."""
    names = names or ["nottingham", *MUSIC21_COLLECTIONS]
    out = []
    for name in names:
        tunes: list[Tune] = []
        for path in collection_paths(name):
            tunes.extend(read_tunebook(path).tunes)
        out.append((name, tunes))
    return out
