"""A problem found in ABC text (Diagnostic), its two severities, and text made safe to print in a message."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ERROR", "WARNING", "Diagnostic", "printable"]

ERROR = "error"
WARNING = "warning"

@dataclass(frozen=True)
class Diagnostic:
    """One problem found in ABC text, at a 1-based line and column."""

    severity: str          # "error" or "warning"
    message: str
    line: int              # 1-based line in the checked text/file
    column: int            # 1-based column
    tune: int | None = None  # the tune's X: number
    path: str | None = None
    #: True for an error the exporters refuse a tune for: numbers outside musical bounds (composer.abc.bounds)
    #: or no K:, which would make music21 or the synthesizer run for minutes or take gigabytes.
    blocks_export: bool = False

    def __str__(self) -> str:
        """FILE:LINE:COL: severity: message, with control characters from the file escaped (`\\x1b`)."""
        return printable(f"{self.path or '<text>'}:{self.line}:{self.column}: {self.severity}: {self.message}")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with control characters (terminal escapes, bidi overrides, stray surrogates) written as escapes,
    so that a file cannot drive the terminal or reorder a message."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                            else f"\\u{ord(m.group()):04x}", text)
