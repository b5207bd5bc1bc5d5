"""ABC text: tunebook reading, lengths and meters, checking and transposition (pure text in, values out)."""

from composer.abc.lengths import default_unit_length
from composer.abc.tunebook import BodyLine, Field, Tune, Tunebook, read_string, read_tunebook, tunes_of

__all__ = [
    "BodyLine", "Field", "Tune", "Tunebook", "default_unit_length", "read_string",
    "read_tunebook", "tunes_of",
]
