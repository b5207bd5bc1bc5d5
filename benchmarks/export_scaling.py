"""Benchmark: export time against tune length, for 125 to 2,000 bars; linear time gives a ratio of about 16.

Each tune is Cooley's (16 bars, with repeats and grace notes) played round until it has the number of bars.
Every export runs in a fresh process, so that music21's caches and the score cache of composer.notation.played_score
count the same for every length. Prints the seconds per length and format and the ratio of the longest to
the shortest; the target is a ratio of at most 24.

    .venv/bin/python benchmarks/export_scaling.py                  # MIDI and MusicXML
    .venv/bin/python benchmarks/export_scaling.py --formats mid --bars 125 250 500
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from composer.abc.tunebook import read_tunebook

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples.abc"
TARGET_RATIO = 24.0
# The child: read the tune, then time only the export (imports and reading are the same for every length).
_CHILD = """
import sys, time
from composer.abc.tunebook import read_tunebook
from composer.export import ExportOptions, export_tunes
import music21  # noqa: F401
book = read_tunebook(sys.argv[1])
options = ExportOptions(suffix=sys.argv[3])
start = time.perf_counter()
export_tunes(book, sys.argv[2], options)
print(time.perf_counter() - start)
"""


def tune_of_bars(bars: int) -> str:
    """Cooley's (16 bars) played round until the tune has `bars` bars, as one tune."""
    cooleys = next(t for t in read_tunebook(EXAMPLES) if t.title == "Cooley's")
    header = [f"{f.name}:{f.value}" for f in cooleys.header]
    body = [line.text for line in cooleys.body]
    rounds = max(1, round(bars / 16))
    return "\n".join(header + body * rounds) + "\n"


def export_seconds(text: str, suffix: str, folder: Path) -> float:
    source = folder / "tune.abc"
    source.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(source), str(folder / f"out{suffix}"), suffix],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"export to {suffix} failed: {done.stderr.strip()[-500:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, nargs="+", default=[125, 250, 500, 1000, 2000])
    parser.add_argument("--formats", nargs="+", default=["mid", "musicxml"], choices=["mid", "musicxml"])
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="export-scaling-") as name:
        folder = Path(name)
        for fmt in args.formats:
            times = []
            for bars in args.bars:
                seconds = export_seconds(tune_of_bars(bars), "." + fmt, folder)
                times.append(seconds)
                print(f"{fmt:<9} {bars:5d} bars  {seconds:7.2f} s  {1000 * seconds / bars:6.1f} ms/bar", flush=True)
            ratio = times[-1] / times[0]
            linear = args.bars[-1] / args.bars[0]
            worst = max(worst, ratio / linear * 16)
            print(f"{fmt:<9} ratio {args.bars[-1]}/{args.bars[0]} bars: {ratio:.1f} "
                  f"(linear ≈ {linear:g}, target ≤ {TARGET_RATIO * linear / 16:g})", flush=True)
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
