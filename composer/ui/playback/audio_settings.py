"""Audio output settings: the SoundFont and audio driver playback uses (a QSettings group) and their dialog."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from composer.audio.soundfonts import find_soundfonts, read_soundfont
from composer.audio.synth import available_drivers
from composer.errors import AudioError
from composer.ui.settings import Settings

GROUP = "audio"
#: The FluidSynth driver that writes what would be heard to a WAV file (no sound card needed).
FILE_DRIVER = "file"


@dataclass(frozen=True)
class AudioOutput:
    """Where playback sounds: a SoundFont file ("" = the best one installed) and a FluidSynth audio driver
    ("" = this platform's best that opens); `file_name` is where the `file` driver writes."""

    soundfont: str = ""
    driver: str = ""
    file_name: str = ""

    @classmethod
    def load(cls, settings: Settings) -> AudioOutput:
        return cls(str(settings.value(GROUP, "soundfont", "") or ""), str(settings.value(GROUP, "driver", "") or ""),
                   str(settings.value(GROUP, "file_name", "") or ""))

    def save(self, settings: Settings) -> None:
        settings.set_value(GROUP, "soundfont", self.soundfont)
        settings.set_value(GROUP, "driver", self.driver)
        settings.set_value(GROUP, "file_name", self.file_name)

    def driver_options(self) -> dict[str, str]:
        """FluidSynth settings for the chosen driver (the `file` driver's output file)."""
        if self.driver != FILE_DRIVER:
            return {}
        return {"audio.file.name": self.file_name or os.path.join(tempfile.gettempdir(), "composer-playback.wav")}


class AudioSettingsDialog(QDialog):
    """Choose the SoundFont and the audio driver; `chosen()` is the AudioOutput on Accept."""

    def __init__(self, output: AudioOutput, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audio Settings")
        self.setObjectName("AudioSettingsDialog")
        self._output = output

        self.soundfont_combo = QComboBox(self, objectName="soundfont")
        self.soundfont_combo.addItem("Best installed General MIDI SoundFont", "")
        for font in find_soundfonts():
            self.soundfont_combo.addItem(f"{font.label} — {font.path}", font.path)
        self._select(self.soundfont_combo, output.soundfont, _soundfont_label)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        soundfont_row = QHBoxLayout()
        soundfont_row.addWidget(self.soundfont_combo, 1)
        soundfont_row.addWidget(browse)

        self.driver_combo = QComboBox(self, objectName="driver")
        self.driver_combo.addItem("Automatic", "")
        self.driver_note = QLabel(self)
        self.driver_note.setWordWrap(True)
        try:
            drivers = available_drivers()
        except AudioError as exc:
            drivers = []
            self.driver_note.setText(str(exc))
        for name in drivers:
            label = f"{name} (writes a WAV file instead of sounding)" if name == FILE_DRIVER else name
            self.driver_combo.addItem(label, name)
        self._select(self.driver_combo, output.driver, lambda name: f"{name} (not in this FluidSynth)")

        form = QFormLayout()
        form.addRow("SoundFont:", soundfont_row)
        form.addRow("Audio driver:", self.driver_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.driver_note)
        layout.addWidget(buttons)

    @staticmethod
    def _select(combo: QComboBox, value: str, label) -> None:
        index = combo.findData(value)
        if index < 0:
            combo.addItem(label(value), value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _browse(self) -> None:
        start = self.soundfont_combo.currentData() or str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Choose a SoundFont", start, "SoundFonts (*.sf2 *.sf3)")
        if name:
            self._select(self.soundfont_combo, name, _soundfont_label)

    def chosen(self) -> AudioOutput:
        """The settings as chosen in the dialog."""
        return replace(self._output, soundfont=self.soundfont_combo.currentData() or "",
                       driver=self.driver_combo.currentData() or "")


def _soundfont_label(path: str) -> str:
    try:
        return f"{read_soundfont(path).label} — {path}"
    except AudioError as exc:
        return f"{path} ({exc.message})"
