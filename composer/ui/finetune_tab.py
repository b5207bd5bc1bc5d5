"""The fine-tune tab: choose tunebooks and a base model, read the data report, train in a child process with
live loss plots, pause/resume/cancel, and announce the exported model with `model_ready(path)`.

Training runs as `python -m composer finetune ... --json` (composer.commands.finetune, the CLI's own code path)
in a `JsonLinesProcess`, so a crash there cannot take the window down and the window never waits on it. The
data report comes from the same command with `--report-only`. The training tools (PyTorch) and pyqtgraph are
imported only when the tab is first shown; without PyTorch the tab says how to add it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import deque
from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from composer.paths import default_model_path, listed_models, user_models_dir
from composer.ui.jobs import NewestOnly
from composer.ui.process_worker import JsonLinesProcess

INSTALL_HINT = ("Fine-tuning needs PyTorch, which is not installed here. Add it with\n\n"
                "    .venv/bin/pip install 'abc-composer[train]'\n\n"
                "or run `make install` in the Composer folder, then restart Composer.")
REPORT_DELAY_MS = 400
ETA_WINDOW = 40
SAMPLE_COUNT = 2
SAMPLE_SEED = 7


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


def describe_duration(seconds: float) -> str:
    """'under 1 s', '45 s', '3 min 20 s', '1 h 05 min'."""
    if seconds < 1:
        return "under 1 s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def report_text(report: dict) -> str:
    """The data report event as lines a person reads."""
    rejected = report.get("rejected", [])
    lines = [f"{report['tunes_read']} tunes read, {len(rejected)} rejected; {report['train_tunes']} for training, "
             f"{report['validation_tunes']} for validation (split by tune)."]
    for r in rejected:
        lines.append(f"  rejected: {Path(r['path']).name}, line {r['line']}, column {r['column']}: "
                     f"{r['tune']}: {r['reason']}")
    replaced = report.get("replaced_characters") or []
    if replaced:
        lines.append("Characters outside the vocabulary: " + ", ".join(f"{a!r} → {b!r}" for a, b in replaced))
    else:
        lines.append("Every character is in the model's vocabulary.")
    estimate = report.get("seconds_per_epoch")
    about = "about " if estimate and estimate >= 1 else ""
    per_epoch = f"; {about}{describe_duration(estimate)} per epoch on this machine" if estimate else ""
    lines.append(f"{report['train_chars']:,} training characters, {report['steps_per_epoch']} steps per epoch"
                 f"{per_epoch}.")
    if report.get("validation_before") is not None:
        lines.append(f"Validation loss of the base model: {report['validation_before']:.4f} nats/char.")
    return "\n".join(lines)


def run_history(run_dir: Path) -> tuple[list[dict], int]:
    """The logged steps and evaluations a resumed run keeps (up to its last checkpoint), and that step."""
    try:
        records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError):
        return [], 0
    checkpoint = max((r["step"] for r in records if r.get("event") == "CheckpointSaved"), default=0)
    kept = [r for r in records if r.get("event") in ("TrainStep", "Evaluation") and r["step"] <= checkpoint]
    return kept, checkpoint


def sample_before_after(base: str, tuned: str, tunebook: str, count: int = SAMPLE_COUNT,
                        seed: int = SAMPLE_SEED) -> tuple[list[str], list[str]]:
    """`count` new tunes from each model, same seed, primed with the first tune's meter and key (worker thread)."""
    from composer.abc.tunebook import read_tunebook
    from composer.model.generate import Generator, new_tune_request
    from composer.model.onnx_model import OnnxModel
    from composer.model.sampling import SamplingOptions

    first = next(iter(read_tunebook(Path(tunebook))), None)
    meter = (first.meter if first else None) or "4/4"
    key = (first.key if first else None) or "D"
    request = new_tune_request(meter=meter, key=key, title="Sample", count=count,
                               sampling=SamplingOptions(temperature=0.8, seed=seed), max_chars=700)
    results = []
    for path in (base, tuned):
        finished = Generator(OnnxModel(path, device="cpu", threads=1)).generate(request)
        results.append([request.prime + f.text for f in finished])
    return results[0], results[1]


def generation_available() -> bool:
    return importlib.util.find_spec("composer.model.generate") is not None


