"""Helpers the tests and benchmarks share, not shipped with Composer (the abc2midi judge)."""
