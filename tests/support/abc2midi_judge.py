"""Judge our MIDI export against Debian's abc2midi: same notes (pitch, onset, duration in quarter notes).

Both sides are asked for the written melody only: abc2midi runs with `-NGRA -NGUI -NFER` (no grace notes,
no guitar chords, fermatas as written) and `%%MIDI chordattack 0` (chord notes together), and our side with
`grace_notes=False` and no accompaniment. abc2midi swings the pairs of R:hornpipe tunes; our export plays
them as written, so the judge's copy of a hornpipe has its R: line removed and the comparison says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import mido

from composer.abc.tunebook import Tune
from composer.errors import AbcError
from composer.notation.abc_writer import standalone_tune_text
from composer.notation.midi import note_events, tempo_qpm
from composer.notation.played_score import DRUM_CHANNEL

__all__ = [
    "Comparison", "abc2midi_available", "abc2midi_melody", "compare_with_abc2midi", "midi_note_problems",
    "our_melody",
]

#: Largest onset or duration difference still counted as equal: 12 of abc2midi's 480 ticks per quarter
#: (abc2midi starts each note one tick late and rounds tuplets to whole ticks).
TOLERANCE_QUARTERS = Fraction(12, 480)

_HORNPIPE = re.compile(r"^R:.*hornpipe.*$", re.IGNORECASE | re.MULTILINE)

Note = tuple[int, Fraction, Fraction]  # pitch, onset and duration in quarter notes


@dataclass(frozen=True)
class Comparison:
    """The verdict on one tune."""

    label: str
    path: str | None
    identical: bool
    cause: str  # empty when identical
    our_notes: int
    their_notes: int
    hornpipe: bool  # the R:hornpipe line was removed from abc2midi's copy


def abc2midi_available() -> bool:
    return shutil.which("abc2midi") is not None


def judge_text(tune: Tune) -> tuple[str, bool]:
    """The tune as abc2midi gets it (X:1, chord attack off, hornpipe swing off); whether it was a hornpipe."""
    text = standalone_tune_text(tune)
    lines = text.splitlines()
    if lines and lines[0].startswith("X:"):
        lines = lines[1:]
    body = "\n".join(lines) + "\n"
    hornpipe = bool(_HORNPIPE.search(body))
    body = _HORNPIPE.sub("R:", body)
    return "X:1\n%%MIDI chordattack 0\n" + body, hornpipe


def abc2midi_melody(text: str, workdir: Path, *, grace_notes: bool = False) -> tuple[list[Note], float | None]:
    """abc2midi's notes for the ABC `text` (tune X:1) and its first tempo in quarter notes per minute."""
    source = workdir / "tune.abc"
    target = workdir / "tune.mid"
    target.unlink(missing_ok=True)
    source.write_text(text, encoding="utf-8")
    flags = ["-NGUI", "-NFER"] + ([] if grace_notes else ["-NGRA"])
    subprocess.run(["abc2midi", str(source), "1", *flags, "-quiet", "-silent", "-o", str(target)],
                   capture_output=True, timeout=60, check=False)
    if not target.exists():
        raise AbcError("abc2midi wrote no MIDI file")
    midi = mido.MidiFile(target)
    per_quarter = midi.ticks_per_beat
    notes: list[Note] = []
    tempo = None
    for track in midi.tracks:
        now = 0
        sounding: dict[tuple[int, int], list[int]] = defaultdict(list)
        for message in track:
            now += message.time
            if message.type == "set_tempo" and tempo is None:
                tempo = mido.tempo2bpm(message.tempo)
            if message.type not in ("note_on", "note_off") or message.channel == DRUM_CHANNEL:
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                sounding[key].append(now)
            elif sounding[key]:
                start = sounding[key].pop(0)
                notes.append((message.note, Fraction(start, per_quarter), Fraction(now - start, per_quarter)))
    notes.sort(key=lambda n: (n[1], n[0]))
    return notes, tempo


def our_melody(tune: Tune, *, grace_notes: bool = False) -> list[Note]:
    """Our export's melody notes (no accompaniment) in quarter notes."""
    per_second = tempo_qpm(tune) / 60.0
    events = note_events(tune, grace_notes=grace_notes)
    notes = [(e.pitch, Fraction(e.start * per_second).limit_denominator(3840),
              Fraction(e.duration * per_second).limit_denominator(3840)) for e in events]
    return sorted(notes, key=lambda n: (n[1], n[0]))


def compare_with_abc2midi(tune: Tune, workdir: Path | None = None, *, grace_notes: bool = False) -> Comparison:
    """Whether our MIDI export of `tune` is note-identical to abc2midi's, and if not, the first difference.

    Grace notes are left out on both sides unless `grace_notes`."""
    text, hornpipe = judge_text(tune)
    path = tune.path

    def verdict(cause: str, ours: int = 0, theirs: int = 0) -> Comparison:
        return Comparison(tune.label, path, not cause, cause, ours, theirs, hornpipe)

    try:
        ours = our_melody(tune, grace_notes=grace_notes)
    except AbcError as exc:
        return verdict(f"our export failed: {exc.message}")
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="abc2midi-judge-") as temp:
            theirs, tempo = abc2midi_melody(text, Path(temp), grace_notes=grace_notes)
    else:
        theirs, tempo = abc2midi_melody(text, workdir, grace_notes=grace_notes)
    if tempo is not None and abs(tempo - tempo_qpm(tune)) > 0.5:
        return verdict(f"tempo: ours {tempo_qpm(tune):g} q/min, abc2midi {tempo:g}", len(ours), len(theirs))
    return verdict(first_difference(ours, theirs), len(ours), len(theirs))


def first_difference(ours: list[Note], theirs: list[Note]) -> str:
    """A description of the first note that differs, or "" when the two lists match within the tolerance."""
    for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        same = (a[0] == b[0] and abs(a[1] - b[1]) <= TOLERANCE_QUARTERS
                and abs(a[2] - b[2]) <= TOLERANCE_QUARTERS)
        if not same:
            kind = "pitch" if abs(a[1] - b[1]) <= TOLERANCE_QUARTERS and a[0] != b[0] else \
                "onset" if abs(a[1] - b[1]) > TOLERANCE_QUARTERS else "duration"
            return (f"{kind} of note {index + 1} (of {len(ours)} vs {len(theirs)}): ours {_show(a)}, "
                    f"abc2midi {_show(b)}")
    if len(ours) != len(theirs):
        longer, who = (ours, "ours") if len(ours) > len(theirs) else (theirs, "abc2midi")
        extra = longer[min(len(ours), len(theirs))]
        return f"count: ours {len(ours)}, abc2midi {len(theirs)}; {who} goes on with {_show(extra)}"
    return ""


def _show(note: Note) -> str:
    pitch, onset, duration = note
    return f"{pitch}@{float(onset):g}q+{float(duration):g}q"


def midi_note_problems(midi: mido.MidiFile) -> list[str]:
    """What would leave a synthesizer wrong: a note-off with no note-on before it, a note struck again while
    it sounds, a note never released, a zero-length note."""
    problems: list[str] = []
    for track in midi.tracks:
        now = 0
        sounding: dict[tuple[int, int], int] = {}
        for message in track:
            now += message.time
            if message.type not in ("note_on", "note_off"):
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                if key in sounding:
                    problems.append(f"note {key} struck again while sounding at tick {now}")
                sounding[key] = now
            elif key not in sounding:
                problems.append(f"note-off {key} without a note-on at tick {now}")
            elif sounding.pop(key) >= now:
                problems.append(f"zero-length note {key} at tick {now}")
        problems += [f"note {key} never released" for key in sounding]
    return problems
