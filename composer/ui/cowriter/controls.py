"""The co-writer's controls: mode, new-tune header, model, form, sampling, length, variations and seed."""

from __future__ import annotations

import random

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.abc.tunebook import Tune
from composer.errors import ComposerError
from composer.model.form import AUTO, COMMON_FORMS
from composer.model.generation_plan import (
    MAX_BARS,
    MAX_VARIATIONS,
    SEED_LIMIT,
    GenerationSettings,
    Mode,
    NewTuneFields,
    fields_of,
    plan_generation,
)
from composer.ui.cowriter.batches import MODE_LABELS
from composer.ui.cowriter.settings import StoredSettings

#: The form label is only worked out for tunebooks up to this size (it parses them).
FORM_LABEL_MAX_TEXT = 200_000


class GenerationControls(QWidget):
    """The settings of the next batch as widgets, read as values (`mode`, `current_settings()`, `tune_fields()`).

    The model row shows the ModelList's box and provider label. `form_changed` follows a change of the mode, the
    form or the constraint (what the form label describes)."""

    form_changed = Signal()

    def __init__(self, model_box: QComboBox, provider_label: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields_touched = False  # the person typed in the new-tune header: the cursor's tune no longer fills it
        self.mode_combo = QComboBox(objectName="mode")
        for mode, label in MODE_LABELS.items():
            self.mode_combo.addItem(label, mode.value)
        self.title_edit = QLineEdit(objectName="title")
        self.meter_edit = QLineEdit(objectName="meter")
        self.key_edit = QLineEdit(objectName="key")
        self.rhythm_edit = QLineEdit(objectName="rhythm")
        self.meter_edit.setMaximumWidth(60)
        self.key_edit.setMaximumWidth(70)
        self.new_tune_fields = QWidget(objectName="new-tune-fields")
        fields = QGridLayout(self.new_tune_fields)
        fields.setContentsMargins(0, 0, 0, 0)
        for widget, row, column, span in ((QLabel("Title"), 0, 0, 1), (self.title_edit, 0, 1, 3),
                                          (QLabel("Meter"), 1, 0, 1), (self.meter_edit, 1, 1, 1),
                                          (QLabel("Key"), 1, 2, 1), (self.key_edit, 1, 3, 1),
                                          (QLabel("Rhythm"), 2, 0, 1), (self.rhythm_edit, 2, 1, 3)):
            fields.addWidget(widget, row, column, 1, span)

        self.temperature_spin = QDoubleSpinBox(objectName="temperature")
        self.temperature_spin.setRange(0.0, 2.0)
        self.temperature_spin.setSingleStep(0.05)
        self.temperature_spin.setToolTip("Lower is safer, higher is bolder; 0 always takes the likeliest note")
        self.top_p_spin = QDoubleSpinBox(objectName="top-p")
        self.top_p_spin.setRange(0.05, 1.0)
        self.top_p_spin.setSingleStep(0.05)
        self.top_p_spin.setToolTip("Sample only from the likeliest characters holding this much probability")
        self.bars_spin = QSpinBox(objectName="bars")
        self.bars_spin.setRange(1, MAX_BARS)
        self.bars_spin.setSuffix(" bars")
        self.variations_spin = QSpinBox(objectName="variations")
        self.variations_spin.setRange(1, MAX_VARIATIONS)
        self.seed_spin = QSpinBox(objectName="seed")
        self.seed_spin.setRange(0, SEED_LIMIT)
        self.dice_button = QToolButton(objectName="dice")
        self.dice_button.setText("⚄")
        self.dice_button.setToolTip("A new random seed")
        self.fixed_seed_check = QCheckBox("Fixed", objectName="fixed-seed")
        self.fixed_seed_check.setToolTip("Keep this seed, so Generate gives the same batch again; unchecked, each "
                                         "Generate moves on to new seeds")
        self.constrain_check = QCheckBox("Keep to valid music", objectName="constrain")
        self.constrain_check.setToolTip("Veto characters that would break bars, repeats or the tune's end")
        self.form_combo = QComboBox(objectName="form")
        self.form_combo.addItem("Auto", AUTO)
        for letters in COMMON_FORMS:
            self.form_combo.addItem(letters, letters)
        self.form_combo.setToolTip("The tune's parts (a doubled letter is a repeated part). Auto follows the "
                                   "parts already written, else the rhythm's usual form")
        self.part_bars_combo = QComboBox(objectName="part-bars")
        for bars in (4, 8, 12, 16):
            self.part_bars_combo.addItem(f"{bars} bars a part", bars)
        self.part_bars_combo.setCurrentIndex(1)
        self.form_label = QLabel(objectName="form-plan")
        self.form_label.setWordWrap(True)
        self.form_label.setToolTip("The form the candidates will keep, and where the cursor stands in it")
        self._lay_out(model_box, provider_label)

    def _lay_out(self, model_box: QComboBox, provider_label: QWidget) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Mode", self.mode_combo)
        form.addRow(self.new_tune_fields)
        form.addRow("Model", row_of((model_box, 1), (provider_label, 0)))
        form.addRow("Form", row_of((self.form_combo, 1), (self.part_bars_combo, 1)))
        form.addRow(self.form_label)
        grid = QGridLayout()
        for widget, row, column in ((QLabel("Temperature"), 0, 0), (self.temperature_spin, 0, 1),
                                    (QLabel("Top-p"), 0, 2), (self.top_p_spin, 0, 3), (QLabel("Length"), 1, 0),
                                    (self.bars_spin, 1, 1), (QLabel("Variations"), 1, 2),
                                    (self.variations_spin, 1, 3), (QLabel("Seed"), 2, 0)):
            grid.addWidget(widget, row, column)
        grid.addLayout(row_of((self.seed_spin, 1), (self.dice_button, 0), (self.fixed_seed_check, 0)), 2, 1, 1, 3)
        grid.addWidget(self.constrain_check, 3, 0, 1, 4)
        for combo in (self.mode_combo, model_box, self.form_combo, self.part_bars_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(grid)

    def connect_signals(self) -> None:
        """Follow the person's changes (after the kept settings were shown)."""
        self.mode_combo.currentIndexChanged.connect(self._update_mode)
        self.dice_button.clicked.connect(self.roll_seed)
        for edit in (self.title_edit, self.meter_edit, self.key_edit, self.rhythm_edit):
            edit.textEdited.connect(self._on_fields_edited)
        for combo in (self.form_combo, self.part_bars_combo, self.mode_combo):
            combo.currentIndexChanged.connect(self._on_form_changed)
        self.constrain_check.toggled.connect(self._on_form_changed)
        self.constrain_check.toggled.connect(self._update_mode)
        self._update_mode()

    def restore(self, stored: StoredSettings) -> None:
        """Show the kept settings."""
        current = stored.generation
        self.temperature_spin.setValue(current.temperature)
        self.top_p_spin.setValue(current.top_p)
        self.bars_spin.setValue(current.bars)
        self.variations_spin.setValue(current.variations)
        self.seed_spin.setValue(current.seed)
        self.constrain_check.setChecked(current.constrain)
        self.fixed_seed_check.setChecked(stored.fixed_seed)
        if stored.form is not None:
            self.form_combo.setCurrentIndex(max(self.form_combo.findData(stored.form), 0))
        if stored.part_bars is not None:
            index = self.part_bars_combo.findData(stored.part_bars)
            self.part_bars_combo.setCurrentIndex(index if index >= 0 else 1)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(stored.mode.value))

    @property
    def mode(self) -> Mode:
        return Mode(self.mode_combo.currentData())

    def set_mode(self, mode: Mode) -> None:
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(Mode(mode).value))

    def current_settings(self) -> GenerationSettings:
        """The controls as a value."""
        return GenerationSettings(temperature=round(self.temperature_spin.value(), 3),
                                  top_p=round(self.top_p_spin.value(), 3), bars=self.bars_spin.value(),
                                  variations=self.variations_spin.value(), seed=self.seed_spin.value(),
                                  constrain=self.constrain_check.isChecked(), form=self.form_combo.currentData(),
                                  part_bars=self.part_bars_combo.currentData())

    def tune_fields(self) -> NewTuneFields:
        return NewTuneFields(self.title_edit.text().strip(), self.meter_edit.text().strip() or "4/4",
                             self.key_edit.text().strip() or "C", self.rhythm_edit.text().strip())

    @Slot()
    def roll_seed(self) -> int:
        """A new random seed in the seed box (the dice button)."""
        seed = random.randint(0, 999_999)
        self.seed_spin.setValue(seed)
        return seed

    def move_seed_on(self, seed: int) -> None:
        """After a batch from `seed`: the next seed, unless the seed is Fixed (the next press gives new music)."""
        if not self.fixed_seed_check.isChecked():
            self.seed_spin.setValue((seed + 1) % (SEED_LIMIT + 1))

    def prefill(self, tune: Tune | None, force: bool = False) -> None:
        """The new-tune header from `tune` (the one under the cursor), unless the person has typed in it."""
        if self.fields_touched and not force:
            return
        fields = fields_of(tune)
        self.title_edit.setText(fields.title)
        self.meter_edit.setText(fields.meter)
        self.key_edit.setText(fields.key)
        self.rhythm_edit.setText(fields.rhythm)
        self.fields_touched = False

    def _on_fields_edited(self, *_: object) -> None:
        self.fields_touched = True

    def show_form(self, text: str, line: int, column: int) -> str:
        """Show (and return) the form a generation at (line, column) of `text` would keep; for a long tunebook,
        only that it is decided when generating (planning parses the text)."""
        if len(text) > FORM_LABEL_MAX_TEXT:
            description = "Form: decided when you generate"
        else:
            try:
                description = plan_generation(self.mode, text, line, column, self.current_settings(),
                                              self.tune_fields()).form_description
            except ComposerError as exc:
                description = f"Form: {exc.message}"
        self.form_label.setText(description)
        return description

    def sync_part_bars(self) -> None:
        """Part lengths apply to a chosen form only."""
        self.part_bars_combo.setEnabled(self.form_combo.currentData() != AUTO)

    def _on_form_changed(self, *_: object) -> None:
        self.sync_part_bars()
        self.form_changed.emit()

    def _update_mode(self, *_: object) -> None:
        mode = self.mode
        self.new_tune_fields.setVisible(mode is Mode.NEW_TUNE)
        form_kept = self.constrain_check.isChecked()
        self.bars_spin.setEnabled(mode is Mode.BARS or mode is Mode.NEW_TUNE and not form_kept)
        self.bars_spin.setToolTip("Bars to write" if mode is Mode.BARS else
                                  "At most this many bars (the tune may end sooner)" if not form_kept else
                                  "The tune's form sets its length")


def row_of(*widgets: tuple[QWidget, int]) -> QHBoxLayout:
    """A row of widgets, each with its stretch."""
    row = QHBoxLayout()
    for widget, stretch in widgets:
        row.addWidget(widget, stretch)
    return row
