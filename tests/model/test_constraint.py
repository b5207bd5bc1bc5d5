"""The incremental ABC state machine: bar lengths, balance, repeats, no dead ends, and the judges agree."""

from __future__ import annotations

import random

import pytest

from composer.model.canonical import canonical_header
from composer.model.constraint import CHORD_TYPES, AbcState, Kind, Last, NoteFor
from composer.model.vocab import VOCAB

HEADERS = [canonical_header("Walk", m, u, "D") for m, u in
           [("4/4", "1/8"), ("6/8", "1/8"), ("3/4", "1/4"), ("2/4", "1/16"), ("9/8", None), ("C|", None),
            ("none", "1/8")]]
REEL = canonical_header("Reel", "4/4", "1/8", "D")


def accepts(prime: str, text: str) -> bool:
    return AbcState.for_prime(prime).feed(text) is not None


def test_full_bars_pass_and_overfull_or_short_bars_do_not():
    assert accepts(REEL, "d2f2 a2f2|d2f2 e4|")
    assert not accepts(REEL, "d2f2 a2f2 a|")
    assert not accepts(REEL, "d2f2 a2f2|d2f2 e2|d")      # closed short in the middle
    assert not accepts(REEL, "d2f2 a2f2|d2f2 e4 f")      # overfills the bar
    assert not accepts(REEL, "d2f2 a2f2|d2f2 e6")        # a duration that cannot fit


def test_pickup_and_short_closing_bar():
    assert accepts(REEL, "A2|:d2f2 a2f2|e2c2 d4:|")            # pickup before a start repeat
    tune = "A2|d2f2 a2f2|e2c2 d2|]\n\n"
    assert accepts(REEL, tune)                                  # short last bar closes the tune
    after_short = AbcState.for_prime(REEL).feed("A2|d2f2 a2f2|e2c2 d2|]")
    assert after_short.allowed_mask().sum() == 1 and after_short.allowed_mask()[VOCAB.index("\n")]


def test_repeats_and_endings_must_balance():
    open_repeat = AbcState.for_prime(REEL).feed("|:d2f2 a2f2|d2f2 e4|")
    assert open_repeat.feed("\n\n") is None                     # unterminated |:
    assert open_repeat.feed("]") is None                        # |] inside a repeat
    first_ending = open_repeat.feed("[1 d8:|")
    assert first_ending is not None
    assert first_ending.feed("\n\n") is None                    # a first ending needs its second
    assert first_ending.feed("d8") is None
    done = first_ending.feed("[2 d8|]\n\n")
    assert done is not None and done.ended


def test_brackets_quotes_and_decorations_stay_balanced():
    state = AbcState.for_prime(REEL)
    assert state.feed('"G"d2f2 a2f2|]\n\n').ended
    assert state.feed('"G d2') is None                          # not a chord symbol abc2midi knows
    assert state.feed('"G"|') is None                           # a chord symbol must sit on a note
    assert state.feed("[df d2") is None                         # chord notes of one length, closed
    assert state.feed("(d2f2 a2f2|]\n\n") is None               # an open slur cannot end a tune
    assert state.feed("!tril!") is None
    assert state.feed("{g}d2f2 a2f2|]\n\n").ended


def test_tuplets_and_broken_rhythm_keep_the_bar():
    state = AbcState.for_prime(REEL)
    assert state.feed("(3def d2 A>B c2|]\n\n").ended
    assert state.feed("(3de2") is None                          # unequal tuplet notes
    assert state.feed("A>B2") is None                           # unequal broken pair


def test_a_prime_with_more_abc_is_read_leniently():
    prime = REEL + "P:A\n%comment\n|:\"Em\"E2 FG A2 Bc|\nM:3/4\n[K:G] d2 B2 G2|"
    state = AbcState.for_prime(prime)
    assert state.bar_len == 6 and state.allowed_mask().any()


def test_every_known_chord_type_is_accepted_by_abc2midi(judge):
    bars = "|".join(f'"G{t}"G8' for t in CHORD_TYPES) + '|"D/F#"d8|]'
    text = REEL + bars + "\n"
    assert accepts(REEL, bars + "\n\n")
    assert judge(text) == []


def random_walk(seed: int, steps: int) -> str:
    """A tune chosen by uniform random allowed characters, then closed by the machine's own completion."""
    rng = random.Random(seed)
    header = HEADERS[seed % len(HEADERS)]
    state = AbcState.for_prime(header)
    text = ""
    for _ in range(rng.randint(5, steps)):
        mask = state.allowed_mask()
        ids = [i for i in range(len(VOCAB)) if mask[i]]
        assert ids, f"dead end after {text!r}"
        ch = VOCAB[rng.choice(ids)]
        state = state.advance(ch)
        text += ch
        if state.ended:
            return header + text
    closing = state.completion()
    assert closing is not None, f"no completion after {text!r}"
    return header + text + closing


