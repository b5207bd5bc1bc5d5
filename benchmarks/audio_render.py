"""Print offline render speed through FluidSynth: seconds of audio per second of CPU, for real tunes."""

from __future__ import annotations

import argparse
import time

from composer.abc.corpora import nottingham_dir
from composer.abc.tunebook import read_tunebook
from composer.audio.performance import ACCOMPANIMENT, MELODY, build_performance
from composer.audio.render import render_performance
from composer.audio.soundfonts import default_soundfont
from composer.audio.synth import SAMPLE_RATE

# A long reel and a jig from Nottingham.
TUNES = [("reelsh-l.abc", 1), ("jigs.abc", 6)]


def cpu_seconds(work) -> tuple[object, float]:
    start = time.process_time()
    result = work()
    return result, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="renders per case (best is reported)")
    args = parser.parse_args()
    soundfont = default_soundfont()
    print(f"SoundFont: {soundfont.label}  sample rate {SAMPLE_RATE} Hz, stereo float32")
    for file, reference in TUNES:
        tune = read_tunebook(nottingham_dir() / file).tune(reference)
        performance, build_cpu = cpu_seconds(lambda t=tune: build_performance(t, accompaniment=True))
        print(f"\n{file} {tune.label}: {performance.duration:.1f} s of music, "
              f"{len(performance.melody())} melody notes; "
              f"building the performance (music21): {build_cpu:.2f} s CPU")
        cases = [
            ("melody, reverb+chorus", (MELODY,), True),
            ("melody, no effects", (MELODY,), False),
            ("melody+accompaniment", (MELODY, ACCOMPANIMENT), True),
        ]
        for name, parts, effects in cases:
            best = float("inf")
            frames = 0
            for _ in range(args.repeat):
                audio, cpu = cpu_seconds(lambda f=performance, p=parts, e=effects: render_performance(
                    f, soundfont=soundfont, parts=p, effects=e))
                best = min(best, cpu)
                frames = len(audio)
            seconds = frames / SAMPLE_RATE
            print(f"  {name:24s} {seconds:6.1f} s audio in {best:5.2f} s CPU "
                  f"= {seconds / best:6.0f}x real time")


if __name__ == "__main__":
    main()
