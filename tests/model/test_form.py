"""Forms: parsed as musicians write them, inferred from written tunes, and kept by the constraint machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tunes import KESH

from composer.abc.tunebook import read_string, read_tunebook
from composer.model.canonical import canonical_text
from composer.model.form import Form, FormError, Part, default_form, parse_form, rhythm_for_meter
from composer.model.form_plan import plan_form, written_form
from composer.model.form_state import FormState
from composer.model.generate import Generator, Request, continuation_of, new_tune_request
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel
from composer.model.sampling import SamplingOptions

UNSEEN = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "unseen_session.abc"
HEADER = "X:1\nT:t\nR:reel\nM:4/4\nL:1/8\nK:D\n"
BAR = "DFAF dAFA|"
FINAL = "DFAF d4|"


def canonical(abc: str) -> str:
    return canonical_text(read_string(abc).tunes[0])


def test_forms_are_read_as_musicians_write_them():
    assert parse_form("AABB") == Form((Part(8, True), Part(8, True)))
    assert parse_form("ab", 16) == Form((Part(16, False), Part(16, False)))
    assert parse_form("AABBCC", "8").letters == "AABBCC"
    assert parse_form("AAB", "8,16") == Form((Part(8, True), Part(16, False)))
    assert parse_form("ABC").describe() == "ABC, 8 bars"
    assert parse_form("AAB", "8,16").describe() == "AAB, 8+16 bars"
    assert parse_form("AABB").played_bars == 32
    for bad in ("ABA", "BA", "AAAB", "A1", ""):
        with pytest.raises(FormError):
            parse_form(bad)
    with pytest.raises(FormError):
        parse_form("AB", 7)
    with pytest.raises(FormError):
        parse_form("AB", "8,8,8")


def test_new_tunes_take_the_corpus_habit_of_their_rhythm():
    assert rhythm_for_meter("6/8") == "jig" and rhythm_for_meter("3/4") == "waltz"
    assert rhythm_for_meter("9/8") == "slip jig" and rhythm_for_meter("2/4") == "polka"
    assert default_form("reel", "4/4").letters == "AABB"
    assert default_form(None, "6/8") == Form((Part(8, True), Part(8, True)))
    assert default_form("Waltz", "3/4").letters == "AB"
    assert default_form("strathspey", "4/4").letters == "AB"
    request = new_tune_request(meter="6/8", key="G", form="auto")
    assert "R:jig\n" in request.prime and request.form.letters == "AABB"
    assert new_tune_request(meter="6/8", key="G").form is None  # no form asked: today's behaviour


KESH_A = KESH.replace("X:3", "X:1", 1)


def test_the_written_form_of_real_tunes():
    # An AABB reel and a jig with a pickup and 1st/2nd endings, from the unseen tunebook.
    book = read_tunebook(UNSEEN)
    by_title = {t.title: t for t in book.tunes}
    silver = [t for t in book.tunes if t.rhythm == "reel"][0]
    assert written_form(canonical_text(silver)).parts == (Part(8, True), Part(8, True)), silver.title
    kesh = written_form(canonical(KESH_A))
    assert kesh.parts == (Part(8, True),) and kesh.bars == 0
    endings = canonical(HEADER + "|:" + BAR * 7 + "[1 DFAF d4:|[2 DFAF d2 z2||\n|:" + BAR * 7 + FINAL[:-1] + ":|\n")
    assert written_form(endings).parts == (Part(8, True), Part(8, True))
    pickup = canonical(HEADER + "A|" + BAR * 7 + "DFAF d3:|\n|:fg|" + BAR * 7 + "DFAF d3:|\n")
    assert written_form(pickup).parts == (Part(8, True), Part(8, True))
    three = canonical(HEADER + ("|:" + BAR * 7 + FINAL[:-1] + ":|\n") * 3)
    assert written_form(three).parts == (Part(8, True),) * 3
    waltz = canonical("X:1\nT:w\nR:waltz\nM:3/4\nL:1/8\nK:D\n" + "D2F2A2|" * 15 + "d6||\n" + "D2F2A2|" * 15 + "d6|]\n")
    assert written_form(waltz).parts == (Part(16, False), Part(16, False))
    assert len(by_title) > 100


def test_a_continuation_plans_the_rest_of_the_form():
    after_a = plan_form("auto", canonical(KESH_A), rhythm="jig", meter="6/8")
    assert after_a.form == Form((Part(8, True), Part(8, True)))
    assert after_a.describe() == "Auto: AABB, 8 bars, part B next"
    mid_a = plan_form("auto", canonical(HEADER + "|:" + BAR * 5), rhythm="reel", meter="4/4")
    assert mid_a.describe() == "Auto: AABB, 8 bars, part A, bar 6 next"
    both = canonical(HEADER + ("|:" + BAR * 7 + FINAL[:-1] + ":|\n") * 2)
    assert plan_form("auto", both, rhythm="reel", meter="4/4").form.letters == "AABBCC"
    with pytest.raises(FormError):
        plan_form("AABB", both, rhythm="reel", meter="4/4")
    assert plan_form("AABBCC", both, rhythm="reel", meter="4/4").describe() == "AABBCC, 8 bars, part C next"
    # A part that already runs past its length is lengthened; filling N bars adds parts when needed.
    long_a = canonical(HEADER + BAR * 9)
    assert plan_form("AB", long_a, rhythm=None, meter="4/4").form.parts[0].bars == 12
    filled = plan_form("auto", canonical(KESH_A), rhythm="jig", meter="6/8", min_bars=20)
    assert sum(p.bars for p in filled.form.parts[1:]) >= 20


def machine(prime: str, form: Form) -> FormState:
    state = FormState.for_prime(prime, form)
    assert state.allowed_mask().any()
    return state


def test_the_machine_refuses_an_early_end_and_accepts_the_right_one():
    aabb = parse_form("AABB")
    start = machine(HEADER, aabb)
    part_a = start.feed(BAR * 7 + "DFAF d4")
    assert part_a is not None
    assert part_a.feed("|]") is None and part_a.feed("||") is None  # no final bar line before the form's end
    assert part_a.feed("|\n") is None  # the part's closing bar line comes at its last bar
    after_a = part_a.feed(":|\n")
    assert after_a is not None and not after_a.can_end
    assert after_a.feed("\n") is None  # no end of tune after part A
    assert after_a.feed("DFAF") is None  # the repeated B part opens with |:
    part_b = after_a.feed("|:" + BAR * 3)
    assert part_b is not None and part_b.feed(":|") is None  # not in the middle of a part
    done = part_b.feed(BAR * 4 + "DFAF d4:|\n")
    assert done is not None and done.done and done.can_end
    assert done.feed("DFAF") is None  # nothing after the form
    assert done.feed("\n").ended


def test_the_last_note_is_the_tonic_from_a_beat():
    almost = machine(HEADER, parse_form("AA")).feed("|:" + BAR * 7)
    assert almost.feed("DFAF e4:|") is None  # not the tonic (D)
    assert almost.feed("DFAF dcB/A/:|") is None  # squeezing short notes into the end
    assert almost.feed("DFAF A3d:|") is None  # the tonic, but off the beat
    assert almost.feed("DFAF d4:|\n") is not None
    assert almost.feed("DFAF D2 d2:|\n") is not None
    assert almost.feed("DFAF dA d2:|\n") is not None
    minor = machine("X:1\nT:t\nM:6/8\nL:1/8\nK:Ador\n", parse_form("AA", 4)).feed("|:" + "ABc BAG|" * 3)
    assert minor.feed("ABc e3:|") is None and minor.feed("ABc A3:|\n") is not None
    assert minor.feed("ABc ^A3:|") is None  # A sharp is not the tonic


def test_first_and_second_endings_keep_the_part_length():
    aabb = parse_form("AABB")
    start = machine(HEADER, aabb).feed("|:" + BAR * 6)
    assert start.feed("[1" + BAR) is not None  # a 1st ending may open two bars before the end
    assert machine(HEADER, aabb).feed("|:" + BAR * 4 + "[1") is None  # not four
    second = start.feed("[1" + BAR + "DFAF d4:|[2")
    assert second is not None
    assert second.feed(BAR + "DFAF d4:|") is None  # a 2nd ending repeats nothing
    b_part = second.feed(BAR + "DFAF d4||\n|:")
    assert b_part is not None and b_part.part == 1 and b_part.bars == 0


def test_a_pickup_shortens_the_last_bar_to_match():
    tune = machine(HEADER, parse_form("AB")).feed("A|" + BAR * 7 + "DFAF d4||\n" + BAR * 7)
    assert tune is not None
    assert tune.feed("DFAF d3|]\n") is not None  # 8 - 1 eighths: the pickup's length
    assert tune.feed("DFAF d2|]") is None


def test_a_part_the_prime_began_without_its_repeat_sign_goes_on_as_written():
    full = HEADER + "|:" + BAR * 7 + FINAL[:-1] + ":|\n"
    assert machine(full + "P:B\n", parse_form("AABB")).need_open  # nothing written yet: B opens with |:
    for begun in ("e", "e|", "e|BdA", '"G"', "(3B", "B/"):
        state = machine(full + "P:B\n" + begun, parse_form("AABB"))  # before: no way on, only `|:` was allowed
        assert not state.need_open and state.part == 1 and state.bars == 0, begun
    short = HEADER + "|:" + BAR * 7 + "DFAF d3:|\n"  # a short last bar: B begins with the eighth it lacks
    for begun in ("e", "e|", "e/f/", '"G"'):
        state = machine(short + "P:B\n" + begun, parse_form("AABB"))  # before: `e|` could only end the tune
        assert state.part == 1 and state.bars == 0 and state.music.bar_ticks == state.lead_in_ticks, begun
    for written in (short, full):
        b_part = machine(written + "P:B\ne|", parse_form("AABB")).feed(BAR * 7 + FINAL[:-1] + ":|\n")
        assert b_part is not None and b_part.done  # the lead-in bar is no bar of the part; `:|` repeats B


def test_after_a_closed_first_ending_the_part_keeps_its_length_and_its_repeat():
    first_ending = HEADER + "|:" + BAR * 7 + "[1" + FINAL[:-1]
    for tail in (":", ":|", ":|\n", ":|[2"):  # before: "Auto: ABB, 12+8 bars, part A, bar 9 next"
        plan = plan_form("auto", first_ending + tail, rhythm="reel", meter="4/4")
        assert plan.describe() == "Auto: AABB, 8 bars, part A, 2nd ending next", tail
    plan = plan_form("auto", first_ending + ":|", rhythm="reel", meter="4/4")
    state = machine(first_ending + ":|", plan.form)
    done = state.feed("[2" + FINAL[:-1] + "||\n|:" + BAR * 7 + FINAL[:-1] + ":|\n")
    assert done is not None and done.done


def test_a_last_bar_written_off_the_tonic_still_closes_the_form():
    written = HEADER + "|:" + BAR * 7 + "DFAF e2f "  # an eighth left: the tonic may not start off the beat
    state = machine(written, parse_form("AA"))
    assert state.tonic is None and state.feed("g:|\n").done
    assert state.feed("g|") is None  # the part still closes with its repeat
    assert machine(HEADER + "|:" + BAR * 7 + "DFAF", parse_form("AA")).tonic is not None  # room for the tonic


def test_generation_keeps_the_form_with_a_real_model(tiny_onnx_model, judge):
    generator = Generator(OnnxModel(tiny_onnx_model))
    request = new_tune_request(meter="6/8", key="G", form="AABB", count=3, sampling=SamplingOptions(seed=5),
                               max_chars=3000)
    for result in generator.generate(request):
        tune = request.prime + result.text
        assert result.reason == "end", tune
        assert judge(tune) == [], tune
        assert written_form(tune).parts == (Part(8, True), Part(8, True)), tune


def test_a_candidate_says_when_the_form_left_no_way_on(tiny_onnx_model):
    generator = Generator(OnnxModel(tiny_onnx_model))
    half_closed = HEADER + "|:" + BAR * 3 + FINAL[:-1] + ":"  # a `:|` begun at bar 4 of an 8-bar part
    assert not FormState.for_prime(half_closed, parse_form("AABB")).allowed_mask().any()
    stuck = Request(half_closed, 2, SamplingOptions(seed=1), max_chars=400, form=parse_form("AABB"))
    assert [r.form_kept for r in generator.generate(stuck)] == [False, False]
    kept = Request(HEADER + "|:" + BAR * 3, 2, SamplingOptions(seed=1), max_chars=400, form=parse_form("AABB"))
    assert [r.form_kept for r in generator.generate(kept)] == [True, True]
    free = Request(half_closed, 1, SamplingOptions(seed=1), max_chars=400)  # no form asked for: none to keep
    assert [r.form_kept for r in generator.generate(free)] == [True]


def test_a_continuation_of_a_written_a_part_writes_a_b_part_with_the_default_model(judge):
    kesh = read_string(KESH_A).tunes[0]
    cut = continuation_of(kesh)
    plan = plan_form("auto", cut.prime, rhythm=kesh.rhythm, meter=kesh.meter)
    request = Request(cut.prime, 2, SamplingOptions(seed=3), form=plan.form)
    for result in Generator(OnnxModel(DEFAULT_MODEL)).generate(request):
        tune = cut.source_prefix + result.text
        assert result.reason == "end" and result.text.strip(), tune
        assert judge(tune) == [], tune
        assert written_form(canonical(tune)).parts == (Part(8, True), Part(8, True)), tune
        last_bar = result.text.rstrip().rstrip(":|]").rsplit("|", 1)[-1]
        assert last_bar.rstrip(" )")[-2:-1].upper() == "G" or last_bar.rstrip(" )")[-1].upper() == "G", tune


def test_filling_n_bars_writes_n_bars_even_where_the_written_tune_could_end(tiny_onnx_model):
    generator = Generator(OnnxModel(tiny_onnx_model))
    whole = canonical(HEADER + ("|:" + BAR * 7 + FINAL[:-1] + ":|\n") * 2)[:-1]  # a whole AABB reel, open
    plan = plan_form("auto", whole, rhythm="reel", meter="4/4", min_bars=8)
    request = Request(whole, 3, SamplingOptions(seed=2), max_chars=3000, max_bars=8, form=plan.form)
    before = FormState.for_prime(whole, strict=False).bars_done
    for result in generator.generate(request):
        assert result.reason == "bars", result.text
        assert FormState.for_prime(whole + result.text, strict=False).bars_done - before == 8, result.text


def test_a_form_of_more_than_26_parts_is_written_with_printable_names():
    many = Form(tuple(Part(2, True) for _ in range(120)) + (Part(8, False),))
    assert many.letters.startswith("AABB") and many.letters.endswith("YYZZ... (121 parts)")
    assert many.describe().endswith(", 248 bars in all")
    assert many.describe().isprintable()
