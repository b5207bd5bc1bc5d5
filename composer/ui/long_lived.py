"""Keep the garbage collector off a big tunebook: read it with collection paused, then freeze what is alive.

A 5 MB tunebook is about a million tracked objects. Left to the collector, they are walked again and again as
they age through the generations, each pass holding the GIL for up to a second while the window waits (the
typing stall measured by benchmarks/typing_responsiveness.py). Frozen (gc.freeze), they are never walked; they
are still freed by reference counting when the next reading replaces them, since a tunebook holds no cycles.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")

_one_at_a_time = threading.Lock()


def built_long_lived(build: Callable[[], Result]) -> Result:
    """`build()` with the collector paused, then every object alive frozen out of later collections."""
    with _one_at_a_time:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            result = build()
            gc.freeze()
        finally:
            if was_enabled:
                gc.enable()
    return result
