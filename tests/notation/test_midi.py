"""MIDI export judged by Debian's abc2midi on tunes written to exercise one feature each, and the MIDI file."""

from __future__ import annotations

import io

import mido
import pytest
from support.abc2midi_judge import (
    abc2midi_available,
    abc2midi_melody,
    compare_with_abc2midi,
    judge_text,
)

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_string, read_tunebook
from composer.errors import AbcError
from composer.notation.accompaniment import ACCOMPANIMENT_CHANNEL
from composer.notation.midi import midi_file, note_events, tempo_qpm, write_midi
from composer.notation.music21_mends import mend_chord_symbol

pytestmark = pytest.mark.skipif(not abc2midi_available(), reason="abc2midi (Debian abcmidi) is not installed")


def tune_of(header: str, body: str):
    return read_string(f"X:1\nT:Feature\n{header}\n{body}\n").tunes[0]


FEATURES = {
    "broken rhythm": ("M:4/4\nL:1/8\nK:G", "d>e f<g A>>B c<<d|G8|"),
    "triplets and tuplets": ("M:4/4\nL:1/8\nK:D", "(3ABc (3:2:3def (5abcde (3A2B2c2|d8|"),
    "ties": ("M:3/4\nL:1/8\nK:C", "c6-|c2 d2- d2|e2 e2-e2|"),
    "ties to another pitch are two notes": ("M:2/4\nL:1/16\nK:Gm", "G3-A Bcd=e|f8|"),
    "chords": ("M:4/4\nL:1/4\nK:A", "[Ace]2 [EA]/[FB]/ [GBe]|[A,Ea]4|"),
    "repeats and endings": ("M:4/4\nL:1/8\nK:G", "|:GABc d2B2|[1 c2A2 A4:|[2 c2A2 G4||"),
    "implied start repeat after a part": ("M:4/4\nL:1/8\nK:D", "DEFG A4|FGAB d4:|\nP:B\nfedc B4|AGFE D4:|"),
    "double repeat bar": ("M:2/4\nL:1/8\nK:C", "|:CDEF|GABc:|:cBAG|FEDC:|"),
    "repeat from the last double bar": ("M:2/4\nL:1/8\nK:C", "|:CDEF|GABc:|cBAG|FEDC||EFGA|Bcde:|"),
    "accidentals hold for the bar": ("M:4/4\nL:1/8\nK:C", "^G g G (3GAG A2|[GB] A G2 _B B, B2|"),
    "no L: and no M:": ("K:F", "FGAB cdef|"),
    "6/8 without L:": ("M:6/8\nK:Em", "EFG ABc|d3 B3|"),
    "inline key and meter changes": ("M:4/4\nL:1/8\nK:G", "GABc dBGB|[K:Bb]Bcde f4|[M:3/4]d2c2B2|"),
    "trills and rolls": ("M:4/4\nL:1/8\nQ:1/4=100\nK:D", "TB2 ~c2 ~B3 A|!trill!d4 e4|"),
    "staccato": ("M:4/4\nL:1/8\nK:G", ".B2 .[GB]2 .B/2 z3/2 B2|"),
    "pickup bar": ("M:3/4\nL:1/8\nK:G", "D2|G2 B2 d2|B2 A2 G2|g4:|"),
    "Nottingham chord spellings": ("M:4/4\nL:1/8\nK:G", '"Cd"c2e2 "Ca"g4|" Em"e2"(D7)"d2 "D m"d4|"G"G8|'),
    "annotations and fingerings": ("M:2/4\nL:1/16\nK:A", 'E2AB ">"c4|"4"BABc "^fine"BAF2|A8|'),
    "trills at a fast tempo": ("M:2/4\nL:1/8\nQ:1/4=128\nK:G", "Bg TA2|TB4|"),
    "trills at a slow tempo": ("M:2/4\nL:1/8\nQ:1/4=60\nK:G", "Bg TA2|TB4|"),
    "fermatas and invisible rests": ("M:3/4\nL:1/8\nK:G", "G2 HB4|BG G2 Hx2|Hz2 !fermata!G4|"),
    "multi-bar rest": ("M:3/4\nL:1/8\nK:G", "G6|Z2|B6|Z|d6|"),
    "ornament before a slur is not played": ("M:4/4\nL:1/8\nK:C", "T(GF) EGcG ~(AB) cd|!trill!(c4 B4)|"),
    "ornament before another decoration is not played": ("M:4/4\nL:1/16\nK:D", 'T!2!e3d ~!p!e3 d T"D"e3d ~.c4|'),
    "trill after another decoration is played": ("M:4/4\nL:1/16\nK:D", "!2!Te3d !trill!!2!e3d Tue3d .~c4|"),
    "rolled and trilled notes tied on": ("M:4/4\nL:1/8\nK:A", "~g2-ge ~f2-f>d|TB2-B2 ~A3-A|"),
    "tie into a rolled note": ("M:4/4\nL:1/8\nK:F", "cF-~F2cFdF|cFFG AGG2|"),
    "broken rhythm beside a slur's end": ("M:6/8\nL:1/8\nK:G", "G>AG (Gc>)c|(A<F)F F2 A|(AB)>c d3|"),
    "tie before a broken rhythm": ("M:4/4\nL:1/8\nK:G", "B>-A B>-d c-<A B2|"),
    "grace note opening a triplet": ("M:4/4\nL:1/8\nK:G", "e>B ((3{c}BAB) e2 dB|(3{d}cBA B6|"),
    "broken rhythm with staccato and bowing": ("M:4/4\nL:1/8\nK:D", ".F>B F>.B (.B>.G) vF>uB|(a.>f) d<ud .F>vB d2|"),
    "broken rhythm around a grace note": ("M:3/4\nL:1/8\nK:G", "d2 gf d>{f}e|d4 B>G|"),
    "invisible bar lines and D.C. text": ("M:6/8\nL:1/8\nK:G", 'B2d cAA|BGG G2g :|\n|: geg fdf|BGG G2g "D.C."[|] :|\n'
                                         'gfe d3|"^Segno"G6:"^Segno"[|]|]'),
    "stray k letters are not ornaments": ("M:4/4\nL:1/8\nK:D", "ukD3 uB (vA<F) (F>.B)|kb2 .f.e d4|"),
    "tie written after a broken rhythm": ("M:4/4\nL:1/8\nK:Am", "c-AB>-A A2z2|c2 d>-e d4|"),
    "quintuplets and septuplets in 3/4 and after a change to 3/8": (
        "M:3/4\nL:1/16\nK:D", "d4 (5edcAG A4|(7DEFGABc d4 (9c/A/G/E/D/E/G/A/c/ z|[M:3/8](5ABcde A2|(5:2ABcde A4|"),
    "grace accidentals hold for the grace note only": ("M:3/4\nL:1/8\nK:C", "c2 e2 d2|{^cde}d2 g2 c2|{_B}B4 ^c2|"),
}


