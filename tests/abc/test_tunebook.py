"""The tunebook reader on real collections and on awkward text."""

from __future__ import annotations

import io
from pathlib import Path

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


def _same_tune(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return (a.reference, a.header, a.body, a.line, a.end_line, a.file_header, a.source_lines) == \
        (b.reference, b.header, b.body, b.line, b.end_line, b.file_header, b.source_lines)


def test_one_tune_is_read_alone_as_the_whole_tunebook_reads_it():
    from composer.abc.corpora import nottingham_dir
    from composer.abc.tunebook import read_tune_at

    corpus = Path(__file__).resolve().parents[1] / "robustness" / "corpus"
    texts = [(nottingham_dir() / "jigs.abc").read_text(encoding="utf-8", errors="replace"),
             (Path(__file__).resolve().parents[2] / "resources" / "examples.abc").read_text(encoding="utf-8"),
             "%abc\n%%scale 0.8\nT:File title\n\nT:Headless\nM:6/8\nK:G\nGAB|\n\nsome words\n\nX:2\nT:b\nK:D\nDE|\n"
             "X:3\nT:c\nK:A\nAB|\n\n\n"]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.glob("*.abc"))
              if b"\x00" not in p.read_bytes()]
    checked = 0
    for text in texts:
        whole = read_string(text)
        count = text.count("\n") + 2
        for line in range(0, count + 1, max(1, count // 150)):
            alone = read_tune_at(text, line)
            assert _same_tune(alone.tune_at_line(line), whole.tune_at_line(line)), (text[:40], line)
            assert alone.file_header == whole.file_header and alone.text == whole.text
            assert _same_tune(alone.tunes[0] if alone.tunes else None, whole.tunes[0] if whole.tunes else None)
            checked += 1
    assert checked > 2000
