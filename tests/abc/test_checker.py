"""The checker: each kind of problem, places, the Diagnostic format, and that it never raises."""

from __future__ import annotations

import random
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.abc.checker import check_text, check_tune
from composer.abc.diagnostic import Diagnostic
from composer.abc.tune_checker import CHORD_TYPES
from composer.abc.tunebook import read_string

HEADER = "X:1\nT:Test\nM:4/4\nL:1/8\nK:G\n"


def messages(text: str) -> list[tuple[str, int, int, str]]:
    return [(d.severity, d.line, d.column, d.message) for d in check_text(text)]


def test_clean_tune_has_no_diagnostics():
    assert check_text(HEADER + "GABc d2e2|f2g2 a4|]\n") == []


def test_diagnostic_format():
    d = Diagnostic("error", "boom", 3, 7, 12, "tunes.abc")
    assert str(d) == "tunes.abc:3:7: error: boom"
    assert str(Diagnostic("warning", "hm", 1, 1)) == "<text>:1:1: warning: hm"


def test_missing_and_misplaced_key():
    (severity, line, column, message), *_ = messages("X:1\nT:No key\nM:4/4\nABcd|\n")
    assert (severity, line, column) == ("error", 4, 1) and "K:" in message
    found = messages("X:1\nT:Late key\nABcd|\nK:G\nABcd|\n")
    assert ("error", 4, 1) in [(s, ln, c) for s, ln, c, _ in found]


def test_unknown_header_and_body_fields():
    found = messages("X:1\nT:t\nY:AB\nM:4/4\nL:1/8\nK:G\nABcd efga|\nJ:x\n")
    assert [(s, ln) for s, ln, _, m in found if "field" in m] == [("warning", 3), ("warning", 8)]


def test_bar_lengths_with_pickup_closing_bar_tuplets_broken_rhythm_chords_and_grace_notes():
    body = "D|(3GAB c2 d>e f/g/a|[GB]2 {ga}g2 A<B c2|d6|]\n"
    assert messages(HEADER + body) == []
    short = messages(HEADER + "D|GABc d2e|f8|]\n")
    assert [(ln, col) for _, ln, col, m in short if m.startswith("bar length")] == [(6, 11)]


def test_quintuplets_take_abc2midis_time_three_when_the_meter_counts_in_threes():
    # abc2midi plays (5 in 3/4 as five in the time of three and checks bars that way (ABC 2.1 would say two).
    waltz = "X:1\nT:t\nM:3/4\nL:1/8\nK:G\n"
    assert messages(waltz + "(5GABcd d3|(5GABcd d3|\n") == []
    found = messages(waltz + "G6|G2 (5GABcd d2|G6|\n")  # abc2midi: "Bar 1 has 7/2 time units"
    assert [(ln, col, m) for _, ln, col, m in found] == [(6, 17, "bar length 7/8 overfills the bar of 3/4")]
    assert messages(HEADER + "(5GABcd d2 e2 f2|(5GABcd d2 e2 f2|\n") == []


def test_repeats_and_endings_let_the_pickup_complete_the_last_bar():
    assert messages(HEADER + "|:D|GABc d2e2|f6 e:|\n") == []
    assert messages(HEADER + "|:GABc d2e2|[1 f8:|[2 f4 e4|]\n") == []


def test_inline_meter_and_unit_changes():
    assert messages(HEADER + "GABc d2e2|[M:3/4] GAB c2d|[L:1/4] G2 A|\nM:6/8\nL:1/8\nGAB cde|\n") == []
    assert any(m.startswith("bar length") for *_, m in messages(HEADER + "GABc d2e2|[M:3/4] GABc d2e2|\n"))


def test_unbalanced_brackets_are_errors():
    text = HEADER + '[GB c|\n(A B|\n"Am A|\nA !trill A|\n{g A|\nB)A)|\n'
    errors = [(line, col, m) for s, line, col, m in messages(text) if s == "error"]
    assert [(line, col) for line, col, _ in errors] == [(6, 1), (8, 1), (9, 3), (10, 1), (11, 4)]
    assert ") without a matching (" in errors[-1][2]


