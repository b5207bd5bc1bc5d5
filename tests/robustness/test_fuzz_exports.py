"""A fuzz over mutated real tunes: whatever the text, checking it and exporting it to MIDI and MusicXML either
works or raises a ComposerError (a message with a place), never another exception, and never takes long.

2,000 examples with a fixed seed in CI; ROBUSTNESS_FUZZ_EXAMPLES=10000 (or more) for a longer local run.
"""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.abc.checker import check_text
from composer.abc.tunebook import read_string, read_tunebook
from composer.errors import ComposerError
from composer.notation.midi import write_midi
from composer.notation.musicxml import musicxml_bytes

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("ROBUSTNESS_FUZZ_EXAMPLES", "2000"))
#: Seconds after which one example (check, MIDI and MusicXML of every tune in it; about 0.6 s on a quiet
#: 2-core machine) is taken to hang. A hang guard, not a speed target: the hangs this fuzz found ran for
#: minutes and grew without bound, while a loaded machine stretched one ordinary example to 27 s.
HANG_LIMIT_S = 120


def _tunes() -> list[str]:
    tunes = []
    for name in ("resources/examples.abc", "benchmarks/data/unseen_session.abc"):
        tunes += [tune.text() for tune in read_tunebook(REPO / name).tunes]
    return tunes


TUNES = _tunes()

#: What a careless or hostile edit puts in: the issue's cases and the syntax that is easiest to break.
HOSTILE = [
    "M:999999/1", "[M:999999/1]", "M:3/0", "M:0/4", "L:99999999/1", "L:1/0", "L:1/", "L:/8", "[L:1/0]", "Q:1",
    "Q:3", "Q:1/4=0", "[Q:1/4=99999999]", "A99999999", "A/99999999", "A0", "z0", "/0", "//////", "Z99999999",
    "x99999", "(" * 40, ")" * 5, "(0", "(3", "(99999999", "(3:2:99999", "(3::", "[", "]", "[]", "[[", "{", "}",
    "{}", "{[ceg]}", "|:", ":|", "::", "|1", "[2", "[99999999", ":|2", "|]", "[|]", "||", "!trill!", "!", "+",
    '"', '"Am', "^^^^", "____", "=^_", "'" * 30, "," * 30, "-", ">>>>", "<<", "\\", "$", "&", "%", "%%",
    "%%abc-include /etc/passwd", "%%MIDI program 999", "K:", "K:H#", "[K:]", "[K:Bb]", "X:", "X:99999999999999",
    "T:Paddy’s Reel", "T:海", "V:2", "[V:3]", "P:A99999999", "P:(AB)99999", "w:la-la", "\x1b[2J", "\x00",
    "\x7f", "\u009b", "\r", "\t", "\ufeff", "’", "—", "🎻",
]

_position = st.integers(min_value=0, max_value=10 ** 6)
_char = st.characters(codec="utf-8") | st.sampled_from(list("ABCDEFGabcdefgz|:[](){}<>/-^_=,'\"!%0123456789\n "))
MUTATION = st.one_of(
    st.tuples(st.just("delete"), _position, st.integers(1, 20)),
    st.tuples(st.just("insert"), _position, st.text(_char, min_size=1, max_size=8)),
    st.tuples(st.just("duplicate"), _position, st.integers(1, 40)),
    st.tuples(st.just("swap"), _position, _position),
    st.tuples(st.just("token"), _position, st.sampled_from(HOSTILE)),
    st.tuples(st.just("delete_line"), _position, st.just(0)),
    st.tuples(st.just("duplicate_line"), _position, st.integers(1, 3)),
    st.tuples(st.just("swap_lines"), _position, _position),
    st.tuples(st.just("token_line"), _position, st.sampled_from(HOSTILE)),
)


def mutate(text: str, mutations: list[tuple]) -> str:
    """`text` with each mutation applied in turn (positions wrap around the text as it is by then)."""
    for kind, where, what in mutations:
        if kind.endswith("line") or kind.endswith("lines"):
            lines = text.split("\n")
            i = where % len(lines)
            if kind == "delete_line" and len(lines) > 1:
                del lines[i]
            elif kind == "duplicate_line":
                lines[i:i + 1] = [lines[i]] * (what + 1)
            elif kind == "swap_lines":
                j = what % len(lines)
                lines[i], lines[j] = lines[j], lines[i]
            elif kind == "token_line":
                lines.insert(i, what)
            text = "\n".join(lines)
            continue
        i = where % (len(text) + 1)
        if kind == "delete":
            text = text[:i] + text[i + what:]
        elif kind in ("insert", "token"):
            text = text[:i] + what + text[i:]
        elif kind == "duplicate":
            text = text[:i] + text[i:i + what] + text[i:]
        elif kind == "swap" and text:
            i, j = sorted((where % len(text), what % len(text)))
            text = text[:i] + text[j] + text[i + 1:j] + text[i] + text[j + 1:] if i < j else text
    return text


class ExampleHung(BaseException):
    """An example ran past HANG_LIMIT_S (BaseException: no `except Exception` in a library hides it)."""


#: The text of the example running, for the message when it hangs (hypothesis cannot print an example whose
#: every shrinking step hangs too).
_running: list[str] = [""]


def _hung(_signal, _frame) -> None:
    raise ExampleHung(f"still running after {HANG_LIMIT_S} s on this text: {_running[0][:3000]!r}")


def export_everything(text: str) -> None:
    """Check `text`, then export each of its tunes to MIDI and MusicXML; a ComposerError is an answer."""
    check_text(text, path="fuzzed.abc")
    for tune in read_string(text).tunes:
        for export in (lambda t: write_midi(t, io.BytesIO()), musicxml_bytes):
            try:
                export(tune)
            except ComposerError as exc:
                assert str(exc).strip(), "an error with no words"


@pytest.mark.slow
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tune=st.sampled_from(TUNES), mutations=st.lists(MUTATION, min_size=1, max_size=8))
def test_mutated_tunes_export_or_say_why(tune, mutations):
    text = mutate(tune, mutations)
    _running[0] = text
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(HANG_LIMIT_S)
    try:
        export_everything(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_mutations_change_the_text_as_described():
    text = "X:1\nT:t\nK:D\nABc|\n"
    assert mutate(text, [("delete", 0, 2)]) == "1\nT:t\nK:D\nABc|\n"
    assert mutate(text, [("token", 4, "M:999999/1")]) == "X:1\nM:999999/1T:t\nK:D\nABc|\n"
    assert mutate(text, [("delete_line", 1, 0)]) == "X:1\nK:D\nABc|\n"
    assert mutate(text, [("duplicate_line", 3, 1)]) == "X:1\nT:t\nK:D\nABc|\nABc|\n"
    assert mutate(text, [("swap_lines", 0, 2)]) == "K:D\nT:t\nX:1\nABc|\n"
    assert mutate(text, [("swap", 0, 2)]) == "1:X\nT:t\nK:D\nABc|\n"
    assert mutate(text, [("duplicate", 10, 3)]) == "X:1\nT:t\nK:D\nAD\nABc|\n"
    assert len(TUNES) == 157
