"""The body tokenizer: kinds, values, places, and that tokens cover the text exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from composer.abc.tokens import Kind, parse_length, tokenize, tokenize_tune


def kinds(text: str) -> list[str]:
    return [t.kind.value for t in tokenize(text) if t.kind not in (Kind.EOL, Kind.SPACE)]


def test_notes_carry_accidental_letter_octave_and_length():
    notes = [t for t in tokenize("^c'2 __B,,/ =e3/2 G// a") if t.kind is Kind.NOTE]
    assert [(n.accidental, n.letter, n.octave, n.length) for n in notes] == [
        ("^", "c", 2, Fraction(2)), ("__", "B", -2, Fraction(1, 2)), ("=", "e", 1, Fraction(3, 2)),
        ("", "G", 0, Fraction(1, 4)), ("", "a", 1, Fraction(1)),
    ]


@pytest.mark.parametrize("text,value", [
    ("", 1), ("2", 2), ("/", Fraction(1, 2)), ("//", Fraction(1, 4)), ("3/2", Fraction(3, 2)),
    ("/4", Fraction(1, 4)), ("3//", Fraction(3, 4)),
])
def test_lengths(text, value):
    assert parse_length(text) == value


def test_every_element_kind():
    line = '|:"Am7/G"!trill!~A>B (3cde {/g}[CEG]2 z2 x Z4 y (A-A) "^text" [K:D] & +fermata+ .c|1 :|2 [1 |] \\'
    assert kinds(line) == [
        "bar", "chord_symbol", "decoration", "decoration", "note", "broken", "note", "tuplet", "note",
        "note", "note", "grace_start", "note", "grace_end", "chord_start", "note", "note", "note",
        "chord_end", "rest", "rest", "multi_rest", "spacer", "slur_start", "note", "tie", "note", "slur_end",
        "annotation",
        "inline_field", "overlay", "decoration", "decoration", "note", "bar", "variant", "bar", "variant",
        "variant", "bar", "continuation",
    ]


def test_bar_lines_and_endings():
    bars = [(t.kind.value, t.text) for t in tokenize("|| |] [| :|: :: |:: .| [|] :|2 |[1,3") if t.kind
            not in (Kind.SPACE, Kind.EOL)]
    assert bars == [("bar", "||"), ("bar", "|]"), ("bar", "[|"), ("bar", ":|:"), ("bar", "::"),
                    ("bar", "|::"), ("bar", ".|"), ("bar", "[|]"), ("bar", ":|"), ("variant", "2"),
                    ("bar", "|"), ("variant", "[1,3")]
    variant = [t for t in tokenize("[1-3") if t.kind is Kind.VARIANT][0]
    assert variant.numbers == (1, 2, 3)


def test_field_lines_comments_and_unknown_characters():
    toks = list(tokenize("K:G\n% comment\nA # B ;\nw: la la"))
    assert [t.kind.value for t in toks if t.kind is not Kind.SPACE] == [
        "field", "eol", "comment", "eol", "note", "unknown", "note", "unknown", "eol", "field", "eol"]
    assert toks[0].name == "K" and toks[0].value == "G"


def test_unclosed_quote_and_decoration_are_marked():
    quote = next(t for t in tokenize('A "Am B') if t.kind is Kind.CHORD_SYMBOL)
    assert not quote.closed and quote.content == "Am B"
    bang = next(t for t in tokenize("A !trill B") if t.kind is Kind.DECORATION)
    assert not bang.closed


def test_places_are_one_based_and_follow_the_line_number():
    toks = [t for t in tokenize("AB\n  c|", line=7) if t.kind is not Kind.EOL]
    assert [(t.text, t.line, t.column) for t in toks] == [("A", 7, 1), ("B", 7, 2), ("  ", 8, 1), ("c", 8, 3),
                                                         ("|", 8, 4)]


def test_tokens_cover_every_body_line_of_nottingham(nottingham):
    """Joining the token texts of a line gives the line back, and each token sits where its text is."""
    for tune in nottingham:
        lines = {b.line: b.text for b in tune.body}
        rebuilt: dict[int, str] = {}
        for tok in tokenize_tune(tune):
            if tok.kind is Kind.EOL:
                continue
            assert lines[tok.line][tok.column - 1: tok.end_column - 1] == tok.text
            rebuilt[tok.line] = rebuilt.get(tok.line, "") + tok.text
        assert all(rebuilt.get(n, "") == text for n, text in lines.items())


def test_nottingham_has_no_unknown_characters(nottingham):
    unknown = [(t.label, tok.text) for t in nottingham for tok in tokenize_tune(t)
               if tok.kind is Kind.UNKNOWN]
    assert unknown == []
