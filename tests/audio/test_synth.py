"""The FluidSynth synthesizer: real samples, real drivers, and the failures users meet."""

from __future__ import annotations

import subprocess
import sys
import wave

import numpy as np
import pytest

from composer.audio.synth import Synthesizer, available_drivers
from composer.errors import AudioError


def peak_hz(samples: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.mean(axis=1) * np.hanning(len(samples))))
    return float(np.argmax(spectrum)) * sample_rate / len(samples)


def test_a_note_sounds_at_its_pitch(soundfont):
    with Synthesizer(soundfont) as synth:
        assert np.abs(synth.write(4410)).max() < 1e-6  # silent (dither-level noise at most) before any note
        synth.noteon(0, 69, 100)
        a440 = synth.write(synth.sample_rate)
        synth.noteon(0, 81, 100)
        synth.noteoff(0, 69)
        synth.all_notes_off(immediately=True)
        synth.write(4410)
        synth.noteon(0, 81, 100)
        a880 = synth.write(synth.sample_rate)
    assert abs(peak_hz(a440, 44100) - 440) < 3
    assert abs(peak_hz(a880, 44100) - 880) < 3
    assert a440.dtype == np.float32 and a440.shape == (44100, 2)


def test_a_corrupt_soundfont_is_refused_before_fluidsynth_sees_it(soundfont, tmp_path):
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(open(soundfont.path, "rb").read()[:50_000])
    with pytest.raises(AudioError, match="SoundFont"):
        Synthesizer(bad)


def test_the_file_driver_opens_and_records(soundfont, tmp_path):
    target = tmp_path / "out.wav"
    assert "file" in available_drivers()
    synth = Synthesizer(soundfont)
    assert synth.open_output("file", {"audio.file.name": str(target)}) == "file"
    assert synth.has_output
    synth.noteon(0, 69, 110)
    import time

    time.sleep(0.5)
    synth.close()
    with wave.open(str(target)) as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(frames) > 0.3 * 44100
    assert abs(peak_hz(frames.astype(np.float32), 44100) - 440) < 5


def test_a_driver_that_cannot_open_says_why(soundfont):
    with Synthesizer(soundfont) as synth:
        if "oss" in available_drivers():
            with pytest.raises(AudioError, match="no audio output could be opened") as caught:
                synth.open_output("oss", {"audio.oss.device": "/nonexistent/dsp"})
            assert "oss" in str(caught.value)
        with pytest.raises(AudioError, match="no audio output"):
            synth.open_output("no-such-driver")
        assert not synth.has_output
        synth.noteon(0, 60, 100)
        assert np.abs(synth.write(4410)).max() > 0  # offline rendering still works


def test_missing_libfluidsynth_is_an_audio_error_not_a_crash():
    # A process where the pyfluidsynth binding (and so libfluidsynth) cannot be imported.
    code = (
        "import sys; sys.modules['fluidsynth'] = None\n"
        "from composer.errors import AudioError\n"
        "from composer.audio.synth import Synthesizer\n"
        "try:\n    Synthesizer()\nexcept AudioError as e:\n    print('AudioError:', e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "AudioError: FluidSynth is not available" in result.stdout
