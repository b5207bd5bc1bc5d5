"""The tunebook reader on real collections and on awkward text."""

from __future__ import annotations

import io

from composer.abc.corpora import MUSIC21_COLLECTIONS, collection_paths
from composer.abc.tunebook import read_string, read_tunebook


def test_every_tune_of_every_collection_reads():
    """Every X: line of every file starts a tune, and every tune keeps its source text."""
    for name in ["nottingham", *MUSIC21_COLLECTIONS]:
        paths = collection_paths(name)
        assert paths, name
        for path in paths:
            text = path.read_text(encoding="utf-8", errors="replace")
            x_lines = sum(1 for line in text.splitlines() if line.startswith("X:"))
            book = read_tunebook(path)
            assert sum(1 for t in book if t.reference is not None) == x_lines, path
            for tune in book:
                assert tune.text() and tune.line <= tune.end_line, (path, tune.label)
    assert len(read_tunebook(collection_paths("nottingham")[2])) == 340  # jigs.abc, PROVENANCE.md


def test_crlf_tabs_comments_directives_and_free_text():
    text = ("%abc-2.1\r\n%%pagewidth 21cm\r\nFree text between tunes.\r\n\r\nX:1\r\nT:One\r\n% comment\r\n"
            "M:4/4\r\nK:G\r\nAB\tcd|\r\n\r\nSome words.\r\n\r\nX:2\r\nT:Two\r\nK:D\r\ndefg|\r\n")
    book = read_string(text)
    assert [t.reference for t in book] == [1, 2]
    assert [b.text for b in book.tunes[0].body] == ["AB\tcd|"]
    assert book.tunes[1].body[0].line == 17


def test_missing_x_non_ascii_and_continuations():
    book = read_string("T:Sans X\nM:3/4\nK:Am\nABc \\\ndef|\n\n"
                       "X:5\nT:Caf\u00e9 \u00e0 l'\u00e9t\u00e9\nK:C\nC|\n")
    first, second = book.tunes
    assert first.reference is None and first.key == "Am"
    assert [b.text for b in first.body] == ["ABc \\", "def|"]
    assert second.title == "Caf\u00e9 \u00e0 l'\u00e9t\u00e9"


def test_sources_path_bytes_and_file_objects(tmp_path):
    text = "X:1\nT:t\nK:G\nAB|\n"
    path = tmp_path / "t.abc"
    path.write_bytes(text.encode("latin-1"))
    for source in (path, str(path), text.encode(), io.BytesIO(text.encode()), io.StringIO(text)):
        assert read_tunebook(source).tunes[0].body[0].text == "AB|"
