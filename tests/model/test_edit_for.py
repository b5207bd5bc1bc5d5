"""Placing an accepted candidate: edit_for gives the one edit, without Qt."""

from __future__ import annotations

from pathlib import Path

from composer.abc.tunebook import read_string
from composer.model.generation_plan import (
    GenerationSettings,
    Mode,
    NewTuneFields,
    Placement,
    Selection,
    edit_for,
    end_of_tune,
    plan_generation,
)

EXAMPLES = (Path(__file__).resolve().parents[2] / "resources" / "examples.abc").read_text(encoding="utf-8")
SETTINGS = GenerationSettings(bars=2, variations=1, seed=1, constrain=False)


def offset_of(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(lines[n]) + 1 for n in range(line - 1)) + column - 1


def test_fill_bars_inserts_at_the_cursor_or_replaces_the_selection():
    plan = plan_generation(Mode.BARS, EXAMPLES, 13, 10, SETTINGS)
    at = offset_of(EXAMPLES, 13, 10)
    edit = edit_for(plan, EXAMPLES, Selection(at, at), "ABc dBG|\n")
    assert edit.placement is Placement.CURSOR and (edit.start, edit.end) == (at, at)
    assert edit.applied_to(EXAMPLES) == EXAMPLES[:at] + "ABc dBG|" + EXAMPLES[at:]
    selected = edit_for(plan, EXAMPLES, Selection(at + 4, at), "ABc")
    assert selected.placement is Placement.SELECTION and (selected.start, selected.end) == (at, at + 4)
    assert edit_for(plan, EXAMPLES, Selection(at, at), "ABc", Placement.SELECTION) is None


def test_a_continuation_replaces_the_rest_of_its_tune_from_where_it_started():
    plan = plan_generation(Mode.CONTINUE, EXAMPLES, 13, 10, SETTINGS)
    started = offset_of(EXAMPLES, 13, 10)
    moved_on = offset_of(EXAMPLES, 2, 1)  # the cursor went elsewhere meanwhile
    edit = edit_for(plan, EXAMPLES, Selection(moved_on, moved_on), "ABc|]", anchor=started)
    kesh = read_string(EXAMPLES).tunes[0]
    assert edit.placement is Placement.REST_OF_TUNE and edit.start == started
    assert edit.end == offset_of(EXAMPLES, kesh.end_line, len(EXAMPLES.split("\n")[kesh.end_line - 1]) + 1)
    after = read_string(edit.applied_to(EXAMPLES))
    assert after.tunes[0].text().rstrip("\n").endswith("ABc|]")
    assert [t.title for t in after.tunes] == [t.title for t in read_string(EXAMPLES).tunes]


def test_a_new_tune_is_appended_numbered_after_the_last():
    plan = plan_generation(Mode.NEW_TUNE, EXAMPLES, 1, 1, SETTINGS, NewTuneFields("Fresh", "6/8", "D", "jig"))
    edit = edit_for(plan, EXAMPLES, Selection(0, 0), "DFA dAF|]\n")
    assert edit.placement is Placement.NEW_TUNE and edit.start == edit.end == len(EXAMPLES)
    book = read_string(edit.applied_to(EXAMPLES))
    assert book.tunes[-1].title == "Fresh" and book.tunes[-1].reference == len(read_string(EXAMPLES).tunes) + 1


def test_the_end_of_a_tune_is_the_end_of_its_last_line():
    text = "X:1\nT:a\nK:C\nCDE|\nFGA|\n\nX:2\nT:b\nK:C\nC\n"
    assert text[:end_of_tune(text, text.index("CDE"))].endswith("FGA|")
    assert end_of_tune(text, len(text)) == len(text)
