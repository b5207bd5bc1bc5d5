"""Exports from the window run in a child process with a time limit, and can be cancelled."""

from __future__ import annotations

import os
import threading
import time

import pytest

from composer.abc.tunebook import read_string
from composer.errors import AbcError, ComposerError
from composer.notation.midi import tempo_qpm
from composer.notation.music21_abc import require_exportable
from composer.notation.time_limit import ExportCancelled, ExportTimedOut, run_with_time_limit


def test_the_result_comes_back():
    tune = read_string("X:1\nT:t\nQ:1/4=90\nK:C\nCDEF|\n").tunes[0]
    assert run_with_time_limit(tempo_qpm, tune, limit=60) == 90.0


def test_an_error_comes_back_as_the_same_kind_with_its_place():
    tune = read_string("X:3\nT:Huge\nM:999999/1\nK:C\nCDEF|\n").tunes[0]
    with pytest.raises(AbcError) as caught:
        run_with_time_limit(require_exportable, tune, limit=60)
    assert (caught.value.tune, caught.value.line, caught.value.column) == (3, 3, 3)


def test_a_runaway_export_is_stopped_at_its_time_limit():
    start = time.monotonic()
    with pytest.raises(ExportTimedOut):
        run_with_time_limit(time.sleep, 600, limit=3)  # the child's work: ten minutes of nothing
    assert time.monotonic() - start < 60


def test_a_cancelled_export_is_stopped():
    cancelled = threading.Event()
    cancelled.set()
    start = time.monotonic()
    with pytest.raises(ExportCancelled):
        run_with_time_limit(time.sleep, 600, limit=600, cancelled=cancelled)
    assert time.monotonic() - start < 60


def test_a_child_that_dies_is_an_error_not_a_hang():
    with pytest.raises(ComposerError):
        run_with_time_limit(os._exit, 3, limit=60)
