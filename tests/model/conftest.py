"""Judges for generated tunes: Debian's abc2midi (errors and bar-length warnings) and the foundation's checker."""

from __future__ import annotations

import pytest

from composer.abc.abc2midi import abc2midi_available, run_abc2midi
from composer.abc.checker import check_text
from composer.abc.diagnostic import ERROR
from composer.abc.tunebook import read_string


def problems(tune_text: str) -> list[str]:
    """abc2midi errors and bar-length warnings, and checker errors, for one tune's full text."""
    book = read_string(tune_text)
    assert len(book.tunes) == 1, tune_text
    found = []
    run = run_abc2midi(book.tunes[0])
    found += [f"abc2midi {m.severity}: {m.text}" for m in run.messages
              if m.severity == "error" or m.is_bar_length]
    found += [f"checker: {d}" for d in check_text(tune_text) if d.severity == ERROR]
    return found


@pytest.fixture(scope="session")
def judge():
    """`judge(text) -> list of problems` (abc2midi and checker); skips when abc2midi is missing."""
    if not abc2midi_available():
        pytest.skip("abc2midi is not installed")
    return problems
