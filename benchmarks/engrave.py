"""Benchmark: time engrave_svg (abcm2ps out of process) on a 32-bar reel, a 256-bar tune and the examples."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from composer.abc.tunebook import read_tunebook
from composer.notation.engrave import engrave_svg

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples.abc"
TARGET_MS = 50.0


def tune_of_bars(bars: int) -> str:
    """Cooley's (16 bars) played round until the tune has `bars` bars, as one tune."""
    cooleys = next(t for t in read_tunebook(EXAMPLES) if t.title == "Cooley's")
    header = [f"{f.name}:{f.value}" for f in cooleys.header]
    body = [line.text for line in cooleys.body]
    rounds = bars // 16
    return "\n".join(header + body * rounds) + "\n"


def time_ms(text: str, runs: int) -> list[float]:
    engrave_svg(text)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = engrave_svg(text)
        times.append((time.perf_counter() - start) * 1000)
        assert result.pages, "nothing engraved"
    return times


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"{name:<28} runs={len(times):3d}  median={median:6.1f} ms  p95={p95:6.1f} ms  "
          f"min={min(times):6.1f} ms")
    return median


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    median_32 = report("32-bar reel", time_ms(tune_of_bars(32), runs))
    report("256-bar tune", time_ms(tune_of_bars(256), max(runs // 5, 5)))
    report("examples.abc (7 tunes)", time_ms(EXAMPLES.read_text(encoding="utf-8"), max(runs // 5, 5)))
    print(f"32-bar median / {TARGET_MS:.0f} ms target = {median_32 / TARGET_MS:.2f}")
    return 0 if median_32 < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
