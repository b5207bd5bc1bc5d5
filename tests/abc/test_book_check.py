"""BookCheck: a tunebook checked tune by tune from memory says what check_text says, before and after edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.abc.book_check import BookCheck
from composer.abc.checker import check_text
from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import normalize_newlines, read_string, read_text

CORPUS = Path(__file__).resolve().parents[1] / "robustness" / "corpus"
#: Hostile books whose whole-book answers, tune boundaries or file headers are odd.
HOSTILE = ["x_duplicate", "x_missing", "x_negative_and_garbage", "no_key_two_tunes", "only_file_header",
           "only_header", "only_newlines", "only_whitespace", "only_x", "empty", "header_after_body",
           "header_blank_line", "many_tunes_one_bad", "mixed_newlines", "lone_cr", "crlf", "bom_utf8",
           "comments_only_tune", "field_continuations", "voices", "meter_huge", "control_escapes", "utf16_le_bom"]
WITH_FILE_HEADER = ("%abc-2.1\nM:6/8\nL:1/8\nK:G\n\nX:1\nT:Inherits 6/8\nK:D\nDFA dAF|DFA d2|\n\n"
                    "X:2\nT:Its own 3/4\nM:3/4\nK:D\nDFA dAF|DF|\n\nwords between tunes\n\n"
                    "T:Headless\nK:A\nABc|\n")


def _nottingham(name: str) -> str:
    return (nottingham_dir() / f"{name}.abc").read_text(encoding="utf-8")


def _lines_of(text: str) -> list[str]:
    return normalize_newlines(text).split("\n")


def _insert_above(text: str, tune_line: int, inserted: str) -> str:
    lines = _lines_of(text)
    return "\n".join(lines[:tune_line - 1] + [inserted] + lines[tune_line - 1:])


def _edit(text: str, last_line: int) -> str:
    lines = _lines_of(text)
    lines[last_line - 1] += " z|"  # one more bar at the end of a tune's music
    return "\n".join(lines)


def _delete(text: str, first: int, last: int) -> str:
    lines = _lines_of(text)
    return "\n".join(lines[:first - 1] + lines[last:])


@pytest.mark.parametrize("name", sorted(p.stem for p in nottingham_dir().glob("*.abc")))
def test_a_book_checked_tune_by_tune_says_what_check_text_says(name):
    text = _nottingham(name)
    memory = BookCheck()
    assert memory.check(text, f"{name}.abc") == check_text(text, f"{name}.abc")
    assert memory.check(text, "saved-as.abc") == check_text(text, "saved-as.abc")  # from memory, another path
    tunes = len(read_string(text).tunes)
    assert memory.stats.checked == tunes and memory.stats.reused == tunes


@pytest.mark.parametrize("name", ["jigs", "hpps", "with a file header"])
def test_after_each_edit_only_the_changed_tune_is_checked_again_and_the_answer_stays_check_texts(name):
    text = WITH_FILE_HEADER if name == "with a file header" else _nottingham(name)
    memory = BookCheck()
    assert memory.check(text) == check_text(text)
    tunes = read_string(text).tunes
    middle = tunes[len(tunes) // 2]

    def check_again(edited: str) -> int:
        before = memory.stats.checked
        assert memory.check(edited, "book.abc") == check_text(edited, "book.abc")
        return memory.stats.checked - before

    text = _insert_above(text, middle.line, "")  # a blank line above a tune moves it and those after it
    assert check_again(text) == 0
    text = _insert_above(text, middle.line + 1, "% a comment of its own\n")  # a block that is no tune
    assert check_again(text) == 1
    middle = read_string(text).tune_at_line(middle.line + 3)
    text = _edit(text, middle.end_line)  # one tune's music
    assert check_again(text) == 1
    text = _delete(text, middle.line, middle.end_line)  # a whole tune
    assert check_again(text) == 0
    assert len(read_string(text).tunes) == len(tunes) - 1


def test_a_changed_file_header_checks_every_tune_again_with_what_they_now_inherit():
    memory = BookCheck()
    assert memory.check(WITH_FILE_HEADER) == check_text(WITH_FILE_HEADER)
    checked = memory.stats.checked
    edited = WITH_FILE_HEADER.replace("M:6/8\n", "M:4/4\n", 1)
    assert memory.check(edited) == check_text(edited) != check_text(WITH_FILE_HEADER)
    assert memory.stats.checked - checked == 4  # the three tunes, and the words between them again


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_books_and_their_edits_say_what_check_text_says(name):
    text, _path = read_text(CORPUS / f"{name}.abc")
    memory = BookCheck()
    for version in (text, "\n" + text, _edit("X:99\nK:C\n" + text, 2), text[: len(text) // 2], text):
        assert memory.check(version) == check_text(version), version[:80]


def test_the_tune_at_the_cursor_comes_first_then_the_rest_in_order():
    text = _nottingham("hpps")
    tunes = read_string(text).tunes
    cursor = tunes[40]
    parts = list(BookCheck().parts(text, None, cursor.line + 2, part_seconds=0))
    assert (parts[0].start, parts[0].stop) == (40, 41)
    assert all(d.line in range(cursor.line, cursor.end_line + 1) for d in parts[0].diagnostics)
    assert [(p.start, p.stop) for p in parts[1:]] == [(n, n + 1) for n in range(len(tunes)) if n != 40]
    assert [d for p in sorted(parts, key=lambda p: p.start) for d in p.diagnostics] == check_text(text)


def test_whole_book_answers_come_last_and_match_check_text():
    for text in ("", "   \n\n", "%abc\nT:only a file header\n", "just words\n\nmore words\n"):
        parts = list(BookCheck().parts(text))
        assert parts[-1].start == parts[-1].stop == parts[-1].total
        assert BookCheck().check(text, "p.abc") == check_text(text, "p.abc") != []


def test_typing_in_one_tune_of_a_remembered_book_checks_it_as_one_quick_part():
    text = _nottingham("hpps")
    memory = BookCheck()
    memory.check(text)
    tune = read_string(text).tunes[40]
    edited = _edit(text, tune.end_line)
    parts = list(memory.parts(edited, None, tune.line, part_seconds=0))
    assert [(p.start, p.stop) for p in parts] == [(0, len(read_string(text).tunes))]
    assert list(parts[0].diagnostics) == check_text(edited)
