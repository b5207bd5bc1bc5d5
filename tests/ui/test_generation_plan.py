"""Generation plans on the example tunebook: primes, where text goes, what is previewed, played and accepted."""

from __future__ import annotations

import pytest

from composer.abc.tunebook import read_string
from composer.errors import AbcError
from composer.model.generate import continuation_of
from composer.model.generation_plan import (
    GenerationSettings,
    Mode,
    NewTuneFields,
    Placement,
    appended_tune,
    fields_of,
    next_tune_number,
    plan_generation,
)


@pytest.fixture
def text(examples) -> str:
    return examples.read_text(encoding="utf-8")


def test_a_continuation_primes_with_the_text_before_the_cursor(text):
    settings = GenerationSettings(bars=8, variations=3, seed=5, temperature=0.8, top_p=0.9, constrain=False)
    plan = plan_generation(Mode.BARS, text, 13, 10, settings)
    tune = read_string(text).tune_at_line(13)
    cut = continuation_of(tune, 13, 10)
    assert plan.request.prime == cut.prime and plan.source_prefix == cut.source_prefix
    assert (plan.request.count, plan.request.max_bars, plan.request.constrain) == (3, 8, False)
    assert plan.request.sampling.seed == 5 and plan.request.sampling.top_p == 0.9
    assert plan_generation(Mode.CONTINUE, text, 13, 10, settings).request.max_bars is None
    line, column = plan.audition_start()
    lines = plan.audition_text("abc|").split("\n")
    assert lines[line - 1][column - 1:] == "abc|"
    assert plan.default_placement(False) is Placement.CURSOR and plan.default_placement(True) is Placement.SELECTION
    assert plan_generation(Mode.CONTINUE, text, 13, 10, settings).default_placement(True) is Placement.REST_OF_TUNE


def test_no_continuation_from_a_header_or_outside_any_tune(text):
    with pytest.raises(AbcError):
        plan_generation(Mode.CONTINUE, text, 8, 2, GenerationSettings())  # the Kesh's header (O:)
    with pytest.raises(AbcError):
        plan_generation(Mode.CONTINUE, text, 2, 1, GenerationSettings())  # the file's comments


def test_the_line_below_a_tune_continues_its_last_line(text):
    kesh = read_string(text).tunes[0]
    plan = plan_generation(Mode.CONTINUE, text, kesh.end_line + 1, 1, GenerationSettings())
    assert plan.source_prefix == kesh.text().rstrip("\n")
    assert (plan.line, plan.column) == (kesh.end_line, len(kesh.source_lines[-1].rstrip("\n")) + 1)


def test_accepted_text_never_ends_the_tune_early(text):
    plan = plan_generation(Mode.BARS, text, 13, 10, GenerationSettings())
    assert plan.accepted_text("abc|def|\n\ngab|\n\n") == "abc|def|\ngab|"
    preview = plan.preview_text("\nabc|")
    assert preview.startswith("X:1\n") and "T:" not in preview and preview.endswith("K:G\nabc|")


def test_a_new_tune_is_numbered_and_appended_as_a_tune_of_its_own(text):
    fields = fields_of(read_string(text).tunes[1])
    assert fields == NewTuneFields("Cooley's", "4/4", "Edor", "reel")
    free = plan_generation(Mode.NEW_TUNE, text, 1, 1, GenerationSettings(bars=16, constrain=False), fields)
    assert free.request.max_bars == 16 and free.request.form is None  # without the constraint: at most 16 bars
    plan = plan_generation(Mode.NEW_TUNE, text, 1, 1, GenerationSettings(bars=16), fields)
    assert plan.request.max_bars is None and "R:reel\n" in plan.request.prime  # the form sets the length
    assert plan.form_description == "Auto: AABB, 8 bars, part A next"
    assert plan.default_placement(True) is Placement.NEW_TUNE
    number = next_tune_number(text)
    tune = plan.accepted_text("|:EB|AB:|\n\n", number)
    for before in (text, text.rstrip("\n"), text + "\n", ""):
        book = read_string(before + appended_tune(before, tune))
        assert len(book.tunes) == len(read_string(before).tunes) + 1
        added = book.tunes[-1]
        assert (added.reference, added.title, added.meter, added.key) == (number, "Cooley's", "4/4", "Edor")


def test_the_form_is_planned_from_the_written_parts_and_the_chosen_form(text):
    tunes = read_string(text).tunes
    kesh = tunes[0]
    end = (kesh.end_line, len(kesh.source_lines[-1].rstrip("\n")) + 1)
    plan = plan_generation(Mode.CONTINUE, text, *end, GenerationSettings())
    assert plan.form_description == "Auto: AABBCC, 8 bars, part C next"  # after a whole AABB tune: a third part
    middle = plan_generation(Mode.CONTINUE, text, kesh.line + 10, 1, GenerationSettings())  # before part B
    assert middle.form_description == "Auto: AABB, 8 bars, part B next"
    chosen = plan_generation(Mode.CONTINUE, text, *end, GenerationSettings(form="AABBCC", part_bars=8))
    assert chosen.request.form.letters == "AABBCC" and not chosen.form_description.startswith("Auto")
    bars = plan_generation(Mode.BARS, text, *end, GenerationSettings(bars=24))
    remaining = sum(p.bars for p in bars.request.form.parts[len(bars.form.written.parts):]) - bars.form.written.bars
    assert bars.request.max_bars == 24 and remaining >= 24  # filling N bars never meets the form's end first
    off = plan_generation(Mode.CONTINUE, text, *end, GenerationSettings(constrain=False))
    assert off.request.form is None and "not kept" in off.form_description
