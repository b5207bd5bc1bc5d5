"""The fixed character vocabulary shared by every model: newline plus printable ASCII, and transliteration into it."""

from __future__ import annotations

import unicodedata

#: Index = token id. Never reorder: every model and every fine-tune relies on it.
VOCAB: tuple[str, ...] = ("\n",) + tuple(chr(c) for c in range(32, 127))
INDEX: dict[str, int] = {ch: i for i, ch in enumerate(VOCAB)}
NEWLINE_ID = INDEX["\n"]
REPLACEMENT = "?"

_SPECIAL = {
    "\t": " ", "\u00a0": " ", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE", "\u00f8": "o",
    "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u00f0": "d", "\u00d0": "D", "\u00fe": "th",
    "\u00de": "Th", "\u0131": "i", "\u266f": "^", "\u266d": "_", "\u266e": "=",
}


def transliterate_char(ch: str) -> str:
    """`ch` in the vocabulary: itself, an ASCII spelling (é → e, ’ → '), or `?`."""
    if ch in INDEX:
        return ch
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    ascii_part = "".join(c for c in decomposed if c in INDEX and c != "\n")
    return ascii_part or REPLACEMENT


def to_vocab(text: str) -> str:
    """`text` with every character outside the vocabulary transliterated or replaced; never fails."""
    if all(c in INDEX for c in text):
        return text
    return "".join(transliterate_char(c) for c in text)


def outside_vocab(text: str) -> dict[str, str]:
    """Each character of `text` outside the vocabulary, with what it becomes."""
    return {c: transliterate_char(c) for c in sorted(set(text)) if c not in INDEX}


def encode(text: str) -> list[int]:
    """Token ids of `text` (transliterated first)."""
    return [INDEX[c] for c in to_vocab(text)]


def decode(ids) -> str:
    """Text of token ids."""
    return "".join(VOCAB[i] for i in ids)
