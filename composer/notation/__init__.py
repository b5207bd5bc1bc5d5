"""Notation output: engraving, MIDI export (notation.midi) and ABC export (notation.abc_writer)."""
