"""Audio test fixtures: the installed General MIDI SoundFont."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def soundfont():
    from composer.audio.soundfonts import default_soundfont

    return default_soundfont()
