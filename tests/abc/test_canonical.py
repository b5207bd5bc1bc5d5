"""The canonical model text over the real collections."""

from __future__ import annotations

from composer.abc.tunebook import read_string
from composer.model.canonical import canonical_text
from composer.model.vocab import INDEX


def test_canonical_form_is_idempotent_over_all_collections(collections):
    for name, tunes in collections.items():
        for tune in tunes:
            once = canonical_text(tune)
            again = canonical_text(read_string(once).tunes[0])
            assert again == once, (name, tune.label)


def test_canonical_text_is_in_the_vocabulary_and_shaped(nottingham):
    for tune in nottingham[:200]:
        text = canonical_text(tune)
        assert all(ch in INDEX for ch in text)
        lines = text.split("\n")
        assert lines[0] == "X:1" and lines[1].startswith("T:") and text.endswith("\n\n")
        assert "%" not in text


def test_comments_and_non_musical_fields_removed():
    tune = read_string("X:9\nT:A\nT:B\nN:note\nM:6/8\nK:D\nw:la\nAB c % x \nW:words\n").tunes[0]
    assert canonical_text(tune) == "X:1\nT:A\nM:6/8\nL:1/8\nK:D\nAB c\n\n"
