"""Time the body tokenizer and the checker over the whole Nottingham collection and print the figures."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.abc.checker import check_tune  # noqa: E402
from composer.abc.corpora import collection_tunes  # noqa: E402
from composer.abc.tokens import tokenize_tune  # noqa: E402
from composer.abc.transpose import transpose_tune  # noqa: E402
from composer.model.canonical import canonical_text  # noqa: E402


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    (_, tunes), = collection_tunes(["nottingham"])
    chars = sum(len(b.text) + 1 for t in tunes for b in t.body)
    count = sum(1 for t in tunes for _ in tokenize_tune(t))
    seconds = best_of(3, lambda: [None for t in tunes for _ in tokenize_tune(t)])
    print(f"tokenize: {len(tunes)} tunes, {chars} body chars, {count} tokens in {seconds:.3f} s "
          f"({count / seconds / 1e6:.2f} M tokens/s)")
    seconds = best_of(3, lambda: [check_tune(t) for t in tunes])
    print(f"check:    {len(tunes)} tunes in {seconds:.3f} s ({1000 * seconds / len(tunes):.2f} ms/tune)")
    canon = [canonical_text(t) for t in tunes]
    seconds = best_of(3, lambda: [transpose_tune(c, 5) for c in canon])
    print(f"transpose_tune: {len(canon)} canonical tunes in {seconds:.3f} s "
          f"({1000 * seconds / len(canon):.2f} ms/tune)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
