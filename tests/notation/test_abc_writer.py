"""ABC export: a tunebook written back byte for byte, chosen tunes kept whole, canonical form on request."""

from __future__ import annotations

import io
import os

import pytest

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_string, read_tunebook
from composer.model.canonical import canonical_text
from composer.notation.abc_writer import abc_text, standalone_tune_text, write_abc

NOTTINGHAM_FILES = sorted(nottingham_dir().glob("*.abc"))


@pytest.mark.parametrize("source", NOTTINGHAM_FILES, ids=lambda p: p.name)
def test_a_read_tunebook_is_written_back_byte_for_byte(source, tmp_path):
    target = tmp_path / source.name
    write_abc(read_tunebook(source), target)
    assert target.read_bytes() == source.read_bytes()


def test_crlf_and_latin1_files_keep_their_bytes(tmp_path):
    source = tmp_path / "old.abc"
    source.write_bytes("X:1\r\nT:Caf\xe9 au lait\r\nM:2/4\r\nK:G\r\nGABc|\r\n".encode("latin-1"))
    target = tmp_path / "copy.abc"
    write_abc(read_tunebook(source), target)
    assert target.read_bytes() == source.read_bytes()


def test_chosen_tunes_are_written_whole_with_the_file_header_they_rely_on(tmp_path):
    book = read_string("%abc\nL:1/8\nM:6/8\n\nX:1\nT:One\nK:D\nABc def|\n\nX:2\nT:Two\nK:G\nGAB cde|\n"
                       "\nX:3\nT:Three\nL:1/4\nK:A\nABcd|\n")
    target = tmp_path / "two.abc"
    write_abc([book.tunes[1], book.tunes[2]], target)
    again = read_tunebook(target)
    assert [t.title for t in again] == ["Two", "Three"]
    assert [t.body for t in again][0][0].text == book.tunes[1].body[0].text
    assert again.tunes[0].unit == "1/8" and again.tunes[0].meter == "6/8"
    assert again.tunes[1].unit == "1/4"  # its own L: wins over the file header's


def test_canonical_export_is_every_tune_canonical_and_reads_back_the_same(tmp_path):
    source = NOTTINGHAM_FILES[-1]
    book = read_tunebook(source)
    target = tmp_path / "canonical.abc"
    write_abc(book, target, canonical=True)
    again = read_tunebook(target)
    assert len(again) == len(book)
    assert [canonical_text(t) for t in again] == [canonical_text(t) for t in book]
    assert abc_text(again, canonical=True) == target.read_text()


def test_canonical_export_numbers_tunes_when_their_x_numbers_clash():
    book = read_string("X:5\nT:A\nK:D\nABc|\n\nX:5\nT:B\nK:G\nGAB|\n")
    text = abc_text(book, canonical=True)
    assert [t.reference for t in read_string(text)] == [1, 2]


def test_write_is_atomic_and_keeps_the_target_mode(tmp_path):
    target = tmp_path / "book.abc"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_abc(read_string("X:1\nT:New\nK:C\nCDEF|\n"), target)
    assert read_tunebook(target).tunes[0].title == "New"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.abc"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "book.abc"
    target.write_text("old")

    class NotATune:
        file_header = ()

        def text(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_abc([NotATune()], target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.abc"]


def test_writes_to_a_binary_file_object():
    book = read_string("X:1\nT:Buffer\nK:C\nCDEF|\n")
    buffer = io.BytesIO()
    write_abc(book, buffer)
    assert buffer.getvalue().decode() == book.text


def test_standalone_text_folds_in_the_file_header_after_x():
    tune = read_string("M:3/4\nL:1/8\n\nX:7\nT:Waltz\nK:F\nFAc|\n").tunes[0]
    assert standalone_tune_text(tune).splitlines()[:3] == ["X:7", "M:3/4", "L:1/8"]
