"""Composer: write folk tunes in ABC notation with a neural co-writer."""

__version__ = "0.1.0"
