"""The co-writer panel: its controls, the shown batch's candidate cards, and the wiring of its parts."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QTextCursor, QTextDocument
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QToolButton, QVBoxLayout, QWidget

from composer.errors import ComposerError
from composer.model.generation_plan import (
    GenerationPlan,
    GenerationSettings,
    Mode,
    Placement,
    Selection,
    edit_for,
    plan_generation,
)
from composer.ui.cowriter.audition import Audition
from composer.ui.cowriter.batches import Batch, BatchRunner, Candidate
from composer.ui.cowriter.candidate_card import CandidateCard, CandidateCards
from composer.ui.cowriter.compare import CompareDialog
from composer.ui.cowriter.controls import GenerationControls, row_of
from composer.ui.cowriter.models import ModelList, provider_name
from composer.ui.cowriter.previews import Preview, PreviewLook, PreviewScheduler
from composer.ui.cowriter.settings import StoredSettings, load_settings, save_settings
from composer.ui.document import Document
from composer.ui.jobs import NewestOnly
from composer.ui.playback.transport import QtPlayer, Sound
from composer.ui.settings import Settings
from composer.ui.theme import current_theme

#: The form label follows the cursor after this pause.
FORM_LABEL_DELAY_MS = 400
#: Smallest change of the progress bar shown (of 1000).
PROGRESS_STEP = 20


class GenerationPanel(QWidget):
    """The dockable co-writer panel; it holds no reference to the window.

    The char-LSTM continues the tune from the cursor, fills the next N bars or writes a new tune; candidates stream
    into cards with small engraved previews (`previews`), and can be played (`audition`), compared (`compare`),
    sampled again and accepted; earlier batches (`batches`) stay browsable while the app runs. The panel gets the
    Document, the text's QTextDocument (for places that follow edits) and the editor's selection as a value; it
    asks for an accepted candidate with `edit_requested(TextEdit)` (from the pure `edit_for`) and for the
    tunebook's playback to stop with `stop_playback_requested`. The controls persist (`settings`) when the window
    closes or the app quits: QSettings writes its file on the UI thread, and a write during generation would stall
    the window.
    """

    batch_started = Signal(int)  # batch number
    batch_ended = Signal(int, str)  # batch number, "done" / "cancelled" / "failed"
    candidate_finished = Signal(int, int)  # batch number, candidate index
    preview_shown = Signal(int, int)  # batch number, candidate index
    accepted = Signal(int, int, str)  # batch number, candidate index, placement
    model_changed = Signal(str, str)  # path, provider ("" until it is loaded)
    audition_started = Signal(int, int)  # batch number, candidate index
    audio_problem = Signal(str)  # each audio problem of auditioning, once
    edit_requested = Signal(object)  # TextEdit: put an accepted candidate into the text as one undoable edit
    stop_playback_requested = Signal()  # a candidate is about to sound: the tunebook's playback should stop

    def __init__(self, document: Document, settings: Settings, text: QTextDocument,
                 selection: Callable[[], Selection], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generation-panel")
        self.document = document
        self.settings = settings
        self._text = text
        self._selection = selection
        self.batches: list[Batch] = []
        self.shown: Batch | None = None
        self.compare_dialog: CompareDialog | None = None
        self._restoring = False

        self.jobs = NewestOnly(self)
        self.models = ModelList(self.jobs, self)
        self.runner = BatchRunner(self)
        self.previews = PreviewScheduler(self.jobs, self._preview_look, self)
        self.audition = Audition(self.jobs, self)
        self.model_combo, self.provider_label = self.models.combo, self.models.provider_label
        self.float32_action = self.models.float32_action
        c = self.controls = GenerationControls(self.model_combo, self.provider_label)
        (self.mode_combo, self.title_edit, self.meter_edit, self.key_edit, self.rhythm_edit, self.temperature_spin,
         self.top_p_spin, self.bars_spin, self.variations_spin, self.seed_spin, self.fixed_seed_check,
         self.constrain_check, self.form_combo, self.part_bars_combo, self.form_label) = (
            c.mode_combo, c.title_edit, c.meter_edit, c.key_edit, c.rhythm_edit, c.temperature_spin, c.top_p_spin,
            c.bars_spin, c.variations_spin, c.seed_spin, c.fixed_seed_check, c.constrain_check, c.form_combo,
            c.part_bars_combo, c.form_label)

        self._build()
        self._restore_settings()
        self._connect()
        self.controls.prefill(document.current_tune, force=True)

    # ---------------------------------------------------------------------------------------- building
    def _build(self) -> None:
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

        self.card_view = CandidateCards()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.controls)
        layout.addLayout(row_of((self.generate_button, 1), (self.cancel_button, 0)))
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(row_of((QLabel("Batch"), 0), (self.batch_combo, 1), (self.compare_button, 0)))
        layout.addWidget(self.card_view, 1)

        self.generate_action = QAction("&Generate Candidates", self)
        self.generate_action.setShortcut(QKeySequence("Ctrl+Alt+G"))
        self.generate_action.setStatusTip("Sample candidates with the co-writer as the generation panel is set")
        self.generate_action.triggered.connect(lambda _checked=False: self.generate())
        self.cancel_action = QAction("&Cancel Generation", self)
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(lambda _checked=False: self.cancel())

    def _connect(self) -> None:
        self.controls.connect_signals()
        self.controls.form_changed.connect(self._schedule_form_label)
        self.generate_button.clicked.connect(lambda: self.generate())
        self.cancel_button.clicked.connect(self.cancel)
        self.batch_combo.currentIndexChanged.connect(self._on_batch_chosen)
        self.compare_button.clicked.connect(lambda: self.compare())
        self.card_view.play_clicked.connect(self.toggle_audition)
        self.card_view.compare_toggled.connect(
            lambda *_: self.compare_button.setEnabled(len(self.card_view.marked()) >= 2))
        self.card_view.regenerate_clicked.connect(lambda index: self.regenerate(index))
        self.card_view.accept_clicked.connect(lambda index, placement: self.accept(index, placement))
        self.card_view.accept_menu_opening.connect(self._refresh_placements)
        self.document.current_tune_changed.connect(self.controls.prefill)
        self.document.cursor_moved.connect(self._schedule_form_label)
        self.document.text_changed.connect(self._schedule_form_label)
        self.document.path_changed.connect(self._forget_anchors)
        self.models.changed.connect(self.model_changed)
        self.models.failed.connect(lambda message: self._say(message, error=True))
        self.runner.grew.connect(self._on_grew)
        self.runner.candidate_finished.connect(self.candidate_finished)
        self.runner.provider_seen.connect(self.models.show_provider)
        self.runner.ended.connect(self._on_ended)
        self.previews.drawn.connect(self._show_preview)
        self.audition.started.connect(self.audition_started)
        self.audition.silent.connect(self.card_view.show_silence)
        self.audition.problem.connect(self.audio_problem)
        self.audition.unplayable.connect(lambda message: self._say(f"Can't play this candidate: {message}",
                                                                   error=True))

    # ---------------------------------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        stored = load_settings(self.settings)
        self._restoring = True
        try:
            self.controls.restore(stored)
            self.models.restore(stored.model, stored.weights, stored.opened_models)
        finally:
            self._restoring = False

    @Slot()
    def window_closing(self) -> None:
        """The window closes: keep the settings; no background job outlives the window it reports to."""
        self.save_settings()
        self.models.stop_probing()
        self.jobs.wait_for_done(5000)

    @Slot()
    def save_settings(self) -> None:
        """Keep the controls and the model in the `generation` settings group."""
        if not self._restoring:
            models = self.models
            save_settings(self.settings, StoredSettings(
                self.mode, self.current_settings(), self.fixed_seed_check.isChecked(), model=str(models.model_path),
                weights=models.weights, opened_models=tuple(models.opened)))

    @property
    def mode(self) -> Mode:
        return self.controls.mode

    def set_mode(self, mode: Mode) -> None:
        self.controls.set_mode(mode)

    def current_settings(self) -> GenerationSettings:
        """The controls as a value."""
        return self.controls.current_settings()

    def roll_seed(self) -> int:
        """A new random seed in the seed box (the dice button)."""
        return self.controls.roll_seed()

    def _schedule_form_label(self, *_: object) -> None:
        self.controls.sync_part_bars()
        if self.isVisible():
            self._form_timer.start()

    @Slot()
    def update_form_label(self) -> str:
        """Show the form the next generation will keep (`Auto: AABB, 8 bars, part B next`)."""
        return self.controls.show_form(self.document.text, *self._cursor_place())

    def _cursor_place(self) -> tuple[int, int]:
        """The 1-based line and column where a generation starts (the selection's start)."""
        position = self._selection().start
        block = self._text.findBlock(position)
        return block.blockNumber() + 1, position - block.position() + 1

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._form_timer.start()

    # ------------------------------------------------------------------------------------------- models
    model_path = property(lambda self: self.models.model_path, doc="The active model (a Path).")
    weights = property(lambda self: self.models.weights, doc='"int8" (its twin, when there is one) or "float32".')
    provider = property(lambda self: self.models.provider, doc="The provider it runs on (\"\" until loaded).")
    running_model = property(lambda self: self.models.running_model, doc="The file that runs for it (a Path).")

    def refresh_models(self) -> None:
        self.models.refresh()

    @Slot(str)
    def use_model(self, path: str | Path, *, delay_ms: int = 0) -> None:
        """Make the model at `path` the active one (see ModelList.use_model)."""
        self.models.use_model(path, delay_ms=delay_ms)

    def connect_finetune(self, tab) -> None:
        """Make each model the fine-tune tab exports the active one."""
        tab.model_ready.connect(self.use_model)

    # --------------------------------------------------------------------------------------- generating
    @property
    def cards(self) -> list[CandidateCard]:
        """The shown batch's cards."""
        return self.card_view.cards

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def generate(self) -> Batch | None:
        """Start a batch as the controls say, from the text and the selection; None when it cannot start."""
        if self.busy:
            return None
        position = self._selection().start
        line, column = self._cursor_place()
        try:
            plan = plan_generation(self.mode, self.document.text, line, column, self.current_settings(),
                                   self.controls.tune_fields())
        except ComposerError as exc:
            self._say(f"Can't generate here: {exc}", error=True)
            return None
        self.form_label.setText(plan.form_description)
        anchor = None
        if plan.mode is not Mode.NEW_TUNE:
            anchor = QTextCursor(self._text)
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
        self.controls.move_seed_on(seed)
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
        if self.audition.playing == (batch.number, candidate.index):
            self.stop_audition()
        batch.state = "running"
        if batch is self.shown:
            self._update_card(index)
            self.cards[index].set_preview(None)
        self._start(batch, batch.plan.reseeded(seed), [index])
        return True

    def _start(self, batch: Batch, plan: GenerationPlan, slots: list[int]) -> None:
        self._set_running(True)
        self.progress.setValue(0)
        for card in self.cards:
            card.regenerate_button.setEnabled(False)
        what = "candidate" if len(slots) == 1 else "candidates"
        self._say(f"Sampling {len(slots)} {what} with {batch.model_path.name}…")
        self.runner.start(batch, plan, slots)

    def _set_running(self, running: bool) -> None:
        self.generate_button.setEnabled(not running)
        self.generate_action.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.cancel_action.setEnabled(running)

    @Slot()
    def cancel(self) -> None:
        """Stop the running generation at its next step (candidates keep what they have, marked cancelled)."""
        if self.runner.cancel():
            self.cancel_button.setEnabled(False)
            self._say("Cancelling…")

    def _on_grew(self, batch: Batch, slots: set[int]) -> None:
        if batch is self.shown:
            for slot in slots:
                self._update_card(slot)
        value, finished = self.runner.progress()
        if value - self.progress.value() >= PROGRESS_STEP or value < self.progress.value():
            self.progress.setValue(value)  # repaints at once: only when it moved visibly
        if not self.runner.cancelling:
            self._say(f"Sampling… {finished} of {len(self.runner.slots)} done")
        self.previews.engrave_next()

    def _on_ended(self, batch: Batch, how: str, message: str) -> None:
        self._set_running(False)
        if how == "failed":
            self._say(f"Generation failed: {message}", error=True)
        else:
            self.progress.setValue(1000)
            word = "Cancelled" if how == "cancelled" else "Done"
            self._say(f"{word}: {len(self.runner.slots)} candidate(s) from {batch.model_path.name} "
                      f"on {provider_name(batch.provider)}")
        if batch is self.shown:
            for slot in range(len(batch.candidates)):
                self._update_card(slot)
        self.previews.engrave_next()
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
        self.compare_button.setEnabled(False)
        index = self.batch_combo.findData(batch.number)
        if index != self.batch_combo.currentIndex():
            self.batch_combo.blockSignals(True)
            self.batch_combo.setCurrentIndex(index)
            self.batch_combo.blockSignals(False)
        self.card_view.show_candidates(batch.candidates, batch.placements(), not self._selection().is_empty)
        for candidate in batch.candidates:
            self._update_card(candidate.index)
        self.previews.show(batch)

    def _refresh_placements(self) -> None:
        if self.shown is not None:
            self.card_view.set_placements(self.shown.placements(), not self._selection().is_empty)

    def _update_card(self, index: int) -> None:
        batch = self.shown
        if batch is not None and index < len(self.cards):
            self.cards[index].show_candidate(batch.candidates[index], can_sample_again=not self.busy)

    def _forget_anchors(self, *_: object) -> None:
        """Another document: the places earlier batches were generated at mean nothing any more."""
        for batch in self.batches:
            batch.anchor = None

    def _preview_look(self) -> PreviewLook:
        theme = current_theme(self.palette())
        width = max(160, self.card_view.viewport().width() - 24)
        return PreviewLook(round(width * self.devicePixelRatioF()), theme.ink.name(), theme.paper.name())

    def _show_preview(self, batch: Batch, index: int, preview: Preview) -> None:
        if batch is self.shown and index < len(self.cards):
            self.cards[index].set_preview(preview)
            self.preview_shown.emit(batch.number, index)

    # ------------------------------------------------------------------------------------------ playing
    @Slot(int)
    def toggle_audition(self, index: int) -> None:
        """Play candidate `index` of the shown batch from the bar it starts in, or stop it if it plays."""
        batch = self.shown
        if batch is None:
            return
        key = (batch.number, index)
        if self.audition.is_busy_with(key):
            self.stop_audition()
            return
        self.stop_audition()
        candidate = batch.candidates[index]
        if not candidate.finished:
            return
        self.stop_playback_requested.emit()
        if index < len(self.cards):
            self.cards[index].set_playing(True)
        self.audition.play(key, batch.plan.audition_text(candidate.text), *batch.plan.audition_start())

    @property
    def player(self) -> QtPlayer:
        """The audition player (created on first use, with the transport's output)."""
        return self.audition.player

    @Slot(object)
    def set_sound(self, sound: Sound) -> None:
        """The transport's output, instrument and volume, for auditions."""
        self.audition.set_sound(sound)

    def stop_audition(self) -> None:
        """Stop the candidate playing (if any)."""
        self.audition.stop()
        self.card_view.show_silence()

    # ---------------------------------------------------------------------------------------- comparing
    def compare(self, indices: list[int] | None = None) -> CompareDialog | None:
        """Show the marked candidates (or `indices`) of the shown batch side by side (non-blocking)."""
        batch = self.shown
        chosen = self.card_view.marked() if indices is None else list(indices)
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
        """Ask for candidate `index` of `batch` (default: the one shown) to go into the tunebook as one undoable
        edit: at the cursor, over the selection, over the rest of its tune, or as a new tune (default: by mode)."""
        batch = batch or self.shown
        if batch is None or not 0 <= index < len(batch.candidates):
            return False
        candidate = batch.candidates[index]
        if not candidate.finished or candidate.reason == "failed":
            return False
        edit = edit_for(batch.plan, self.document.text, self._selection(), candidate.text,
                        Placement(placement) if placement else None,
                        batch.anchor.position() if batch.anchor is not None else None)
        if edit is None:
            self._say("Select the text the candidate should replace first.", error=True)
            return False
        self.edit_requested.emit(edit)
        self._say(f"Accepted candidate {index + 1} ({edit.placement.value}); Undo takes it back.")
        self.accepted.emit(batch.number, index, edit.placement.value)
        return True

    def _say(self, message: str, *, error: bool = False) -> None:
        if self.status_label.text() == message:
            return  # a new text lays the panel out again
        self.status_label.setText(message)
        self.status_label.setStyleSheet("color: palette(link-visited)" if error else "")

    def shutdown(self, timeout: float = 10.0) -> None:
        """Keep the settings, cancel generation, wait for its thread, release the audition player (quitting)."""
        self.save_settings()
        self.runner.wait(timeout)
        self.jobs.wait_for_done(int(timeout * 1000))
        self.audition.close()