def test_unterminated_repeat_and_unknown_characters():
    found = messages(HEADER + "|:GABc d2e2|f8|\nGA#Bc d2e2;|]\n")
    assert ("error", 6, 1) in [(s, ln, c) for s, ln, c, _ in found]
    assert [(ln, c) for s, ln, c, m in found if "means nothing" in m] == [(7, 3), (7, 11)]


def test_chord_symbols_players_reject():
    found = messages(HEADER + '"G"GABc "Cd"d2 "Ca"e2|"D7/f#"f8|]\n')
    assert [(c, "chord symbol" in m) for _, _, c, m in found] == [(9, True), (16, True)]


def test_chord_types_agree_with_abc2midi(tmp_path):
    """Every chord type the checker accepts is accepted by Debian's abc2midi; Nottingham's Cd/Ca are not."""
    accepted = " ".join(f'"C{kind}"C8|' for kind in sorted(CHORD_TYPES))
    source = tmp_path / "chords.abc"
    source.write_text(HEADER + accepted + '"Cd"C8|"Ca"C8|\n')
    out = subprocess.run(["abc2midi", str(source), "1", "-o", str(tmp_path / "c.mid")], capture_output=True,
                         text=True).stdout
    rejected = [line for line in out.splitlines() if "Unrecognized chord" in line]
    assert [line.split('"')[1] for line in rejected] == ["d", "a"]


def test_places_carry_tune_and_path():
    d = check_text("X:7\nT:t\nM:4/4\nL:1/8\nK:G\nA#|\n", path="x.abc")
    assert {(x.tune, x.path) for x in d} == {(7, "x.abc")}


@pytest.mark.parametrize("text", [
    "", "\n\n\n", "\x00\x01\x02\xff\xfe binary \x7f", "X:1\n", "K:\n", "X:\nK:\n[[[[((({{{!!\"\"\"|:|:|:",
    "X:1\nK:C\n" + "]]]])))}}}}" * 50, "X:1\nM:0/0\nL:0/0\nK:Q\nA/0B//////0c0|(0:0:0 A\n",
    "X:1\nK:C\n[K:]\n[M:]\n[L:]\nV:\n[V:]\nZ0|Z99999|x/0|\n", "X:1\nK:C\n(9" + "A" * 20 + ">" * 10 + "|\n",
])
def test_never_raises_on_bad_input(text):
    found = check_text(text)
    assert all(isinstance(d, Diagnostic) for d in found)
    assert not any("internal" in d.message for d in found)


def test_binary_junk_and_five_megabytes():
    junk = bytes(random.Random(3).randrange(256) for _ in range(20_000)).decode("latin-1")
    assert check_text(junk)  # reported, never silent
    tunes = (HEADER + "GABc d2e2|f8|]\n\n") * 2_000
    free_text = "Some free text between tunes, with | bars [ and ( brackets.\n" * 82_000
    big = tunes + free_text + "\nX:2\nK:C\n" + ("[(\"{!" * 1000 + "\n") * 20
    assert len(big) > 5_000_000
    found = check_text(big)
    assert found and not any("internal" in d.message for d in found)


def test_whole_nottingham_checks_without_internal_errors(nottingham):
    for tune in nottingham:
        assert not any("internal" in d.message for d in check_tune(tune)), tune.label


_ABC_CHARS = st.sampled_from(list("ABCDEFGabcdefgzxZ|:[]()/{}<>\"!+-.~^_=,'0123456789 \n%\\&KLMV#;"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_mutations_of_real_tunes(nottingham, data):
    """Random insertions, deletions and replacements in real tunes give diagnostics, never an exception."""
    tune = data.draw(st.sampled_from(nottingham))
    text = tune.text()
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = "".join(data.draw(st.lists(_ABC_CHARS, min_size=1, max_size=6)))
        if action == "insert":
            text = text[:where] + chunk + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + len(chunk):]
        else:
            text = text[:where] + chunk + text[where + len(chunk):]
    found = check_text(text)
    assert not any("internal" in d.message for d in found)
    for d in found:
        assert d.line >= 1 and d.column >= 1


def test_check_tune_matches_check_text(nottingham):
    tune = nottingham[5]
    book = read_string(tune.text())
    assert [(d.message, d.line - 1 + tune.line) for d in check_tune(book.tunes[0])] == \
           [(d.message, d.line) for d in check_tune(tune)]
