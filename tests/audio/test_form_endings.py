"""Listened to with numbers: continuations in the kept form end on the key's tonic when rendered by FluidSynth."""

from __future__ import annotations

import numpy as np
from reference_notes import abc2midi_notes
from spectrum import mono, pitch_at

from composer.abc.tunebook import read_string
from composer.audio.render import render_tune
from composer.audio.synth import SAMPLE_RATE
from composer.model.form_plan import plan_form
from composer.model.generate import Generator, Request, continuation_of
from composer.model.onnx_model import DEFAULT_MODEL, OnnxModel
from composer.model.sampling import SamplingOptions

HALF_WRITTEN = """X:1
T:The Kesh, first part
R:jig
M:6/8
L:1/8
Q:3/8=116
K:G
|:GAG GAB|ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|AGF G3:|
"""
G = 7  # the tonic's pitch class


def test_two_continuations_end_on_the_tonic_pitch(soundfont, tmp_path):
    tune = read_string(HALF_WRITTEN).tunes[0]
    cut = continuation_of(tune)
    plan = plan_form("auto", cut.prime, rhythm=tune.rhythm, meter=tune.meter)
    results = Generator(OnnxModel(DEFAULT_MODEL)).generate(Request(cut.prime, 2, SamplingOptions(seed=11),
                                                                   form=plan.form))
    half = abc2midi_notes(tune, tmp_path)
    half_length = max(n.start + n.duration for n in half)
    for result in results:
        text = cut.source_prefix + result.text
        continued = read_string(text).tunes[0]
        expected = abc2midi_notes(continued, tmp_path)
        audio = mono(render_tune(continued, soundfont=soundfont))
        last = max(expected, key=lambda n: n.start)
        assert last.pitch % 12 == G, text  # abc2midi plays the repeats out and ends on a G
        heard = pitch_at(audio, SAMPLE_RATE, last.start + 0.03, min(0.25, last.duration - 0.03))
        assert heard == last.pitch, (heard, last, text)  # and the rendered sound is that G
        # No silence: every second of the tune carries sound.
        seconds = int(last.start)
        loudness = [float(np.sqrt(np.mean(audio[s * SAMPLE_RATE:(s + 1) * SAMPLE_RATE] ** 2)))
                    for s in range(seconds)]
        assert min(loudness) > 0.01 * max(loudness), loudness
        # The continuation added a repeated part as long as the written one: the tune plays twice as long.
        assert last.start + last.duration >= 1.9 * half_length, text
