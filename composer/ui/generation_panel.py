"""The generation panel: the char-LSTM continues the tune from the cursor, fills the next N bars or writes a new
tune; candidates stream in with small engraved previews and can be played, compared, sampled again and accepted
into the tunebook as one undoable edit; earlier batches stay browsable while the app runs.

Generation runs in a GenerationJob (a Python thread streaming the engine's events); previews are engraved and
drawn in background jobs, each streaming candidate at most every PREVIEW_INTERVAL_MS; auditions build their
performance in the background and sound through a player of their own (the transport keeps the tunebook's
tune). The controls persist in the QSettings group `generation` (with its own version number), written when the
window closes or the app quits: QSettings writes its file on the UI thread, and a write during generation would
stall the window.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.abc.tunebook import read_string
from composer.audio.player import PlayerState
from composer.errors import ComposerError
from composer.model.form import AUTO, COMMON_FORMS
from composer.model.generate import Finished, Sampled, Started
from composer.model.generation_plan import (
    MAX_BARS,
    MAX_VARIATIONS,
    SEED_LIMIT,
    GenerationPlan,
    GenerationSettings,
    Mode,
    NewTuneFields,
    Placement,
    Selection,
    edit_for,
    fields_of,
    plan_generation,
)
from composer.paths import WEIGHTS, default_model_path, float32_model, listed_models, model_to_run, user_models_dir
from composer.ui.candidate_view import CandidateCard, CompareDialog, Preview, bar_count, render_preview
from composer.ui.generation_job import GenerationJob, load_model
from composer.ui.jobs import NewestOnly
from composer.ui.theme import current_theme
from composer.ui.transport import QtPlayer

if TYPE_CHECKING:
    from composer.audio.performance import Performance
    from composer.ui.main_window import MainWindow

GROUP = "generation"
SETTINGS_VERSION = 1
MODEL_LANE = "model"
PREVIEW_LANE = "preview"
AUDITION_LANE = "audition"
#: A streaming candidate's preview is engraved again at most this often.
PREVIEW_INTERVAL_MS = 600
#: The model chosen last is loaded (to show its provider) this long after the panel is built.
STARTUP_PROBE_DELAY_MS = 1500
#: The form label follows the cursor after this pause, and only for tunebooks up to this size (it parses them).
FORM_LABEL_DELAY_MS = 400
FORM_LABEL_MAX_TEXT = 200_000
OPEN_MODEL = "__open__"
MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"
MODE_LABELS = {Mode.CONTINUE: "Continue from the cursor", Mode.BARS: "Fill the next bars",
               Mode.NEW_TUNE: "New tune"}
REASON_LABELS = {"end": "complete", "bars": "bars done", "chars": "length limit", "cancelled": "cancelled"}
#: Smallest change of the progress bar shown (of 1000).
PROGRESS_STEP = 20
#: Characters a candidate without a bar limit is expected to reach (for the progress bar only).
EXPECTED_CHARS = 500


@dataclass
class Candidate:
    """A candidate as the panel holds it: its seed, its text so far, why it stopped (None while sampling)."""

    index: int
    seed: int
    stream: int
    text: str = ""
    reason: str | None = None
    preview: Preview | None = None
    engraved_length: int = -1  # length of the text last sent for engraving
    engraved_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.reason is not None


@dataclass
class Batch:
    """One press of Generate: the plan, the model, where its text goes in the editor, and its candidates."""

    number: int
    plan: GenerationPlan
    model_path: Path
    anchor: QTextCursor | None
    candidates: list[Candidate]
    created: datetime = field(default_factory=datetime.now)
    provider: str = ""
    state: str = "running"  # running, done, cancelled, failed

    @property
    def label(self) -> str:
        request = self.plan.request
        return (f"{self.number}. {self.created:%H:%M:%S} {MODE_LABELS[self.plan.mode]} · "
                f"{len(self.candidates)}× · seed {request.sampling.seed} · {self.model_path.name}")


def prepare_audition(text: str, line: int, column: int) -> tuple[Performance, int]:
    """The performance of the tune `text` and the bar to start from: the one before (line, column), where the
    candidate begins (runs in a worker thread)."""
    from composer.audio.performance import build_performance
    from composer.errors import AbcError

    book = read_string(text)
    if not book.tunes:
        raise AbcError("the candidate is not a tune that can be played")
    performance = build_performance(book.tunes[0])
    bar = performance.bar_at_source(line, column)
    return performance, max(0, bar.index - 1) if bar is not None else 0


def describe_model(path: str) -> tuple[str, str, str]:
    """(path, provider, one-line description) of the model at `path`, loading it (runs in a worker thread)."""
    model = load_model(path)
    return path, model.provider, model.describe()


def provider_name(provider: str) -> str:
    """`CPUExecutionProvider` → `CPU`."""
    return provider.removesuffix("ExecutionProvider") or provider


class GenerationPanel(QWidget):
    """The dockable co-writer panel of a MainWindow (see the module docstring)."""

    batch_started = Signal(int)  # batch number
    batch_ended = Signal(int, str)  # batch number, "done" / "cancelled" / "failed"
    candidate_finished = Signal(int, int)  # batch number, candidate index
    preview_shown = Signal(int, int)  # batch number, candidate index
    accepted = Signal(int, int, str)  # batch number, candidate index, placement
    model_changed = Signal(str, str)  # path, provider ("" until it is loaded)
    audition_started = Signal(int, int)  # batch number, candidate index
    audio_problem = Signal(str)  # each audio problem of auditioning, once

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("generation-panel")
        self.main_window = window
        self.settings = window.settings
        self.batches: list[Batch] = []
        self.shown: Batch | None = None
        self.cards: list[CandidateCard] = []
        self.job: GenerationJob | None = None
        self.model_path: Path = default_model_path()
        self.weights = "int8"  # run a model's int8 twin when it has one; "float32" is the setting's other choice
        self.provider = ""
        self.compare_dialog: CompareDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self._job_batch: Batch | None = None
        self._job_slots: list[int] = []
        self._marked: set[int] = set()
        self._fields_touched = False
        self._preview_key: tuple[int, int, int] | None = None
        self._audition_key: tuple[int, int] | None = None
        self._playing: tuple[int, int] | None = None
        self._player: QtPlayer | None = None
        self._audio_problems: set[str] = set()
        self._opened_models: list[str] = []
        self._restoring = False

        self.jobs = NewestOnly(self)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.timeout.connect(self._engrave_next)
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self._probe_now)

        self._build()
        self._restore_settings()
        self._connect()
        self._prefill_fields(force=True)
        self._update_mode()

    # ---------------------------------------------------------------------------------------- building
    def _build(self) -> None:
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
        fields.addWidget(QLabel("Title"), 0, 0)
        fields.addWidget(self.title_edit, 0, 1, 1, 3)
        fields.addWidget(QLabel("Meter"), 1, 0)
        fields.addWidget(self.meter_edit, 1, 1)
        fields.addWidget(QLabel("Key"), 1, 2)
        fields.addWidget(self.key_edit, 1, 3)
        fields.addWidget(QLabel("Rhythm"), 2, 0)
        fields.addWidget(self.rhythm_edit, 2, 1, 1, 3)

        self.model_combo = QComboBox(objectName="model")
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(14)
        self.provider_label = QLabel(objectName="provider")
        self.provider_label.setToolTip("The execution provider running the model")

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
        self._form_timer = QTimer(self, singleShot=True, interval=FORM_LABEL_DELAY_MS)
        self._form_timer.timeout.connect(self.update_form_label)

        self.generate_button = QPushButton("Generate", objectName="generate")
        self.generate_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", objectName="cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(objectName="progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.status_label = QLabel(objectName="status")
        self.status_label.setWordWrap(True)

        self.batch_combo = QComboBox(objectName="batches")
        self.batch_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.batch_combo.setMinimumContentsLength(12)
        self.batch_combo.setToolTip("Earlier batches of this session")
        self.compare_button = QToolButton(objectName="compare")
        self.compare_button.setText("Compare…")
        self.compare_button.setToolTip("Show the candidates marked Compare side by side")
        self.compare_button.setEnabled(False)

        self.cards_holder = QWidget(objectName="cards")
        self.cards_layout = QVBoxLayout(self.cards_holder)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(6)
        self.cards_layout.addStretch(1)
        self.cards_scroll = QScrollArea()
        self.cards_scroll.setWidgetResizable(True)
        self.cards_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cards_scroll.setWidget(self.cards_holder)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Mode", self.mode_combo)
        form.addRow(self.new_tune_fields)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.provider_label)
        form.addRow("Model", model_row)
        form_row = QHBoxLayout()
        form_row.addWidget(self.form_combo, 1)
        form_row.addWidget(self.part_bars_combo, 1)
        form.addRow("Form", form_row)
        form.addRow(self.form_label)
        grid = QGridLayout()
        grid.addWidget(QLabel("Temperature"), 0, 0)
        grid.addWidget(self.temperature_spin, 0, 1)
        grid.addWidget(QLabel("Top-p"), 0, 2)
        grid.addWidget(self.top_p_spin, 0, 3)
        grid.addWidget(QLabel("Length"), 1, 0)
        grid.addWidget(self.bars_spin, 1, 1)
        grid.addWidget(QLabel("Variations"), 1, 2)
        grid.addWidget(self.variations_spin, 1, 3)
        grid.addWidget(QLabel("Seed"), 2, 0)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.dice_button)
        seed_row.addWidget(self.fixed_seed_check)
        grid.addLayout(seed_row, 2, 1, 1, 3)
        grid.addWidget(self.constrain_check, 3, 0, 1, 4)
        for combo in (self.mode_combo, self.model_combo, self.form_combo, self.part_bars_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.form_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        batches = QHBoxLayout()
        batches.addWidget(QLabel("Batch"))
        batches.addWidget(self.batch_combo, 1)
        batches.addWidget(self.compare_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(batches)
        layout.addWidget(self.cards_scroll, 1)

        self.generate_action = QAction("&Generate Candidates", self)
        self.generate_action.setShortcut(QKeySequence("Ctrl+Alt+G"))
        self.generate_action.setStatusTip("Sample candidates with the co-writer as the generation panel is set")
        self.generate_action.triggered.connect(lambda _checked=False: self.generate())
        self.float32_action = QAction("Full-Precision Model (&float32)", self, checkable=True)
        self.float32_action.setStatusTip("Run the model's float32 file instead of its faster int8 twin")
        self.float32_action.toggled.connect(lambda checked: self.set_weights("float32" if checked else "int8"))
        self.cancel_action = QAction("&Cancel Generation", self)
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(lambda _checked=False: self.cancel())

    def _connect(self) -> None:
        self.mode_combo.currentIndexChanged.connect(self._update_mode)
        self.model_combo.activated.connect(self._on_model_activated)
        self.main_window.installEventFilter(self)
        self.dice_button.clicked.connect(self.roll_seed)
        self.generate_button.clicked.connect(lambda: self.generate())
        self.cancel_button.clicked.connect(self.cancel)
        self.batch_combo.currentIndexChanged.connect(self._on_batch_chosen)
        self.compare_button.clicked.connect(lambda: self.compare())
        for edit in (self.title_edit, self.meter_edit, self.key_edit, self.rhythm_edit):
            edit.textEdited.connect(self._on_fields_edited)
        self.main_window.current_tune_changed.connect(lambda _text: self._prefill_fields())
        for combo in (self.form_combo, self.part_bars_combo, self.mode_combo):
            combo.currentIndexChanged.connect(self._schedule_form_label)
        self.constrain_check.toggled.connect(self._schedule_form_label)
        self.constrain_check.toggled.connect(self._update_mode)
        self.main_window.editor.cursorPositionChanged.connect(self._schedule_form_label)
        self.main_window.editor.textChanged.connect(self._schedule_form_label)
        self.main_window.document_path_changed.connect(self._forget_anchors)

    # ---------------------------------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        s = self.settings
        self._restoring = True
        try:
            version = int(s.value(GROUP, "version", 0) or 0)
            if version > SETTINGS_VERSION:
                version = 0  # written by a newer Composer: start from the defaults, keep nothing unknown
            defaults = GenerationSettings()
            if version == SETTINGS_VERSION:
                mode = Mode(s.value(GROUP, "mode", Mode.CONTINUE.value)) \
                    if s.value(GROUP, "mode", "") in {m.value for m in Mode} else Mode.CONTINUE
                self.temperature_spin.setValue(float(s.value(GROUP, "temperature", defaults.temperature)))
                self.top_p_spin.setValue(float(s.value(GROUP, "top_p", defaults.top_p)))
                self.bars_spin.setValue(int(s.value(GROUP, "bars", defaults.bars)))
                self.variations_spin.setValue(int(s.value(GROUP, "variations", defaults.variations)))
                self.seed_spin.setValue(int(s.value(GROUP, "seed", defaults.seed)))
                self.fixed_seed_check.setChecked(s.value(GROUP, "fixed_seed", False, bool))
                self.constrain_check.setChecked(s.value(GROUP, "constrain", defaults.constrain, bool))
                form_index = self.form_combo.findData(str(s.value(GROUP, "form", defaults.form)))
                self.form_combo.setCurrentIndex(max(form_index, 0))
                bars_index = self.part_bars_combo.findData(int(s.value(GROUP, "part_bars", defaults.part_bars)))
                self.part_bars_combo.setCurrentIndex(bars_index if bars_index >= 0 else 1)
                opened = s.value(GROUP, "opened_models", []) or []
                self._opened_models = [str(p) for p in ([opened] if isinstance(opened, str) else opened)]
                model = str(s.value(GROUP, "model", "") or "")
                weights = s.value(GROUP, "weights", "int8")
                self.set_weights(weights if weights in WEIGHTS else "int8")
            else:
                mode = Mode.CONTINUE
                self.temperature_spin.setValue(defaults.temperature)
                self.top_p_spin.setValue(defaults.top_p)
                self.bars_spin.setValue(defaults.bars)
                self.variations_spin.setValue(defaults.variations)
                self.seed_spin.setValue(random.randint(0, 9999))
                self.constrain_check.setChecked(defaults.constrain)
                model = ""
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode.value))
            self.refresh_models()
            self.use_model(model if model and Path(model).is_file() else default_model_path(),
                           delay_ms=STARTUP_PROBE_DELAY_MS)
        finally:
            self._restoring = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.main_window and event.type() == QEvent.Type.Close:
            self.save_settings()
            self._probe_timer.stop()
            self.jobs.wait_for_done(5000)  # no background job outlives the window it reports to
        return False

    @Slot()
    def save_settings(self) -> None:
        """Keep the controls and the model in the `generation` settings group."""
        if self._restoring:
            return
        s = self.settings
        s.set_value(GROUP, "version", SETTINGS_VERSION)
        s.set_value(GROUP, "mode", self.mode.value)
        current = self.current_settings()
        s.set_value(GROUP, "temperature", current.temperature)
        s.set_value(GROUP, "top_p", current.top_p)
        s.set_value(GROUP, "bars", current.bars)
        s.set_value(GROUP, "variations", current.variations)
        s.set_value(GROUP, "seed", current.seed)
        s.set_value(GROUP, "fixed_seed", self.fixed_seed_check.isChecked())
        s.set_value(GROUP, "constrain", current.constrain)
        s.set_value(GROUP, "form", current.form)
        s.set_value(GROUP, "part_bars", current.part_bars)
        s.set_value(GROUP, "model", str(self.model_path))
        s.set_value(GROUP, "weights", self.weights)
        s.set_value(GROUP, "opened_models", list(self._opened_models))

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

    def _schedule_form_label(self, *_: object) -> None:
        self.part_bars_combo.setEnabled(self.form_combo.currentData() != AUTO)
        if self.isVisible():
            self._form_timer.start()

    @Slot()
    def update_form_label(self) -> str:
        """Show the form the next generation will keep (`Auto: AABB, 8 bars, part B next`)."""
        text = self.main_window.text
        if len(text) > FORM_LABEL_MAX_TEXT:
            description = "Form: decided when you generate"
        else:
            line, column = self._cursor_place()
            try:
                description = plan_generation(self.mode, text, line, column, self.current_settings(),
                                              self.tune_fields()).form_description
            except ComposerError as exc:
                description = f"Form: {exc.message}"
        self.form_label.setText(description)
        return description

    def _cursor_place(self) -> tuple[int, int]:
        """The 1-based line and column where a generation starts (the selection's start)."""
        editor = self.main_window.editor
        position = editor.textCursor().selectionStart()
        block = editor.document().findBlock(position)
        return block.blockNumber() + 1, position - block.position() + 1

    def tune_fields(self) -> NewTuneFields:
        return NewTuneFields(self.title_edit.text().strip(), self.meter_edit.text().strip() or "4/4",
                             self.key_edit.text().strip() or "C", self.rhythm_edit.text().strip())

    @Slot()
    def roll_seed(self) -> int:
        """A new random seed in the seed box (the dice button)."""
        seed = random.randint(0, 999_999)
        self.seed_spin.setValue(seed)
        return seed

    def _update_mode(self, *_: object) -> None:
        mode = self.mode
        self.new_tune_fields.setVisible(mode is Mode.NEW_TUNE)
        form_kept = self.constrain_check.isChecked()
        self.bars_spin.setEnabled(mode is Mode.BARS or mode is Mode.NEW_TUNE and not form_kept)
        self.bars_spin.setToolTip("Bars to write" if mode is Mode.BARS else
                                  "At most this many bars (the tune may end sooner)" if not form_kept else
                                  "The tune's form sets its length")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._form_timer.start()

    def _on_fields_edited(self, *_: object) -> None:
        self._fields_touched = True

    def _prefill_fields(self, force: bool = False) -> None:
        """The new-tune header from the tune under the cursor, unless the person has typed in it."""
        if self._fields_touched and not force:
            return
        fields = fields_of(self.main_window.current_tune)
        self.title_edit.setText(fields.title)
        self.meter_edit.setText(fields.meter)
        self.key_edit.setText(fields.key)
        self.rhythm_edit.setText(fields.rhythm)
        self._fields_touched = False

    # ------------------------------------------------------------------------------------------- models
    def refresh_models(self) -> None:
        """List the shipped default, the models in the user's model folder, models opened before, and Open…."""
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        default = default_model_path()
        self.model_combo.addItem(self._model_label("Default", default) if default.is_file()
                                 else "Default (not installed)", str(default))
        self.model_combo.setItemData(0, str(model_to_run(default, self.weights)), Qt.ItemDataRole.ToolTipRole)
        listed = {str(default)}
        for path in [*listed_models(user_models_dir()), *(Path(p) for p in self._opened_models)]:
            if str(path) in listed or not path.is_file():
                continue
            listed.add(str(path))
            self.model_combo.addItem(self._model_label(path.stem, path), str(path))
            self.model_combo.setItemData(self.model_combo.count() - 1, str(model_to_run(path, self.weights)),
                                         Qt.ItemDataRole.ToolTipRole)
        self.model_combo.addItem("Open…", OPEN_MODEL)
        index = self.model_combo.findData(str(self.model_path))
        self.model_combo.setCurrentIndex(max(index, 0))
        self.model_combo.blockSignals(False)

    def _model_label(self, name: str, path: Path) -> str:
        """`name · int8` or `name · float32`: the list shows which of the model's files runs."""
        return f"{name} · {'int8' if model_to_run(path, self.weights) != float32_model(path) else 'float32'}"

    @property
    def running_model(self) -> Path:
        """The file that runs for the active model: its int8 twin unless float32 is chosen or there is none."""
        return model_to_run(self.model_path, self.weights)

    def set_weights(self, weights: str) -> None:
        """Run the active model's int8 twin ("int8", the default) or its float32 file ("float32")."""
        if weights == self.weights:
            return
        self.weights = weights
        self.float32_action.setChecked(weights == "float32")
        self.refresh_models()
        if not self._restoring:
            self.use_model(self.model_path)

    @Slot(str)
    def use_model(self, path: str | Path, *, delay_ms: int = 0) -> None:
        """Make the model at `path` the active one (listed if new); its provider is probed in the background
        (after `delay_ms`)."""
        path = float32_model(path) if float32_model(path).is_file() else Path(path)  # a twin: list its model
        if self.model_combo.findData(str(path)) < 0:
            if path.parent != user_models_dir() and str(path) not in self._opened_models:
                self._opened_models.append(str(path))
            self.refresh_models()
        self.model_combo.setCurrentIndex(max(self.model_combo.findData(str(path)), 0))
        self.model_path = path
        self.provider = ""
        self.provider_label.setText("…")
        self.provider_label.setStyleSheet("")
        if delay_ms:
            self._probe_timer.start(delay_ms)  # the window opens first; onnxruntime loads after
        else:
            self._probe_now()
        self.model_changed.emit(str(path), "")

    def _probe_now(self) -> None:
        self._probe_timer.stop()
        self.jobs.submit(MODEL_LANE, describe_model, str(self.running_model))

    def _on_model_activated(self, index: int) -> None:
        data = self.model_combo.itemData(index)
        if data == OPEN_MODEL:
            self.model_combo.setCurrentIndex(max(self.model_combo.findData(str(self.model_path)), 0))
            self.open_model_dialog()
        elif data and Path(data) != self.model_path:
            self.use_model(data)

    def open_model_dialog(self) -> QFileDialog:
        """Choose an ONNX model file (non-blocking); it becomes the active model."""
        start = str(user_models_dir() if user_models_dir().is_dir() else Path.home())
        dialog = QFileDialog(self, "Open model", start, MODEL_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.use_model)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def connect_finetune(self, tab) -> None:
        """Make each model the fine-tune tab exports the active one."""
        tab.model_ready.connect(self.use_model)

    # --------------------------------------------------------------------------------------- generating
    @property
    def busy(self) -> bool:
        return self.job is not None

    def generate(self) -> Batch | None:
        """Start a batch as the controls say, from the editor's text and cursor; None when it cannot start."""
        if self.busy:
            return None
        editor = self.main_window.editor
        position = editor.textCursor().selectionStart()
        line, column = self._cursor_place()
        try:
            plan = plan_generation(self.mode, self.main_window.text, line, column, self.current_settings(),
                                   self.tune_fields())
        except ComposerError as exc:
            self._say(f"Can't generate here: {exc}", error=True)
            return None
        self.form_label.setText(plan.form_description)
        anchor = None
        if plan.mode is not Mode.NEW_TUNE:
            anchor = QTextCursor(editor.document())
            anchor.setPosition(position)
        seed = plan.request.sampling.seed or 0
        batch = Batch(len(self.batches) + 1, plan, self.running_model, anchor,
                      [Candidate(i, seed, i) for i in range(plan.request.count)])
        self.batches.append(batch)
        self.batch_combo.blockSignals(True)
        self.batch_combo.addItem(batch.label, batch.number)
        self.batch_combo.setCurrentIndex(self.batch_combo.count() - 1)
        self.batch_combo.blockSignals(False)
        self.show_batch(batch)
        self._start(batch, plan, list(range(plan.request.count)))
        if not self.fixed_seed_check.isChecked():
            self.seed_spin.setValue((seed + 1) % (SEED_LIMIT + 1))  # the next press gives new music
        self.batch_started.emit(batch.number)
        return batch

    def regenerate(self, index: int, batch: Batch | None = None) -> bool:
        """Sample candidate `index` of `batch` (default: the one shown) again with a new seed."""
        batch = batch or self.shown
        if self.busy or batch is None or not 0 <= index < len(batch.candidates):
            return False
        seed = random.randint(0, 999_999)
        candidate = batch.candidates[index]
        batch.candidates[index] = Candidate(index, seed, 0)
        if self._playing == (batch.number, candidate.index):
            self.stop_audition()
        batch.state = "running"
        if batch is self.shown:
            self._update_card(index)
            self.cards[index].set_preview(None)
        self._start(batch, batch.plan.reseeded(seed), [index])
        return True

    def _start(self, batch: Batch, plan: GenerationPlan, slots: list[int]) -> None:
        job = GenerationJob(batch.model_path, plan.request)
        job.events.connect(self._on_events)
        job.ended.connect(self._on_ended)
        job.failed.connect(self._on_failed)
        self.job = job
        self._job_batch = batch
        self._job_slots = slots
        self.generate_button.setEnabled(False)
        self.generate_action.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_action.setEnabled(True)
        self.progress.setValue(0)
        for card in self.cards:
            card.regenerate_button.setEnabled(False)
        what = "candidate" if len(slots) == 1 else "candidates"
        self._say(f"Sampling {len(slots)} {what} with {batch.model_path.name}…")
        job.start()

    @Slot()
    def cancel(self) -> None:
        """Stop the running generation at its next step (candidates keep what they have, marked cancelled)."""
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self._say("Cancelling…")

    def _on_events(self, events: tuple) -> None:
        batch = self._job_batch
        if batch is None or self.sender() is not self.job:
            return
        touched: set[int] = set()
        for event in events:
            if isinstance(event, Sampled):
                slot = self._job_slots[event.candidate]
                batch.candidates[slot].text += event.text
                touched.add(slot)
            elif isinstance(event, Finished):
                slot = self._job_slots[event.candidate]
                candidate = batch.candidates[slot]
                candidate.text, candidate.reason = event.text, event.reason
                touched.add(slot)
                self.candidate_finished.emit(batch.number, slot)
            elif isinstance(event, Started):
                batch.provider = event.provider
                self._show_provider(event.provider)
        if batch is self.shown:
            for slot in touched:
                self._update_card(slot)
        self._update_progress()
        self._engrave_next()

    def _update_progress(self) -> None:
        batch = self._job_batch
        if batch is None:
            return
        request = batch.plan.request
        done = 0.0
        for slot in self._job_slots:
            candidate = batch.candidates[slot]
            if candidate.finished:
                done += 1.0
            elif request.max_bars:
                done += min(bar_count(candidate.text) / request.max_bars, 0.99)
            else:
                done += min(len(candidate.text) / EXPECTED_CHARS, 0.95)
        value = round(1000 * done / max(len(self._job_slots), 1))
        if value - self.progress.value() >= PROGRESS_STEP or value < self.progress.value():
            self.progress.setValue(value)  # repaints at once: only when it moved visibly
        finished = sum(batch.candidates[s].finished for s in self._job_slots)
        if not (self.job and self.job.cancelled):
            self._say(f"Sampling… {finished} of {len(self._job_slots)} done")

    def _on_ended(self, how: str) -> None:
        if self.sender() is self.job:
            self._finish(how)

    def _on_failed(self, error: Exception) -> None:
        if self.sender() is self.job:
            self._finish("failed", str(error))

    def _finish(self, how: str, message: str = "") -> None:
        batch = self._job_batch
        self.job = None
        self._job_batch = None
        self.generate_button.setEnabled(True)
        self.generate_action.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.cancel_action.setEnabled(False)
        if batch is None:
            return
        batch.state = how
        if how == "failed":
            for slot in self._job_slots:
                if batch.candidates[slot].reason is None:
                    batch.candidates[slot].reason = "failed"
            self._say(f"Generation failed: {message}", error=True)
        else:
            self.progress.setValue(1000)
            word = "Cancelled" if how == "cancelled" else "Done"
            self._say(f"{word}: {len(self._job_slots)} candidate(s) from {batch.model_path.name} "
                      f"on {provider_name(batch.provider)}")
        if batch is self.shown:
            for slot in range(len(batch.candidates)):
                self._update_card(slot)
        self._engrave_next()
        self.batch_ended.emit(batch.number, how)

    # ------------------------------------------------------------------------------------------ batches
    def _on_batch_chosen(self, index: int) -> None:
        number = self.batch_combo.itemData(index)
        for batch in self.batches:
            if batch.number == number:
                self.show_batch(batch)

    def show_batch(self, batch: Batch) -> None:
        """Show the cards of `batch` (any earlier batch of the session too)."""
        self.stop_audition()
        self.shown = batch
        self._marked.clear()
        self.compare_button.setEnabled(False)
        index = self.batch_combo.findData(batch.number)
        if index != self.batch_combo.currentIndex():
            self.batch_combo.blockSignals(True)
            self.batch_combo.setCurrentIndex(index)
            self.batch_combo.blockSignals(False)
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        has_selection = self.main_window.editor.textCursor().hasSelection()
        placements = self._placements(batch)
        for candidate in batch.candidates:
            card = CandidateCard(candidate.index)
            card.set_placements(placements, has_selection)
            card.play_clicked.connect(self.toggle_audition)
            card.compare_toggled.connect(self._on_compare_toggled)
            card.regenerate_clicked.connect(lambda index: self.regenerate(index))
            card.accept_clicked.connect(lambda index, placement: self.accept(index, placement))
            card.accept_menu.aboutToShow.connect(self._refresh_placements)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
            self.cards.append(card)
            card.set_preview(candidate.preview)
            self._update_card(candidate.index)
        self._engrave_next()

    def _placements(self, batch: Batch) -> list[str]:
        if batch.plan.mode is Mode.NEW_TUNE:
            return [Placement.NEW_TUNE.value]
        return [Placement.CURSOR.value, Placement.SELECTION.value, Placement.REST_OF_TUNE.value]

    def _refresh_placements(self) -> None:
        if self.shown is not None:
            has_selection = self.main_window.editor.textCursor().hasSelection()
            for card in self.cards:
                card.set_placements(self._placements(self.shown), has_selection)

    def _update_card(self, index: int) -> None:
        batch = self.shown
        if batch is None or index >= len(self.cards):
            return
        candidate = batch.candidates[index]
        card = self.cards[index]
        card.set_text(candidate.text)
        bars = bar_count(candidate.text)
        if candidate.reason is None:
            card.set_state(f"sampling… {bars} bars")
        else:
            card.set_state(f"{bars} bars · {REASON_LABELS.get(candidate.reason, candidate.reason)}")
        card.set_finished(candidate.finished and candidate.reason != "failed")
        card.regenerate_button.setEnabled(candidate.finished and not self.busy)

    def _forget_anchors(self, *_: object) -> None:
        """Another document: the places earlier batches were generated at mean nothing any more."""
        for batch in self.batches:
            batch.anchor = None

    # ------------------------------------------------------------------------------------------ previews
    def _engrave_next(self) -> None:
        """Send the most deserving candidate of the shown batch to be engraved, if none is being engraved."""
        if self._preview_key is not None or self.shown is None:
            return
        batch = self.shown
        now = time.monotonic()
        wait_ms: float | None = None
        chosen: Candidate | None = None
        for candidate in sorted(batch.candidates, key=lambda c: (not c.finished, c.engraved_at)):
            if not candidate.text or candidate.engraved_length == len(candidate.text):
                continue
            ready_in = (candidate.engraved_at + PREVIEW_INTERVAL_MS / 1000 - now) * 1000
            if candidate.finished or ready_in <= 0:
                chosen = candidate
                break
            wait_ms = ready_in if wait_ms is None else min(wait_ms, ready_in)
        if chosen is None:
            if wait_ms is not None:
                self._preview_timer.start(max(10, int(wait_ms)))
            return
        chosen.engraved_length = len(chosen.text)
        chosen.engraved_at = now
        self._preview_key = (batch.number, chosen.index, len(chosen.text))
        theme = current_theme(self.palette())
        width = max(160, self.cards_scroll.viewport().width() - 24)
        pixels = round(width * self.devicePixelRatioF())
        self.jobs.submit(PREVIEW_LANE, render_preview, batch.plan.preview_text(chosen.text), pixels,
                         theme.ink.name(), theme.paper.name(), len(chosen.text))

    def _take_preview(self, preview: Preview | None) -> None:
        key, self._preview_key = self._preview_key, None
        if key is not None and preview is not None:
            number, index, _length = key
            batch = next((b for b in self.batches if b.number == number), None)
            if batch is not None and index < len(batch.candidates):
                candidate = batch.candidates[index]
                if preview.length <= len(candidate.text) and (candidate.preview is None
                                                              or candidate.preview.length <= preview.length):
                    keep_old = preview.image is None and candidate.preview is not None \
                        and candidate.preview.image is not None and not candidate.finished
                    if not keep_old:  # a half-written bar that can't be drawn keeps the last picture
                        candidate.preview = preview
                    if batch is self.shown and index < len(self.cards) and not keep_old:
                        self.cards[index].set_preview(preview)
                        self.preview_shown.emit(number, index)
        self._engrave_next()

    # ------------------------------------------------------------------------------------------ playing
    @Slot(int)
    def toggle_audition(self, index: int) -> None:
        """Play candidate `index` of the shown batch from the bar it starts in, or stop it if it plays."""
        batch = self.shown
        if batch is None:
            return
        if self._playing == (batch.number, index) or self._audition_key == (batch.number, index):
            self.stop_audition()
            return
        self.stop_audition()
        candidate = batch.candidates[index]
        if not candidate.finished:
            return
        transport = self.main_window.transport
        if transport.state is not PlayerState.STOPPED:
            transport.stop()
        line, column = batch.plan.audition_start()
        self._audition_key = (batch.number, index)
        if index < len(self.cards):
            self.cards[index].set_playing(True)
        self.jobs.submit(AUDITION_LANE, prepare_audition, batch.plan.audition_text(candidate.text), line, column)

    @property
    def player(self) -> QtPlayer:
        """The audition player (created on first use, with the window's audio output)."""
        if self._player is None:
            output = self.main_window.playback.output
            self._player = QtPlayer(None, soundfont=output.soundfont or None, driver=output.driver or None,
                                    driver_options=output.driver_options())
            self._player.stateChanged.connect(self._on_player_state)
            self._player.playbackFailed.connect(self._on_audition_failed)
        return self._player

    def _play_prepared(self, prepared: tuple[Performance, int]) -> None:
        key, self._audition_key = self._audition_key, None
        if key is None:
            return
        performance, bar = prepared
        player = self.player
        player.set_program(self.main_window.transport.player.program)
        player.set_volume(self.main_window.transport.volume)
        player.load(performance)
        player.play_bar(bar)
        self._playing = key
        self.audition_started.emit(*key)

    def stop_audition(self) -> None:
        """Stop the candidate playing (if any)."""
        self._audition_key = None
        if self._playing is not None and self._player is not None:
            self._player.stop()
        self._playing = None
        for card in self.cards:
            card.set_playing(False)

    def _on_audition_failed(self, error: object) -> None:
        """No sound (no device, a bad SoundFont): the Play buttons reset and the window's status bar says why,
        once per distinct problem; the panel itself stays free of it."""
        self.stop_audition()
        message = f"Audio: {error}"
        if message not in self._audio_problems:
            self._audio_problems.add(message)
            self.main_window.statusBar().showMessage(message, 15000)
            self.audio_problem.emit(message)

    def _on_player_state(self, value: str) -> None:
        if value == PlayerState.STOPPED and self._playing is not None:
            self._playing = None
            for card in self.cards:
                card.set_playing(False)

    # ---------------------------------------------------------------------------------------- comparing
    def _on_compare_toggled(self, index: int, on: bool) -> None:
        if on:
            self._marked.add(index)
        else:
            self._marked.discard(index)
        self.compare_button.setEnabled(len(self._marked) >= 2)

    def compare(self, indices: list[int] | None = None) -> CompareDialog | None:
        """Show the marked candidates (or `indices`) of the shown batch side by side (non-blocking)."""
        batch = self.shown
        chosen = sorted(self._marked) if indices is None else list(indices)
        if batch is None or not chosen:
            return None
        if self.compare_dialog is None:
            self.compare_dialog = CompareDialog(self)
            self.compare_dialog.play_clicked.connect(self.toggle_audition)
            self.compare_dialog.accept_clicked.connect(lambda index, placement: self.accept(index, placement))
        entries = [(i, batch.candidates[i].text, batch.candidates[i].preview) for i in chosen]
        self.compare_dialog.show_candidates(entries)
        self.compare_dialog.show()
        self.compare_dialog.raise_()
        return self.compare_dialog

    # ---------------------------------------------------------------------------------------- accepting
    def accept(self, index: int, placement: str = "", batch: Batch | None = None) -> bool:
        """Put candidate `index` of `batch` (default: the one shown) into the tunebook as one undoable edit:
        at the cursor, over the selection, over the rest of its tune, or as a new tune (default: by mode)."""
        batch = batch or self.shown
        if batch is None or not 0 <= index < len(batch.candidates):
            return False
        candidate = batch.candidates[index]
        if not candidate.finished or candidate.reason == "failed":
            return False
        editor = self.main_window.editor
        cursor = editor.textCursor()
        edit = edit_for(batch.plan, self.main_window.text, Selection(cursor.anchor(), cursor.position()),
                        candidate.text, Placement(placement) if placement else None,
                        batch.anchor.position() if batch.anchor is not None else None)
        if edit is None:
            self._say("Select the text the candidate should replace first.", error=True)
            return False
        cursor = QTextCursor(editor.document())
        cursor.setPosition(edit.start)
        cursor.setPosition(edit.end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(edit.insert)
        cursor.endEditBlock()
        editor.setTextCursor(cursor)
        editor.ensureCursorVisible()
        self._say(f"Accepted candidate {index + 1} ({edit.placement.value}); Undo takes it back.")
        self.accepted.emit(batch.number, index, edit.placement.value)
        return True

    # -------------------------------------------------------------------------------------------- jobs
    def _on_job_finished(self, lane: str, result) -> None:
        if lane == PREVIEW_LANE:
            self._take_preview(result)
        elif lane == MODEL_LANE:
            path, provider, description = result
            if Path(path) == self.running_model:
                self._show_provider(provider)
                self.provider_label.setToolTip(description)
                self.model_changed.emit(path, provider)
        elif lane == AUDITION_LANE:
            self._play_prepared(result)

    def _on_job_failed(self, lane: str, error: Exception) -> None:
        if lane == PREVIEW_LANE:
            key = self._preview_key
            self._take_preview(Preview(None, key[2] if key else 0, str(error)))
        elif lane == MODEL_LANE:
            self.provider = ""
            self.provider_label.setText("unusable")
            self.provider_label.setStyleSheet("color: palette(link-visited)")
            self.provider_label.setToolTip(str(error))
            self._say(f"Model: {error}", error=True)
        elif lane == AUDITION_LANE:
            self._audition_key = None
            for card in self.cards:
                card.set_playing(False)
            self._say(f"Can't play this candidate: {error}", error=True)

    def _show_provider(self, provider: str) -> None:
        self.provider = provider
        self.provider_label.setText(provider_name(provider))
        self.provider_label.setStyleSheet("")

    def _say(self, message: str, *, error: bool = False) -> None:
        if self.status_label.text() == message:
            return  # a new text lays the panel out again
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: palette(link-visited)" if error else "")

    def shutdown(self, timeout: float = 10.0) -> None:
        """Keep the settings, cancel generation, wait for its thread, release the audition player (quitting)."""
        self.save_settings()
        job = self.job
        if job is not None:
            job.cancel()
            job.wait(timeout)
        self.jobs.wait_for_done(int(timeout * 1000))
        if self._player is not None:
            self._player.close()
            self._player = None


def install_generation_panel(window: MainWindow) -> GenerationPanel:
    """Dock the generation panel beside the editor (as `window.generation_panel`), with a Generate menu; each
    model the fine-tune tab exports becomes the active one."""
    from PySide6.QtWidgets import QApplication, QMenu

    panel = GenerationPanel(window)
    window.generation_panel = panel
    panel.dock = window.add_panel(panel, "Generate", Qt.DockWidgetArea.RightDockWidgetArea)
    bar = window.menuBar()
    help_menu = next((a for a in bar.actions() if a.menu() and a.text().replace("&", "") == "Help"), None)
    menu = QMenu("&Generate", window)
    if help_menu is not None:
        bar.insertMenu(help_menu, menu)
    else:
        bar.addMenu(menu)
    menu.addAction(panel.generate_action)
    menu.addAction(panel.cancel_action)
    menu.addSeparator()
    menu.addAction(panel.float32_action)
    menu.addAction(panel.dock.toggleViewAction())
    window.addAction(panel.generate_action)
    tab = getattr(window, "finetune_tab", None)
    if tab is not None:
        panel.connect_finetune(tab)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel
