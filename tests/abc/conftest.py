"""Fixtures of the ABC tests: the real collections (Nottingham, music21's folk ABC), read once a session."""

from __future__ import annotations

import random

import pytest

from composer.abc.corpora import MUSIC21_COLLECTIONS, collection_tunes
from composer.abc.tunebook import Tune


@pytest.fixture(scope="session")
def collections() -> dict[str, list[Tune]]:
    """Every tune of every collection, by collection name."""
    return dict(collection_tunes())


@pytest.fixture(scope="session")
def nottingham(collections) -> list[Tune]:
    return collections["nottingham"]


@pytest.fixture(scope="session")
def music21_sample(collections) -> list[Tune]:
    """A fixed sample of the music21 collections: 250 tunes of each big one, all of the small ones."""
    out: list[Tune] = []
    for name in MUSIC21_COLLECTIONS:
        tunes = collections[name]
        out.extend(tunes if len(tunes) <= 250 else random.Random(0).sample(tunes, 250))
    return out
