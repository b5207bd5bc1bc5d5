"""Audio analysis for the tests: onsets by spectral flux and note pitches by harmonic sums over an FFT."""

from __future__ import annotations

import numpy as np

HOP = 256
WINDOW = 2048


def mono(samples: np.ndarray) -> np.ndarray:
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def detect_onsets(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset times (s): peaks of the positive log-spectral flux above a local median threshold."""
    x = mono(samples).astype(np.float32)
    frames = 1 + max(0, (len(x) - WINDOW) // HOP)
    window = np.hanning(WINDOW)
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(frames)[:, None]
    spectra = np.abs(np.fft.rfft(x[index] * window, axis=1))
    log = np.log1p(1000.0 * spectra)
    flux = np.maximum(log[1:] - log[:-1], 0.0).sum(axis=1)
    flux = np.concatenate([[0.0], flux])
    onsets = []
    half = 8
    for i in range(1, len(flux) - 1):
        lo, hi = max(0, i - half), min(len(flux), i + half + 1)
        local = flux[lo:hi]
        if flux[i] == local.max() and flux[i] > np.median(local) * 1.5 + 0.1 * flux.max() * 0.1 \
                and flux[i] > 0.05 * flux.max():
            onsets.append(i)
    # The flux rises in the frame whose window first overlaps the attack: centre it on the window's middle.
    return (np.array(onsets) * HOP + WINDOW / 2) / sample_rate


def pitch_at(samples: np.ndarray, sample_rate: int, start: float, length: float,
             candidates: range = range(36, 97)) -> int:
    """The MIDI pitch whose first harmonics hold the most energy in [start, start + length).

    Pass mono samples when calling this for many notes (a stereo buffer is mixed down on every call).
    """
    x = mono(samples)
    a = int(start * sample_rate)
    b = max(a + 256, int((start + length) * sample_rate))
    segment = x[a:b] * np.hanning(len(x[a:b]))
    size = 1 << 14
    spectrum = np.abs(np.fft.rfft(segment, size))
    # Each bin holds the largest magnitude within two bins of it, so slightly detuned partials still count.
    peak = np.max(np.stack([np.roll(spectrum, k) for k in range(-2, 3)]), axis=0)
    peak[-3:] = 0.0
    pitches = np.array(candidates, dtype=np.float64)
    f0 = 440.0 * 2 ** ((pitches - 69) / 12)

    def energy(freqs: np.ndarray) -> np.ndarray:
        k = np.rint(freqs * size / sample_rate).astype(int)
        return np.where(k < len(peak), peak[np.minimum(k, len(peak) - 1)], 0.0)

    score = sum(energy(h * f0) / h for h in range(1, 5))
    # A sub-octave candidate collects the true note's harmonics too: penalize energy between them.
    score = score - 0.5 * energy(f0 * 0.5) - 0.5 * energy(f0 * 1.5)
    return int(pitches[int(np.argmax(score))])
