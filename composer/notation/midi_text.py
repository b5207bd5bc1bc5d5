"""Text in MIDI's text encoding (Latin-1), transliterated where it does not fit."""

from __future__ import annotations

import unicodedata

__all__ = ["midi_text"]

#: Spellings in Latin-1 (MIDI's text encoding, as mido writes it) of characters common in tune titles.
_LATIN1_SPELLINGS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u201e": '"', "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u0152": "OE", "\u0153": "oe", "\u0141": "L", "\u0142": "l", "\u0131": "i", "\u266f": "#", "\u266d": "b",
}


def midi_text(text: str) -> str:
    """`text` in MIDI's text encoding (Latin-1): itself where it fits, else transliterated (’ → ', — → -,
    ő → o) and `?` for what has no spelling (海); control characters become spaces. Never fails."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch if ch.isprintable() else " ")
        elif ch in _LATIN1_SPELLINGS:
            out.append(_LATIN1_SPELLINGS[ch])
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if ord(c) < 256 and c.isprintable()) or "?")
    return "".join(out)
