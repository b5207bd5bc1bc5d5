"""Offline rendering of real tunes, checked by FFT against abc2midi's notes for the same tunes."""

from __future__ import annotations

import os
import stat
import wave

import numpy as np
import pytest
from reference_notes import abc2midi_notes, nottingham_tune
from spectrum import detect_onsets, mono, pitch_at

from composer.audio.performance import MELODY, build_performance, tune_tempo
from composer.audio.render import export_wav, render_performance, render_tune
from composer.audio.synth import SAMPLE_RATE

# A jig, a reel and a waltz from Nottingham (fixed sample; their abc2midi melody is the reference).
SAMPLE = [("jigs.abc", 4), ("reelsa-c.abc", 1), ("waltzes.abc", 2)]
ONSET_TOLERANCE = 0.035  # seconds: three analysis hops


@pytest.mark.parametrize(("file", "reference"), SAMPLE)
def test_rendered_pitches_and_onsets_match_the_tune(file, reference, soundfont, tmp_path):
    tune = nottingham_tune(file, reference)
    expected = abc2midi_notes(tune, tmp_path)
    audio = mono(render_tune(tune, soundfont=soundfont))
    assert len(audio) / SAMPLE_RATE >= expected[-1].start + expected[-1].duration

    # Pitch: each note's spectrum just after its onset holds the note's harmonics best.
    heard = [pitch_at(audio, SAMPLE_RATE, n.start + 0.03, min(0.12, n.duration - 0.03)) for n in expected]
    pitch_hits = sum(h == n.pitch for h, n in zip(heard, expected, strict=True))
    assert pitch_hits >= 0.95 * len(expected), [(n.pitch, h) for h, n in zip(heard, expected, strict=True)
                                                if h != n.pitch]

    # Onsets: detected from the audio alone, then compared with the notes' starts both ways.
    onsets = detect_onsets(audio, SAMPLE_RATE)
    starts = np.array(sorted({round(n.start, 4) for n in expected}))
    found = sum(np.min(np.abs(onsets - s)) < ONSET_TOLERANCE for s in starts)
    real = sum(np.min(np.abs(starts - o)) < ONSET_TOLERANCE for o in onsets)
    assert found >= 0.95 * len(starts)
    assert real >= 0.95 * len(onsets)


def test_program_and_tempo_change_the_sound(soundfont):
    tune = nottingham_tune("jigs.abc", 4)
    piano = render_tune(tune, soundfont=soundfont)
    flute = render_tune(tune, soundfont=soundfont, program=73)
    performance = build_performance(tune)
    fast = render_tune(tune, soundfont=soundfont, tempo=2 * tune_tempo(tune))  # quarter notes a minute
    # Twice the tempo: the music takes half the time (the release tail adds at most MAX_TAIL).
    assert abs(len(fast) / SAMPLE_RATE - performance.duration / 2) < 3.0
    assert abs(len(piano) / SAMPLE_RATE - performance.duration) < 3.0

    def spectrum_shape(samples):
        spectrum = np.abs(np.fft.rfft(mono(samples)[: SAMPLE_RATE * 8]))
        return spectrum / np.linalg.norm(spectrum)

    # Same notes, another instrument: a clearly different spectrum.
    assert float(np.dot(spectrum_shape(piano), spectrum_shape(flute))) < 0.9


def test_parts_render_only_what_is_asked(soundfont):
    tune = nottingham_tune("jigs.abc", 4)
    performance = build_performance(tune, accompaniment=True, metronome=True)
    assert {"melody", "accompaniment", "metronome"} <= performance.parts()
    melody = render_performance(performance, soundfont=soundfont, parts=(MELODY,))
    everything = render_performance(performance, soundfont=soundfont,
                                    parts=("melody", "accompaniment", "metronome"))
    energy = lambda x: float(np.mean(mono(x) ** 2))  # noqa: E731
    assert energy(everything) > 1.2 * energy(melody)


def test_export_wav_writes_a_normalized_16_bit_file(soundfont, tmp_path):
    tune = nottingham_tune("reelsa-c.abc", 1)
    target = tmp_path / "tune.wav"
    export_wav(tune, target, soundfont=soundfont)
    with wave.open(str(target)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, SAMPLE_RATE)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        seconds = wav.getnframes() / SAMPLE_RATE
    duration = build_performance(tune).duration
    assert duration <= seconds <= duration + 3.0
    peak = np.max(np.abs(frames)) / 32767
    assert 0.8 < peak < 0.9  # -1 dBFS
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # like any file the user saves


def test_write_wav_converts_a_long_render_a_block_at_a_time(tmp_path):
    import tracemalloc

    from composer.audio.render import write_wav
    seconds = 120
    t = np.arange(seconds * SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    samples = np.stack([tone, tone], axis=1)  # 42 MB of float32
    del t, tone
    target = tmp_path / "long.wav"
    tracemalloc.start()
    try:
        write_wav(samples, target, peak=0.89)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_bytes < samples.nbytes / 8  # a whole-buffer copy would be 42 MB, several would be 200+
    with wave.open(str(target)) as wav:
        assert wav.getnframes() == len(samples) and wav.getnchannels() == 2
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert abs(np.max(np.abs(frames)) / 32767 - 0.89) < 0.001
    assert np.array_equal(frames[:, 0], frames[:, 1])
    expected = np.round(samples[:, 0] * (0.89 * 32767 / np.max(np.abs(samples))))
    assert np.max(np.abs(frames[:, 0] - expected)) <= 1