@pytest.mark.parametrize("name", FEATURES)
def test_each_feature_is_note_identical_to_abc2midi(name):
    header, body = FEATURES[name]
    verdict = compare_with_abc2midi(tune_of(header, body))
    assert verdict.identical, verdict.cause
    assert verdict.our_notes > 0


GRACES = {
    "single grace": ("M:4/4\nL:1/8\nK:G", "G2{a}G2 {g}A4|"),
    "grace run": ("M:6/8\nL:1/8\nK:D", "{gfe}d3 {ag}f3|"),
    "grace before a short note": ("M:4/4\nL:1/8\nK:G", "{g}A/B/c/d/ e4 z2|"),
}


@pytest.mark.parametrize("name", GRACES)
def test_grace_notes_take_time_from_the_following_note_as_abc2midi_does(name):
    header, body = GRACES[name]
    verdict = compare_with_abc2midi(tune_of(header, body), grace_notes=True)
    assert verdict.identical, verdict.cause


@pytest.mark.parametrize("q", ["", "Q:1/4=90", "Q:3/8=112", "Q:100", "Q:1/2=60", 'Q:"Allegro" 1/4=132',
                               'Q:"Andante"', 'Q:"presto"', 'Q:"Slowly"', "Q:1/8=200"])
def test_tempo_is_read_as_abc2midi_reads_q(q, tmp_path):
    tune = tune_of(f"M:6/8\nL:1/8\n{q}\nK:G".replace("\n\n", "\n"), "GAB cde|")
    text, _ = judge_text(tune)
    _, abc2midi_tempo = abc2midi_melody(text, tmp_path)
    assert tempo_qpm(tune) == pytest.approx(abc2midi_tempo, abs=0.01)


def test_hornpipes_are_played_as_written_and_the_judge_says_so():
    tune = tune_of("M:4/4\nL:1/8\nR:Hornpipe\nK:G", "GABc dBGB|")
    verdict = compare_with_abc2midi(tune)
    assert verdict.hornpipe and verdict.identical
    lengths = {round(e.duration, 6) for e in note_events(tune)}
    assert lengths == {0.25}  # eighth notes at 120 quarter notes a minute, no swing


def test_tempo_override_scales_every_time():
    tune = tune_of("M:4/4\nL:1/8\nK:G", "{a}GABc d2B2|")
    at_120 = note_events(tune, tempo_bpm=120)
    at_60 = note_events(tune, tempo_bpm=60)
    assert [e.pitch for e in at_60] == [e.pitch for e in at_120]
    assert [e.start for e in at_60] == pytest.approx([2 * e.start for e in at_120])
    assert [e.duration for e in at_60] == pytest.approx([2 * e.duration for e in at_120])