class FinetuneTab(QWidget):
    """Fine-tune the co-writer on a person's tunebooks; `model_ready(path)` announces each exported model."""

    model_ready = Signal(str)
    training_started = Signal()
    training_ended = Signal(str)  # why: "exported", "cancelled", "failed: ...", or the trainer's reason
    report_shown = Signal(dict)

    def __init__(self, parent: QWidget | None = None, *, has_torch: bool | None = None,
                 report_delay_ms: int = REPORT_DELAY_MS) -> None:
        super().__init__(parent)
        self.has_torch = torch_available() if has_torch is None else has_torch
        self.finetune_module = None  # composer.training.runs (no torch), imported in the background on first show
        self.plots = None  # composer.ui.plots.TrainingPlots, built on first show
        self.report: dict | None = None
        self.max_steps = 0
        self.last_step = 0
        self.last_checkpoint = 0
        self.exported_path: str | None = None
        self.samples: tuple[list[str], list[str]] | None = None
        self._resuming_run: Path | None = None
        self._offered_runs: list[Path] = []
        self._eta_points: deque[tuple[float, float]] = deque(maxlen=ETA_WINDOW)
        self._end_reason = ""
        self._loading = False

        self.jobs = NewestOnly(self)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self.trainer = JsonLinesProcess(self)
        self.trainer.event.connect(self._on_training_event)
        self.trainer.finished.connect(self._on_training_finished)
        self.trainer.paused_changed.connect(self._on_paused_changed)
        self.reporter = JsonLinesProcess(self)
        self.reporter.event.connect(self._on_report_event)
        self.reporter.finished.connect(self._on_report_finished)
        self._report_timer = QTimer(self)
        self._report_timer.setSingleShot(True)
        self._report_timer.setInterval(report_delay_ms)
        self._report_timer.timeout.connect(self.check_tunebooks)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_install_page())
        self.pages.addWidget(self._build_main_page())
        self.pages.setCurrentIndex(1 if self.has_torch else 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._set_controls_enabled(False)
        self.refresh_base_models()

    # ------------------------------------------------------------------------------------------ building
    def _build_install_page(self) -> QWidget:
        page = QWidget()
        self.install_label = QLabel(INSTALL_HINT)
        self.install_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.install_label.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.install_label, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        return page

    def _build_main_page(self) -> QWidget:
        # The offer to resume a run the app or the trainer did not finish.
        self.resume_banner = QFrame()
        self.resume_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.resume_label = QLabel()
        self.resume_label.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self.resume_offered_run)
        self.dismiss_resume_button = QPushButton("Not now")
        self.dismiss_resume_button.clicked.connect(self.resume_banner.hide)
        banner_layout = QHBoxLayout(self.resume_banner)
        banner_layout.setContentsMargins(8, 4, 8, 4)
        banner_layout.addWidget(self.resume_label, 1)
        banner_layout.addWidget(self.resume_button)
        banner_layout.addWidget(self.dismiss_resume_button)
        self.resume_banner.hide()

        # Left: tunebooks, base model, settings, the run's buttons.
        self.tunebook_list = QListWidget()
        self.tunebook_list.setMinimumHeight(70)
        add_button = QPushButton("Add…")
        add_button.clicked.connect(self._choose_tunebooks)
        remove_button = QPushButton("Remove")
        remove_button.clicked.connect(self._remove_selected_tunebooks)
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Read and check the tunebooks and show the report before training")
        self.check_button.clicked.connect(self.check_tunebooks)
        book_buttons = QHBoxLayout()
        for button in (add_button, remove_button, self.check_button):
            book_buttons.addWidget(button)
        books_box = QGroupBox("Tunebooks")
        books_layout = QVBoxLayout(books_box)
        books_layout.addWidget(self.tunebook_list)
        books_layout.addLayout(book_buttons)

        self.base_combo = QComboBox()
        self.base_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.base_combo.currentIndexChanged.connect(lambda _i: self._schedule_report())
        browse_button = QPushButton("Other…")
        browse_button.clicked.connect(self._choose_base_model)
        base_row = QHBoxLayout()
        base_row.addWidget(self.base_combo, 1)
        base_row.addWidget(browse_button)
        base_box = QGroupBox("Start from")
        QVBoxLayout(base_box).addLayout(base_row)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name of the new model")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.valueChanged.connect(self._update_budget_label)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(1e-5, 1e-1)
        self.lr_spin.setSingleStep(1e-4)
        self.dropout_spin = QDoubleSpinBox()
        self.dropout_spin.setRange(0.0, 0.9)
        self.dropout_spin.setSingleStep(0.05)
        self.freeze_spin = QSpinBox()
        self.freeze_spin.setRange(0, 8)
        self.freeze_spin.setSpecialValueText("none")
        self.freeze_spin.setToolTip("Keep the embedding and the lowest N LSTM layers as they are")
        self.augment_check = QCheckBox("transpose tunes by ±1–2 semitones")
        self.patience_spin = QSpinBox()
        self.patience_spin.setRange(1, 1000)
        self.patience_spin.setToolTip("Stop after this many evaluations without a better validation loss")
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, 256)
        self.threads_spin.setSpecialValueText("all cores")
        self.budget_label = QLabel()
        settings_box = QGroupBox("Settings")
        form = QFormLayout(settings_box)
        form.addRow("Name", self.name_edit)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Dropout", self.dropout_spin)
        form.addRow("Freeze lower layers", self.freeze_spin)
        form.addRow("Augmentation", self.augment_check)
        form.addRow("Early-stopping patience", self.patience_spin)
        form.addRow("CPU threads", self.threads_spin)
        form.addRow("", self.budget_label)
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip("Settings that suit a tunebook of 50–500 tunes")
        self.defaults_button.clicked.connect(self.reset_settings)
        form.addRow("", self.defaults_button)

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        if not JsonLinesProcess.can_pause:
            self.pause_button.setToolTip("Pausing needs POSIX signals; here, cancel and resume later from the "
                                         "last checkpoint")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop at the next batch and keep a checkpoint to resume from")
        self.cancel_button.clicked.connect(self.cancel)
        run_buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.cancel_button):
            run_buttons.addWidget(button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(books_box, 2)
        left_layout.addWidget(base_box)
        left_layout.addWidget(settings_box)
        left_layout.addLayout(run_buttons)
        left_layout.addStretch(1)

        # Right: report, progress, plots, samples.
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setPlaceholderText("Add a tunebook to see what the model will learn from.")
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setMinimumHeight(60)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.status_label = QLabel("Not running.")
        self.status_label.setWordWrap(True)
        self.speed_label = QLabel()
        self.eta_label = QLabel()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.speed_label)
        progress_row.addWidget(self.eta_label)
        self.plot_holder = QWidget()
        self.plot_layout = QVBoxLayout(self.plot_holder)
        self.plot_layout.setContentsMargins(0, 0, 0, 0)

        self.before_view = QPlainTextEdit()
        self.after_view = QPlainTextEdit()
        samples = QSplitter(Qt.Orientation.Horizontal)
        for title, view in (("Before (base model)", self.before_view), ("After (fine-tuned)", self.after_view)):
            view.setReadOnly(True)
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            samples.addWidget(box)
        self.samples_box = samples
        self.samples_box.hide()

        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.report_view, 1)
        top_layout.addLayout(progress_row)
        top_layout.addWidget(self.status_label)
        right.addWidget(top)
        right.addWidget(self.plot_holder)
        right.addWidget(self.samples_box)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 3)
        right.setStretchFactor(2, 2)
        right.setSizes([190, 420, 190])

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 900])
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(6, 6, 6, 6)
        page_layout.addWidget(self.resume_banner)
        page_layout.addWidget(splitter, 1)
        return page

    # ------------------------------------------------------------------------------------ lazy loading
    @property
    def ready(self) -> bool:
        """True once the training tools and the plots are loaded."""
        return self.finetune_module is not None and self.plots is not None

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self.has_torch:
            self.load()

    def load(self) -> None:
        """Import pyqtgraph (now) and the training tools (in the background), once."""
        if self.plots is None:
            from composer.ui.plots import TrainingPlots

            self.plots = TrainingPlots()
            self.plot_layout.addWidget(self.plots)
        if self.finetune_module is None and not self._loading:
            self._loading = True
            self.status_label.setText("Loading the training tools…")
            self.jobs.submit("load", importlib.import_module, "composer.training.runs")

    def _on_job_finished(self, lane: str, result) -> None:
        if lane == "load":
            self._loading = False
            self.finetune_module = result
            if not self.name_edit.text():
                self.reset_settings()
            self._set_controls_enabled(True)
            self.status_label.setText("Not running.")
            self.offer_resume()
            self._schedule_report()
        elif lane == "samples":
            before, after = result
            self.samples = (before, after)
            self.before_view.setPlainText("\n\n".join(t.rstrip() for t in before))
            self.after_view.setPlainText("\n\n".join(t.rstrip() for t in after))
            self.samples_box.show()

    def _on_job_failed(self, lane: str, error: Exception) -> None:
        if lane == "load":
            self.install_label.setText(f"The training tools did not load ({type(error).__name__}: {error}).\n\n"
                                       + INSTALL_HINT)
            self.pages.setCurrentIndex(0)
        elif lane == "samples":
            self.before_view.setPlainText(f"No samples: {error}")
            self.samples_box.show()

    # --------------------------------------------------------------------------------- inputs
    def reset_settings(self) -> None:
        """Put the FinetuneSettings defaults (for 50–500 tunes) into the form."""
        defaults = {f.name: f.default for f in fields(self.finetune_module.FinetuneSettings)}
        self.epochs_spin.setValue(defaults["epochs"])
        self.lr_spin.setValue(defaults["learning_rate"])
        self.dropout_spin.setValue(defaults["dropout"])
        self.freeze_spin.setValue(defaults["freeze_layers"])
        self.augment_check.setChecked(defaults["augment"])
        self.patience_spin.setValue(defaults["patience"])
        self.threads_spin.setValue(defaults["threads"])
        if not self.name_edit.text():
            self._suggest_name()

    def tunebooks(self) -> list[str]:
        return [self.tunebook_list.item(i).text() for i in range(self.tunebook_list.count())]

    def add_tunebooks(self, paths: list[str | Path]) -> None:
        known = set(self.tunebooks())
        for path in paths:
            text = str(Path(path).resolve())
            if text not in known:
                self.tunebook_list.addItem(text)
                known.add(text)
        self._suggest_name()
        self._schedule_report()

    def _choose_tunebooks(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Tunebooks to learn from", str(Path.home()),
                                                "ABC tunebooks (*.abc);;All files (*)")
        if names:
            self.add_tunebooks(names)

    def _remove_selected_tunebooks(self) -> None:
        for item in self.tunebook_list.selectedItems():
            self.tunebook_list.takeItem(self.tunebook_list.row(item))
        self._schedule_report()

    def _suggest_name(self) -> None:
        books = self.tunebooks()
        if books and not self.name_edit.isModified():
            stem = re.sub(r"[^\w-]+", "-", Path(books[0]).stem).strip("-") or "tunes"
            self.name_edit.setText(f"{stem}-tuned")

    def refresh_base_models(self, select: str | None = None) -> None:
        """List the shipped default and the person's models (newest first); keep or set the selection."""
        current = select or self.base_model()
        extra = [self.base_combo.itemData(i) for i in range(self.base_combo.count())]
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        default = default_model_path()
        if default.is_file():
            self.base_combo.addItem(f"Default model ({default.name})", str(default))
        folder = user_models_dir()
        mine = sorted(listed_models(folder), key=lambda p: p.stat().st_mtime, reverse=True)  # twins not listed
        for path in mine:
            self.base_combo.addItem(f"My model: {path.stem}", str(path))
        listed = {self.base_combo.itemData(i) for i in range(self.base_combo.count())}
        for path in [*extra, current]:
            if path and path not in listed and Path(path).is_file():
                self.base_combo.addItem(Path(path).name, path)
                listed.add(path)
        index = self.base_combo.findData(current) if current else -1
        self.base_combo.setCurrentIndex(index if index >= 0 else 0)
        self.base_combo.blockSignals(False)
        if self.base_combo.count() == 0:
            self.base_combo.setPlaceholderText("no model yet: choose one with Other…")

    def set_base_model(self, path: str | Path) -> None:
        self.refresh_base_models(select=str(Path(path).resolve()))
        self._schedule_report()

    def base_model(self) -> str | None:
        return self.base_combo.currentData()

    def _choose_base_model(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Model to start from", str(user_models_dir()),
                                              "ONNX models (*.onnx)")
        if name:
            self.set_base_model(name)

    def _set_controls_enabled(self, enabled: bool) -> None:
        running = self.trainer.running
        for widget in (self.tunebook_list, self.base_combo, self.name_edit, self.epochs_spin, self.lr_spin,
                       self.dropout_spin, self.freeze_spin, self.augment_check, self.patience_spin,
                       self.threads_spin, self.check_button, self.defaults_button, self.resume_button):
            widget.setEnabled(enabled and not running)
        self.start_button.setEnabled(enabled and not running)
        self.pause_button.setEnabled(running and JsonLinesProcess.can_pause)
        self.cancel_button.setEnabled(running)

    def _update_budget_label(self) -> None:
        if self.report:
            steps = self.epochs_spin.value() * max(1, self.report["steps_per_epoch"])
            seconds = self.report.get("seconds_per_epoch")
            total = ""
            if seconds:
                duration = seconds * self.epochs_spin.value()
                total = f", {'about ' if duration >= 1 else ''}{describe_duration(duration)}"
            self.budget_label.setText(f"at most {steps} steps{total}")
        else:
            self.budget_label.clear()

    # ------------------------------------------------------------------------------------- the report
    def _schedule_report(self) -> None:
        if self.finetune_module is not None and self.tunebooks() and self.base_model() and not self.trainer.running:
            self._report_timer.start()

    def _common_arguments(self) -> list[str]:
        args = ["--base", self.base_model(), "--data", *self.tunebooks(),
                "--epochs", str(self.epochs_spin.value()), "--lr", repr(self.lr_spin.value()),
                "--dropout", repr(self.dropout_spin.value()), "--freeze", str(self.freeze_spin.value()),
                "--patience", str(self.patience_spin.value()), "--threads", str(self.threads_spin.value()),
                "--json"]
        if not self.augment_check.isChecked():
            args.append("--no-augment")
        return args

    def check_tunebooks(self) -> None:
        """Run the report (`composer finetune --report-only`) for the chosen tunebooks and base model."""
        if not (self.tunebooks() and self.base_model()):
            return
        if self.reporter.running:
            self.reporter.kill()
            self.reporter.wait(5000)
        self.report_view.setPlainText("Reading and checking the tunebooks…")
        self.reporter.start_composer(["finetune", *self._common_arguments(), "--out", "report",
                                      "--report-only"])

    def _on_report_event(self, record: dict) -> None:
        if record.get("event") == "DataReport":
            self._show_report(record)

    def _on_report_finished(self, code: int, stderr: str) -> None:
        if code != 0 and not self.trainer.running and self.report_view.toPlainText().startswith("Reading"):
            self.report_view.setPlainText(_error_message(stderr) or f"The check failed (exit code {code}).")

    def _show_report(self, record: dict) -> None:
        self.report = record
        self.report_view.setPlainText(report_text(record))
        self._update_budget_label()
        self.report_shown.emit(record)

    # ---------------------------------------------------------------------------------------- the run
    def start(self, *, resume_run: Path | None = None) -> bool:
        """Start training (or resume `resume_run`) in a child process; False if something is missing."""
        if self.trainer.running or self.finetune_module is None:
            return False
        name = self.name_edit.text().strip()
        if not self.tunebooks() or not self.base_model() or not name:
            self.status_label.setText("Choose at least one tunebook, a model to start from and a name.")
            return False
        if re.search(r"[/\\]", name) or name.startswith("."):
            self.status_label.setText("The name may not contain / or \\ or start with a dot.")
            return False
        run_dir = self.finetune_module.run_folder(name)
        if resume_run is None and run_dir in self.finetune_module.unfinished_runs() and not self._confirm(
                f"An unfinished run called {name} exists. Start it again from the beginning?"):
            return False
        args = ["finetune", *self._common_arguments(), "--out", name]
        if resume_run is not None:
            args += ["--resume", "--run-dir", str(resume_run)]
        self._report_timer.stop()
        if self.reporter.running:  # the run makes its own report; two processes would share the CPU
            self.reporter.kill()
        self._resuming_run = resume_run
        self.max_steps = 0
        self.last_step = 0
        self.last_checkpoint = 0
        self.exported_path = None
        self.samples = None
        self._end_reason = ""
        self._eta_points.clear()
        self.samples_box.hide()
        self.progress_bar.setValue(0)
        self.speed_label.clear()
        self.eta_label.clear()
        if self.plots is not None:
            self.plots.clear()
        self.resume_banner.hide()
        self.status_label.setText("Preparing: reading the tunebooks and the base model…")
        self.trainer.start_composer(args)
        self._set_controls_enabled(True)
        self.training_started.emit()
        return True

    def _confirm(self, question: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        return QMessageBox.question(self, "Fine-tune", question, buttons) == QMessageBox.StandardButton.Yes

    def pause(self) -> bool:
        return self.trainer.pause()

    def resume(self) -> bool:
        return self.trainer.resume()

    def cancel(self) -> None:
        """Stop at the next batch, keeping a checkpoint (the run can be resumed later)."""
        if self.trainer.running:
            self.status_label.setText("Cancelling at the next batch…")
            self.trainer.cancel()

    def _on_pause_toggled(self, checked: bool) -> None:
        if checked:
            self.pause()
        else:
            self.resume()

    def _on_paused_changed(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.blockSignals(False)
        if paused:
            self.status_label.setText(f"Paused at step {self.last_step}.")
            self.eta_label.clear()

    def _on_training_event(self, record: dict) -> None:
        kind = record.get("event")
        if kind == "DataReport":
            self._show_report(record)
            self.max_steps = int(record.get("max_steps") or 0)
            if self.plots is not None:
                self.plots.clear()
                if record.get("validation_before") is not None:
                    self.plots.add_evaluation(0, record["validation_before"])
                if self._resuming_run is not None:
                    history, _ = run_history(self._resuming_run)
                    for item in history:
                        if item["event"] == "TrainStep":
                            self.plots.add_step(item["step"], item["loss"], item["chars_per_second"])
                        else:
                            self.plots.add_evaluation(item["step"], item["nats_per_char"])
            self.status_label.setText("Training…")
        elif kind == "TrainStep":
            self.last_step = record["step"]
            if self.plots is not None:
                self.plots.add_step(record["step"], record["loss"], record["chars_per_second"])
            self.progress_bar.setValue(int(1000 * min(1.0, record["progress"])))
            self.progress_bar.setFormat(f"step {record['step']}/{self.max_steps or '?'} · epoch "
                                        f"{record['epoch'] + 1} · %p%")
            self.speed_label.setText(f"{record['chars_per_second']:,.0f} chars/s")
            self._eta_points.append((record["elapsed"], record["progress"]))
            self._update_eta()
        elif kind == "Evaluation":
            if self.plots is not None:
                self.plots.add_evaluation(record["step"], record["nats_per_char"])
            best = " (best so far)" if record["best"] else ""
            self.status_label.setText(f"Validation at step {record['step']}: {record['nats_per_char']:.4f} "
                                      f"nats/char{best}.")
        elif kind == "CheckpointSaved":
            self.last_checkpoint = record["step"]
        elif kind == "TrainingFinished":
            self._end_reason = record["reason"]
            self.status_label.setText(f"Stopped at step {record['step']}: {record['reason']}; best validation "
                                      f"{record['best_nats_per_char']:.4f} nats/char.")
        elif kind == "FinetuneExported":
            self.exported_path = record["path"]
            card = record.get("card", {})
            self.status_label.setText(
                f"Wrote {record['path']}: validation {card.get('validation_nats_per_char_before')} → "
                f"{card.get('validation_nats_per_char')} nats/char after {card.get('steps')} steps.")
            self.refresh_base_models()
            self.model_ready.emit(record["path"])
            self._start_samples(record["path"])

    def _update_eta(self) -> None:
        if len(self._eta_points) < 2:
            return
        (t0, p0), (t1, p1) = self._eta_points[0], self._eta_points[-1]
        if p1 <= p0 or t1 <= t0:
            return
        remaining = (1.0 - p1) * (t1 - t0) / (p1 - p0)
        self.eta_label.setText(f"ETA ≤ {describe_duration(remaining)}")
        self.eta_label.setToolTip("Early stopping may end the run sooner")

    def _start_samples(self, tuned: str) -> None:
        base = self.base_model()
        if not (generation_available() and base and self.tunebooks()):
            return
        self.before_view.setPlainText("Generating…")
        self.after_view.setPlainText("Generating…")
        self.samples_box.show()
        self.jobs.submit("samples", sample_before_after, base, tuned, self.tunebooks()[0])

    def _on_training_finished(self, code: int, stderr: str) -> None:
        cancelled = self.trainer.cancelling
        if self.exported_path:
            reason = "exported"
            self.progress_bar.setValue(1000)
        elif cancelled:
            reason = "cancelled"
            kept = f"; it can go on from the checkpoint at step {self.last_checkpoint}" if self.last_checkpoint else ""
            self.status_label.setText(f"Cancelled at step {self.last_step}{kept}.")
        elif code != 0:
            message = _error_message(stderr) or f"the trainer stopped (exit code {code})"
            reason = f"failed: {message}"
            self.status_label.setText(f"Training failed: {message}")
        else:
            reason = self._end_reason or "finished"
        self.eta_label.clear()
        self._resuming_run = None
        self._set_controls_enabled(self.finetune_module is not None)
        if reason != "exported":
            self.offer_resume(show=False)
        self.training_ended.emit(reason)

    # ------------------------------------------------------------------------------------------ resume
    def offer_resume(self, show: bool = True) -> list[Path]:
        """Look for unfinished runs; offer the newest in the banner (when `show`). Returns them."""
        if self.finetune_module is None:
            return []
        runs = self.finetune_module.unfinished_runs()
        runs.sort(key=lambda p: (p / "checkpoint.pt").stat().st_mtime, reverse=True)
        self._offered_runs = runs
        if not runs:
            self.resume_banner.hide()
            return runs
        newest = runs[0]
        _, step = run_history(newest)
        try:
            request = self.finetune_module.load_request(newest)
        except Exception:  # an unreadable request.json: nothing to resume with
            self.resume_banner.hide()
            return runs
        books = ", ".join(Path(b).name for b in request.get("tunebooks", []))
        at = f" at step {step}" if step else ""
        self.resume_label.setText(f"The fine-tune “{request.get('name', newest.name)}” on {books} stopped{at} "
                                  "before it finished. Go on from its last checkpoint?")
        if show:
            self.resume_banner.show()
        return runs

    def resume_offered_run(self) -> bool:
        """Resume the run offered in the banner with the base model, tunebooks and settings it began with."""
        if not self._offered_runs or self.finetune_module is None:
            return False
        run_dir = self._offered_runs[0]
        request = self.finetune_module.load_request(run_dir)
        settings = request.get("settings", {})
        self.tunebook_list.clear()
        self.tunebook_list.addItems(request.get("tunebooks", []))
        self.set_base_model(request["base_model"])
        self.name_edit.setText(request.get("name", run_dir.name))
        self.name_edit.setModified(True)
        self.epochs_spin.setValue(settings.get("epochs", self.epochs_spin.value()))
        self.lr_spin.setValue(settings.get("learning_rate", self.lr_spin.value()))
        self.dropout_spin.setValue(settings.get("dropout", self.dropout_spin.value()))
        self.freeze_spin.setValue(settings.get("freeze_layers", self.freeze_spin.value()))
        self.augment_check.setChecked(settings.get("augment", self.augment_check.isChecked()))
        self.patience_spin.setValue(settings.get("patience", self.patience_spin.value()))
        self.threads_spin.setValue(settings.get("threads", self.threads_spin.value()))
        self._report_timer.stop()
        return self.start(resume_run=run_dir)

    def shutdown(self, msecs: int = 20_000) -> None:
        """Cancel a running fine-tune (it keeps a checkpoint) and wait for it; stop the report."""
        self._report_timer.stop()
        if self.reporter.running:
            self.reporter.kill()
            self.reporter.wait(5000)
        if self.trainer.running:
            self.trainer.cancel(grace_ms=msecs)
            if not self.trainer.wait(msecs):
                self.trainer.kill()
                self.trainer.wait(5000)
        self.jobs.wait_for_done(msecs)


def _error_message(stderr: str) -> str:
    """The last meaningful stderr line ("composer finetune: ..." or an exception), for the status line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("composer finetune:"):
            return line.removeprefix("composer finetune:").strip()
    return lines[-1] if lines else ""


def install_finetune_tab(window) -> FinetuneTab:
    """Add the fine-tune tab to a MainWindow (as `window.finetune_tab`), cancelling its run when the app quits."""
    from PySide6.QtWidgets import QApplication

    tab = FinetuneTab()
    window.finetune_tab = tab
    window.add_tab(tab, "Fine-tune")
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(tab.shutdown)
    return tab