@pytest.mark.parametrize("block", range(3))
def test_random_walks_never_dead_end_and_pass_abc2midi_and_the_checker(judge, block):
    # A fixed deterministic sample: 3 × 10 walks of up to 120 characters over every character the machine allows.
    for seed in range(block * 10, block * 10 + 10):
        tune = random_walk(seed, 120)
        assert judge(tune) == [], tune


def test_a_prime_with_endings_written_bar_then_digit_stays_constrained():
    """`|1 ... :|2 ... ||` (endings after the bar line, as most tunebooks write them) leaves nothing pending."""
    prime = ("X:1\nT:t\nM:6/8\nL:1/8\nK:G\n|:GAG GAB|ABA ABd|edd gdd|edB dBA|\n"
             "GAG GAB|ABA ABd|edd gdB|1AGF G3:|2AGF G2d||\n")
    state = AbcState.for_prime(prime)
    assert not state.need_second and state.allowed_mask().any()
    assert state.feed("|:gfg aga|") is not None


def test_a_hornpipe_gets_no_written_broken_rhythm_and_an_ornament_host_may_be_long():
    """abc2midi swings a hornpipe's pairs and rejects `A3/2B/2A3 A<EC` ("notes not equal durations"); the
    host of an ornament may take a length whose shortest spelling would be too short (`TE3`)."""
    header = "X:1\nT:t\nR:{}\nM:4/4\nL:1/8\nK:A\n"
    assert AbcState.for_prime(header.format("hornpipe")).feed("A3/2B/2A3 A<") is None
    assert AbcState.for_prime(header.format("hornpipe")).feed("fgeb gdBG|.D") is None  # `.D(GA).B`: same error
    assert AbcState.for_prime(header.format("reel")).feed("fgeb gdBG|.D(GA).B") is not None
    assert AbcState.for_prime(header.format("reel")).feed("A3/2B/2A3 A<EC|") is not None
    assert AbcState.for_prime(header.format("reel")).feed("FDF TE3|") is not None


@pytest.mark.parametrize("music", ["(:2 AB|", "(3:::: ABc (::3 ABc (:2 AB|", "|: AB:2 cd|"])
def test_a_second_ending_read_leniently_can_still_be_closed(music):
    # `:2` read from a careless prime opens a 2nd ending while a repeat was open; the strict rules refuse both
    # `|]` (repeat open) and `:|` (in a 2nd ending) there, so nothing could close the tune.
    state = AbcState.for_prime("X:1\nT:t\nM:4/4\nL:1/8\nK:D\n" + music + "\n")
    closing = state.completion()
    assert closing is not None and state.feed(closing).ended


#: A prime's body → the token it leaves pending, one for every kind (read leniently, as a prime is).
PENDING = {"d2 ": Kind.NONE, "d2": Kind.NOTE, "^": Kind.ACCIDENTAL, "d2|": Kind.BAR, "(": Kind.PAREN,
           "(3": Kind.TUPLET, "d2>": Kind.BROKEN, "[": Kind.BRACKET, "|:d2:|[1": Kind.ENDING, '"G': Kind.QUOTE,
           "!tr": Kind.DECORATION, "+tr": Kind.PLUS_DECORATION, "d2|\\": Kind.BACKSLASH, "d2|\nW": Kind.FIELD_LETTER,
           "d2|\nW:": Kind.FIELD_LINE, "%": Kind.COMMENT, "[K:": Kind.INLINE_FIELD}


def test_every_kind_of_pending_token_is_named_by_its_member():
    assert set(PENDING.values()) == set(Kind)
    for body, kind in PENDING.items():
        state = AbcState.for_prime(REEL + body, strict=False)
        assert state.kind is kind, body
        assert state.feed("d\n") is not None, body  # a lenient state reads on from every kind


def test_what_was_read_last_and_what_the_next_note_is_for():
    cases = {"d2 ": (Last.NOTE, NoteFor.NONE), "d8| ": (Last.BAR, NoteFor.NONE), '"G"': (Last.SYMBOL, NoteFor.SYMBOL),
             "{g}": (Last.GRACE, NoteFor.GRACE), "~": (Last.DECORATION, NoteFor.ORNAMENT),
             "!accent!": (Last.DECORATION, NoteFor.DECORATION), "(d": (Last.SLUR_OPEN, NoteFor.NONE),
             "d2-": (Last.TIE, NoteFor.NONE), "d>d": (Last.BROKEN, NoteFor.NONE), "(3d": (Last.TUPLET, NoteFor.NONE)}
    start = AbcState.for_prime(REEL)
    assert start.last is Last.START and start.need_note is NoteFor.NONE
    for body, (last, need) in cases.items():
        state = start.feed(body)
        assert state is not None, body
        assert state.last is last and state.need_note is need, (body, state.last, state.need_note)