def sounding_notes(midi: mido.MidiFile) -> tuple[list[tuple[int, int, int, int]], list[str]]:
    """(channel, pitch, on tick, off tick) of each note, and the problems: offs without ons, ons never ended."""
    notes, problems = [], []
    for track in midi.tracks:
        now, sounding = 0, {}
        for message in track:
            now += message.time
            if message.type == "note_on" and message.velocity > 0:
                key = (message.channel, message.note)
                if key in sounding:
                    problems.append(f"note {key} struck again while sounding at tick {now}")
                sounding[key] = now
            elif message.type in ("note_off", "note_on"):
                key = (message.channel, message.note)
                if key not in sounding:
                    problems.append(f"note-off {key} without a note-on at tick {now}")
                    continue
                start = sounding.pop(key)
                if now <= start:
                    problems.append(f"zero-length note {key} at tick {start}")
                notes.append((message.channel, message.note, start, now))
        problems += [f"note {key} never ends" for key in sounding]
    return notes, problems


def test_midi_file_has_no_stuck_or_zero_length_notes_with_graces_and_accompaniment():
    tune = tune_of("M:6/8\nL:1/8\nK:D", '"D"{g}d3 {ag}f2e|"A7"{e}A3 "D"d3|"G"{a}B3 "A"{g}A3|')
    midi = midi_file(tune, accompaniment=True, program=73)
    notes, problems = sounding_notes(midi)
    assert problems == []
    channels = {channel for channel, *_ in notes}
    assert channels == {0, ACCOMPANIMENT_CHANNEL}
    programs = {m.channel: m.program for t in midi.tracks for m in t if m.type == "program_change"}
    assert programs[0] == 73 and programs[ACCOMPANIMENT_CHANNEL] != 73


def test_accompaniment_plays_the_chord_symbols_on_its_own_channel():
    tune = tune_of("M:4/4\nL:1/8\nK:G", '"G"G2B2 d2B2|"Cd"c2e2 "D7"d4|')
    backing = [e for e in note_events(tune, accompaniment=True) if e.channel == ACCOMPANIMENT_CHANNEL]
    assert note_events(tune) == [e for e in note_events(tune, accompaniment=True)
                                 if e.channel != ACCOMPANIMENT_CHANNEL]
    bar_two = {e.pitch % 12 for e in backing if 2.0 <= e.start < 3.0}
    assert {0, 3, 6} <= bar_two  # C diminished, spelled "Cd" as in Nottingham
    first_beat = [e for e in backing if e.start == 0]
    assert [e.pitch % 12 for e in first_beat] == [7]  # the bass of G on the downbeat
    assert all(e.duration > 0 for e in backing)


def test_written_file_reads_back_as_the_note_events(tmp_path):
    tune = read_tunebook(nottingham_dir() / "slip.abc").tunes[0]
    target = tmp_path / "slip.mid"
    write_midi(tune, target, accompaniment=True)
    midi = mido.MidiFile(target)
    tempo = next(m.tempo for t in midi.tracks for m in t if m.type == "set_tempo")
    notes, problems = sounding_notes(midi)
    assert problems == []
    seconds = sorted((round(mido.tick2second(on, midi.ticks_per_beat, tempo), 3), channel, pitch)
                     for channel, pitch, on, _ in notes)
    events = sorted((round(e.start, 3), e.channel, e.pitch) for e in note_events(tune, accompaniment=True))
    assert seconds == events
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slip.mid"]


def test_write_midi_to_a_file_object():
    buffer = io.BytesIO()
    write_midi(tune_of("K:C", "CDEF|"), buffer)
    buffer.seek(0)
    assert len(sounding_notes(mido.MidiFile(file=buffer))[0]) == 4


def test_music21_failures_become_abc_errors_naming_the_tune():
    tune = read_string("X:12\nT:Broken Thing\nM:0/0\nK:C\nCDE|\n").tunes[0]
    with pytest.raises(AbcError) as caught:
        note_events(tune)
    assert "Broken Thing" in str(caught.value) and caught.value.tune == 12


@pytest.mark.parametrize(("written", "mended"), [("Cd", "Cdim"), ("Ca7", "Caug7"), (" Em", "Em"),
                                                 ("(D7)", "D7"), ("D m", "Dm"), ("D/f+", "D/f#"),
                                                 ("^ahead", "^ahead"), ("A7/e", "A7/e")])
def test_chord_spellings_are_mended_for_music21(written, mended):
    assert mend_chord_symbol(written) == mended


def test_a_header_part_order_is_played_as_abc2midi_plays_it():
    tune = read_string("X:1\nT:Parts\nM:2/4\nL:1/8\nP:A(AB)2C.B\nK:C\nP:A\nCDEF|GABc|\nP:B\ncBAG|FEDC|\n"
                       "P:C\nEGEG|c4|]\n").tunes[0]
    verdict = compare_with_abc2midi(tune)
    assert verdict.identical, verdict.cause
    assert verdict.our_notes == 3 * 8 + 3 * 8 + 5  # A A B A B C B
