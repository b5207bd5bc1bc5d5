"""The transport's Practice control: loop with a tempo ramp (composer.audio.practice.TempoRamp).

A check box turns the ramp on; a menu beside it holds the start, step and target, in percent of the tempo the
transport shows. While a ramp plays, the label says the round and its tempo ("Round 3 · 80%"). The choice is kept
in its own settings group (`save`, `restore`); the bar hands the ramp to the player on each change (`rampChanged`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from composer.audio.play_state import Position
from composer.audio.practice import TempoRamp
from composer.ui.settings import Settings

__all__ = ["PRACTICE_GROUP", "PracticeControls"]

PRACTICE_GROUP = "practice"
DEFAULT_RAMP = TempoRamp(70, 5, 100)


def _percent(value: float) -> str:
    return f"{value:g}%"


class PracticeControls(QWidget):
    """Practice on or off, the ramp's start, step and target, and the round playing."""

    rampChanged = Signal(object)  # TempoRamp, or None when practice is off

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.practice_check = QCheckBox("Practice", self, objectName="practice")
        self.practice_check.setToolTip("Loop (the loop's bars, or the whole tune) starting slower and a step "
                                       "faster each time round, up to the target")
        self.ramp_button = QToolButton(self, objectName="practiceRamp")
        self.ramp_button.setToolTip("The practice tempo ramp, in percent of the tempo")
        self.ramp_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        form = QWidget(self)
        layout = QFormLayout(form)
        self.start_spin = self._spin(form, "practiceStart", 10, 200, DEFAULT_RAMP.start, "Start at this tempo")
        self.step_spin = self._spin(form, "practiceStep", 1, 50, DEFAULT_RAMP.step, "Faster by this each round")
        self.target_spin = self._spin(form, "practiceTarget", 10, 200, DEFAULT_RAMP.target, "Up to this tempo")
        self.target_spin.setMinimum(self.start_spin.value())
        layout.addRow("Start", self.start_spin)
        layout.addRow("Step", self.step_spin)
        layout.addRow("Target", self.target_spin)
        menu = QMenu(self.ramp_button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(form)
        menu.addAction(action)
        self.ramp_button.setMenu(menu)
        self.round_label = QLabel("", self, objectName="practiceRound")
        self.round_label.setVisible(False)  # shown only while a ramp plays, so the transport fits 1280 px

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for widget in (self.practice_check, self.ramp_button, self.round_label):
            row.addWidget(widget)
        self.practice_check.toggled.connect(self._changed)
        self.start_spin.valueChanged.connect(lambda value: self.target_spin.setMinimum(value))
        for spin in (self.start_spin, self.step_spin, self.target_spin):
            spin.valueChanged.connect(self._changed)
        self._show_ramp()

    def _spin(self, parent: QWidget, name: str, low: int, high: int, value: float, tip: str) -> QSpinBox:
        spin = QSpinBox(parent, objectName=name)
        spin.setRange(low, high)
        spin.setValue(round(value))
        spin.setSuffix("%")
        spin.setToolTip(tip)
        return spin

    # -- the ramp ------------------------------------------------------------------------------------------

    @property
    def chosen(self) -> TempoRamp:
        """The start, step and target as set, whether practice is on or off."""
        return TempoRamp(self.start_spin.value(), self.step_spin.value(), self.target_spin.value())

    @property
    def ramp(self) -> TempoRamp | None:
        """The ramp to play, or None when practice is off."""
        return self.chosen if self.practice_check.isChecked() else None

    def set_ramp(self, ramp: TempoRamp, *, on: bool) -> None:
        """Choose `ramp` (its percents rounded to the boxes' whole steps and ranges) and turn practice on or off."""
        self.target_spin.setMinimum(self.start_spin.minimum())
        self.start_spin.setValue(round(ramp.start))
        self.step_spin.setValue(round(ramp.step))
        self.target_spin.setValue(round(ramp.target))
        self.target_spin.setMinimum(self.start_spin.value())
        self.practice_check.setChecked(on)

    @Slot(object)
    def show_position(self, position: Position) -> None:
        """"Round 3 · 80%" while a ramp plays; the ramp itself otherwise."""
        if position.round:
            self.round_label.setText(f"Round {position.round} · {_percent(position.percent)}")
            self.round_label.setVisible(True)
        else:
            self._show_ramp()

    # -- settings ------------------------------------------------------------------------------------------

    def save(self, settings: Settings) -> None:
        ramp = self.chosen
        settings.set_value(PRACTICE_GROUP, "on", self.practice_check.isChecked())
        for key in ("start", "step", "target"):
            settings.set_value(PRACTICE_GROUP, key, round(getattr(ramp, key)))

    def restore(self, settings: Settings) -> None:
        values = {key: int(settings.value(PRACTICE_GROUP, key, round(getattr(DEFAULT_RAMP, key)), int))
                  for key in ("start", "step", "target")}
        try:
            ramp = TempoRamp(**values)
        except ValueError:
            ramp = DEFAULT_RAMP  # a hand-edited settings file; nothing worth keeping
        self.set_ramp(ramp, on=bool(settings.value(PRACTICE_GROUP, "on", False, bool)))

    # -- helpers -------------------------------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        self._show_ramp()
        self.rampChanged.emit(self.ramp)

    def _show_ramp(self) -> None:
        ramp = self.chosen
        self.ramp_button.setText(f"{_percent(ramp.start)}→{_percent(ramp.target)}")
        self.round_label.setText("")
        self.round_label.setVisible(False)
