"""Offline rendering through FluidSynth, as fast as the CPU allows: a tune to a numpy buffer or a WAV file."""

from __future__ import annotations

import os
import wave
from collections.abc import Collection

import numpy as np

from composer.abc.tunebook import Tune
from composer.audio.performance import ACCOMPANIMENT, MELODY, Performance, build_performance
from composer.audio.soundfonts import SoundFont
from composer.audio.synth import SAMPLE_RATE, Synthesizer
from composer.errors import AudioError
from composer.notation.atomic_file import atomic_writer

#: Frames converted to 16-bit PCM at a time when writing a WAV file (about 1.5 s of audio, 0.5 MB of float32).
_WAV_BLOCK_FRAMES = 65536
#: Longest release tail rendered after the last note ends, in seconds.
MAX_TAIL = 3.0


def render_performance(performance: Performance, *, soundfont: str | os.PathLike | SoundFont | None = None,
                       program: int | None = None, parts: Collection[str] = (MELODY, ACCOMPANIMENT),
                       sample_rate: int = SAMPLE_RATE, speed: float = 1.0,
                       effects: bool = True) -> np.ndarray:
    """The performance's `parts` as float32 stereo samples, shape (frames, 2), at `sample_rate`.

    `program` (GM 0-127) replaces the melody's instrument; `speed` scales the tempo (2.0 plays twice as
    fast). Rendering runs in the calling thread and stops after the release tails die out (≤ MAX_TAIL s).
    """
    notes = [n for n in performance.notes if n.part in parts]
    # Note-offs sort before note-ons at the same instant so a repeated pitch sounds again.
    events: list[tuple[float, int, int, int, int]] = []
    for n in notes:
        events.append((n.start / speed, 1, n.channel, n.pitch, n.velocity))
        events.append((n.end / speed, 0, n.channel, n.pitch, 0))
    events.sort()
    end = max((t for t, *_ in events), default=0.0)
    frames_total = int((end + MAX_TAIL) * sample_rate) + 1
    out = np.zeros((frames_total, 2), dtype=np.float32)
    with Synthesizer(soundfont, sample_rate=sample_rate, effects=effects, threadsafe=False) as synth:
        for n in notes:
            chosen = program if (program is not None and n.part == MELODY) else n.program
            synth.set_program(n.channel, chosen)
        cursor = 0
        for time, is_on, channel, pitch, velocity in events:
            frame = min(int(round(time * sample_rate)), frames_total)
            if frame > cursor:
                synth.write(frame - cursor, out[cursor:frame])
                cursor = frame
            if is_on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        # Let the release tails ring until the synthesizer falls silent.
        block = sample_rate // 20
        while cursor < frames_total:
            stop = min(cursor + block, frames_total)
            synth.write(stop - cursor, out[cursor:stop])
            cursor = stop
            if synth.active_voices() == 0 and not np.any(np.abs(out[cursor - 64:cursor]) > 1e-4):
                break
    return out[:cursor]


def render_tune(tune: Tune, *, soundfont: str | os.PathLike | SoundFont | None = None,
                program: int | None = None, tempo: float | None = None, accompaniment: bool = False,
                sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The tune as float32 stereo samples (frames, 2); `tempo` in quarter notes a minute (default: Q:)."""
    performance = build_performance(tune, tempo_qpm=tempo, program=program, accompaniment=accompaniment,
                                    metronome=False)
    parts = (MELODY, ACCOMPANIMENT) if accompaniment else (MELODY,)
    return render_performance(performance, soundfont=soundfont, program=program, parts=parts,
                              sample_rate=sample_rate)


def write_wav(samples: np.ndarray, path: str | os.PathLike, *, sample_rate: int = SAMPLE_RATE,
              peak: float | None = None) -> None:
    """Write float samples (frames, channels) as 16-bit PCM WAV, atomically (composer.notation.atomic_file: the
    old file's mode kept, flushed to disk, a read-only file refused; AudioError when it cannot be written).

    With `peak` (0-1) the loudest sample is scaled to it; samples that would clip are always scaled down. The
    samples are converted a block at a time, so the memory beyond `samples` stays small whatever their length.
    """
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    blocks = range(0, len(data), _WAV_BLOCK_FRAMES)
    loudest = max((float(np.max(np.abs(data[i:i + _WAV_BLOCK_FRAMES]))) for i in blocks), default=0.0)
    scale = 32767.0
    if loudest > 0 and (peak is not None or loudest > 0.999):
        scale *= min(peak or 0.98, 0.98) / loudest
    try:
        with atomic_writer(path) as out, wave.open(out, "wb") as wav:
            wav.setnchannels(data.shape[1])
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.setnframes(len(data))
            for i in blocks:
                block = np.clip(data[i:i + _WAV_BLOCK_FRAMES] * scale, -32767.0, 32767.0)
                wav.writeframesraw(block.round().astype("<i2").tobytes())
    except OSError as exc:
        raise AudioError(f"cannot write WAV: {exc.strerror or exc}", path=os.fspath(path)) from None


def export_wav(tune: Tune, path: str | os.PathLike, *, soundfont: str | os.PathLike | SoundFont | None = None,
               program: int | None = None, tempo: float | None = None) -> None:
    """Render `tune` (melody; `program` GM instrument, `tempo` quarter notes a minute, as for MIDI export)
    to a 44.1 kHz 16-bit stereo WAV file, peak-normalized to -1 dBFS."""
    write_wav(render_tune(tune, soundfont=soundfont, program=program, tempo=tempo), path, peak=0.89)
