"""ABC text: tunebook reading, canonical model text, checking and transposition (pure text in, values out)."""

from composer.abc.canonical import canonical_text, default_unit_length
from composer.abc.tunebook import BodyLine, Field, Tune, Tunebook, read_string, read_tunebook, tunes_of

__all__ = [
    "BodyLine", "Field", "Tune", "Tunebook", "canonical_text", "default_unit_length", "read_string",
    "read_tunebook", "tunes_of",
]
