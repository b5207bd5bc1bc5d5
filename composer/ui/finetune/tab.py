"""The fine-tune tab: tunebooks and a base model in, a run in a child process with live curves, the model out.

Choose tunebooks and a base model, read the data report, train with live loss plots, pause/resume/cancel, and
announce the exported model with `model_ready(path)`. Training runs as `python -m composer finetune ... --json`
(composer.commands.finetune, the CLI's own code path) as a `ProcessJob` (composer.ui.process_job, the job system's
child processes), so a crash there cannot take the window down and the window never waits on it. The data report
comes from the same command with `--report-only`, a job of its own. Each JSON line (a job's `progress`) becomes a
record of `composer.training.events`, which the tab matches by type. The window never imports PyTorch; pyqtgraph
is imported only when the tab is first shown; without PyTorch the tab says how to add it.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from composer.paths import user_models_dir
from composer.training.events import (
    CheckpointSaved,
    DataReport,
    Evaluation,
    FinetuneEvent,
    FinetuneExported,
    TrainingFinished,
    TrainStep,
    from_dict,
)
from composer.training.runs import FinetuneSettings, load_request, run_folder, unfinished_runs
from composer.ui.finetune.launch import base_model_choices, command_arguments, resume_offer, torch_available
from composer.ui.finetune.page import INSTALL_PAGE, MAIN_PAGE, FinetunePage
from composer.ui.finetune.report import (
    Eta,
    budget_text,
    describe_duration,
    error_message,
    progress_format,
    report_text,
    run_history,
    status_text,
)
from composer.ui.finetune.samples import generation_available, sample_before_after
from composer.ui.jobs import NewestOnly
from composer.ui.process_job import ProcessJob

REPORT_DELAY_MS = 400
SAMPLES = "samples"
TRAIN, REPORT = "finetune", "report"


class FinetuneTab(FinetunePage):
    """Fine-tune the co-writer on a person's tunebooks; `model_ready(path)` announces each exported model."""

    model_ready = Signal(str)
    training_started = Signal()
    training_ended = Signal(str)  # why: "exported", "cancelled", "failed: ...", or the trainer's reason
    report_shown = Signal(object)  # DataReport

    def __init__(self, parent: QWidget | None = None, *, has_torch: bool | None = None,
                 report_delay_ms: int = REPORT_DELAY_MS) -> None:
        super().__init__(parent)
        self.has_torch = torch_available() if has_torch is None else has_torch
        self.plots = None  # composer.ui.finetune.plots.TrainingPlots, built on first show
        self.report: DataReport | None = None
        self.max_steps = 0
        self.last_step = 0
        self.last_checkpoint = 0
        self.exported_path: str | None = None
        self.samples: tuple[list[str], list[str]] | None = None
        self._loaded = False
        self._resuming_run: Path | None = None
        self._offered_runs: list[Path] = []
        self._eta = Eta()
        self._end_reason = ""

        self.jobs = NewestOnly(self)
        self.jobs.on(SAMPLES, result=self._show_samples, failed=self._show_samples_failed)
        # The newest run and report: each start makes a new job (these two never start: nothing has run yet).
        self._requests = 0
        self.trainer = ProcessJob.composer([], lane=TRAIN, parent=self)
        self.reporter = ProcessJob.composer([], lane=REPORT, parent=self)
        self._report_timer = QTimer(self)
        self._report_timer.setSingleShot(True)
        self._report_timer.setInterval(report_delay_ms)
        self._report_timer.timeout.connect(self.check_tunebooks)
        self._connect_widgets()

        self.pages.setCurrentIndex(MAIN_PAGE if self.has_torch else INSTALL_PAGE)
        self._set_controls_enabled(False)
        self.refresh_base_models()

    def _connect_widgets(self) -> None:
        self.resume_button.clicked.connect(self.resume_offered_run)
        self.add_button.clicked.connect(self._choose_tunebooks)
        self.remove_button.clicked.connect(self._remove_selected_tunebooks)
        self.check_button.clicked.connect(self.check_tunebooks)
        self.base_combo.currentIndexChanged.connect(lambda _i: self._schedule_report())
        self.browse_button.clicked.connect(self._choose_base_model)
        self.epochs_spin.valueChanged.connect(self._update_budget_label)
        self.defaults_button.clicked.connect(self.reset_settings)
        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        if not ProcessJob.can_pause:
            self.pause_button.setToolTip("Pausing needs POSIX signals; here, cancel and resume later from the "
                                         "last checkpoint")
        self.cancel_button.clicked.connect(self.cancel)

    # ------------------------------------------------------------------------------------ lazy loading
    @property
    def ready(self) -> bool:
        """True once the tab is loaded: the plots built, the settings filled in, unfinished runs offered."""
        return self._loaded

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self.has_torch:
            self.load()

    def load(self) -> None:
        """Import pyqtgraph and build the plots, fill in the settings and offer an unfinished run, once."""
        if self._loaded:
            return
        from composer.ui.finetune.plots import TrainingPlots

        self.plots = TrainingPlots()
        self.plot_layout.addWidget(self.plots)
        self._loaded = True
        if not self.name_edit.text():
            self.reset_settings()
        self._set_controls_enabled(True)
        self.status_label.setText("Not running.")
        self.offer_resume()
        self._schedule_report()

    # --------------------------------------------------------------------------------- inputs
    def reset_settings(self) -> None:
        """Put the FinetuneSettings defaults (for 50–500 tunes) into the form."""
        self.show_settings(FinetuneSettings())
        if not self.name_edit.text():
            self._suggest_name()

    def settings(self) -> FinetuneSettings:
        """The settings the form shows."""
        return self.form_settings(FinetuneSettings())

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
        shown = [self.base_combo.itemData(i) for i in range(self.base_combo.count())]
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        for label, path in base_model_choices([*shown, current]):
            self.base_combo.addItem(label, path)
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
        self.pause_button.setEnabled(running and ProcessJob.can_pause)
        self.cancel_button.setEnabled(running)

    def _update_budget_label(self) -> None:
        if self.report:
            self.budget_label.setText(budget_text(self.report, self.epochs_spin.value()))
        else:
            self.budget_label.clear()

    # ------------------------------------------------------------------------------------- the report
    def _schedule_report(self) -> None:
        if self._loaded and self.tunebooks() and self.base_model() and not self.trainer.running:
            self._report_timer.start()

    def check_tunebooks(self) -> None:
        """Run the report (`composer finetune --report-only`) for the chosen tunebooks and base model."""
        if not (self.tunebooks() and self.base_model()):
            return
        if self.reporter.running:
            self.reporter.kill()
            self.reporter.wait(5)
        self.report_view.setPlainText("Reading and checking the tunebooks…")
        arguments = command_arguments(self.base_model(), self.tunebooks(), self.settings())
        self.reporter = self._start_job(self.reporter, ["finetune", *arguments, "--out", "report", "--report-only"],
                                        self._on_report_record, self._on_report_finished)

    def _on_report_record(self, record: dict) -> None:
        event = _event_of(record)
        if isinstance(event, DataReport):
            self._show_report(event)

    def _on_report_finished(self, code: int, stderr: str) -> None:
        if code != 0 and not self.trainer.running and self.report_view.toPlainText().startswith("Reading"):
            self.report_view.setPlainText(error_message(stderr) or f"The check failed (exit code {code}).")

    def _show_report(self, report: DataReport) -> None:
        self.report = report
        self.report_view.setPlainText(report_text(report))
        self._update_budget_label()
        self.report_shown.emit(report)

    # ---------------------------------------------------------------------------------------- the run
    def start(self, *, resume_run: Path | None = None) -> bool:
        """Start training (or resume `resume_run`) in a child process; False if something is missing."""
        if self.trainer.running or not self._loaded:
            return False
        name = self.name_edit.text().strip()
        if not self.tunebooks() or not self.base_model() or not name:
            self.status_label.setText("Choose at least one tunebook, a model to start from and a name.")
            return False
        if re.search(r"[/\\]", name) or name.startswith("."):
            self.status_label.setText("The name may not contain / or \\ or start with a dot.")
            return False
        if resume_run is None and run_folder(name) in unfinished_runs() and not self._confirm(
                f"An unfinished run called {name} exists. Start it again from the beginning?"):
            return False
        args = ["finetune", *command_arguments(self.base_model(), self.tunebooks(), self.settings()), "--out", name]
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
        self._eta.clear()
        self.samples_box.hide()
        self.progress_bar.setValue(0)
        self.speed_label.clear()
        self.eta_label.clear()
        if self.plots is not None:
            self.plots.clear()
        self.resume_banner.hide()
        self.status_label.setText("Preparing: reading the tunebooks and the base model…")
        self.trainer = self._start_job(self.trainer, args, self._on_training_record, self._on_training_finished)
        self.trainer.paused_changed.connect(self._on_paused_changed)
        self._set_controls_enabled(True)
        self.training_started.emit()
        return True

    def _start_job(self, last: ProcessJob, arguments: list[str], on_record, on_end) -> ProcessJob:
        """Start `composer ARGUMENTS` as the next job of `last`'s lane, which it replaces: each record it prints
        goes to `on_record(record)`, its end to `on_end(exit_code, stderr)`."""
        self._requests += 1
        job = ProcessJob.composer(arguments, lane=last.lane, request=self._requests, parent=self)
        job.progress.connect(on_record)
        job.result.connect(lambda answer: on_end(0, answer.value))
        job.failed.connect(lambda error: on_end(error.exit_code, error.stderr))  # a ProcessFailed
        last.delete_when_ended()
        return job.start()

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

    def _on_training_record(self, record: dict) -> None:
        event = _event_of(record)
        if event is not None:
            self.take_event(event)

    def take_event(self, event: FinetuneEvent) -> None:
        """Show what the running fine-tune reported."""
        match event:
            case DataReport():
                self._show_report(event)
                self.max_steps = event.max_steps
                self._start_plots(event)
                self.status_label.setText("Training…")
            case TrainStep():
                self.last_step = event.step
                if self.plots is not None:
                    self.plots.add_step(event.step, event.loss, event.chars_per_second)
                self.progress_bar.setValue(int(1000 * min(1.0, event.progress)))
                self.progress_bar.setFormat(progress_format(event, self.max_steps))
                self.speed_label.setText(f"{event.chars_per_second:,.0f} chars/s")
                self._eta.add(event)
                self._update_eta()
            case Evaluation():
                if self.plots is not None:
                    self.plots.add_evaluation(event.step, event.nats_per_char)
                self.status_label.setText(status_text(event))
            case CheckpointSaved():
                self.last_checkpoint = event.step
            case TrainingFinished():
                self._end_reason = event.reason
                self.status_label.setText(status_text(event))
            case FinetuneExported():
                self.exported_path = event.path
                self.status_label.setText(status_text(event))
                self.refresh_base_models()
                self.model_ready.emit(event.path)
                self._start_samples(event.path)

    def _start_plots(self, report: DataReport) -> None:
        """Start the curves over: the base model's validation loss, and a resumed run's history."""
        if self.plots is None:
            return
        self.plots.clear()
        if report.validation_before is not None:
            self.plots.add_evaluation(0, report.validation_before)
        if self._resuming_run is None:
            return
        history, _ = run_history(self._resuming_run)
        for event in filter(None, map(_event_of, history)):
            if isinstance(event, TrainStep):
                self.plots.add_step(event.step, event.loss, event.chars_per_second)
            elif isinstance(event, Evaluation):
                self.plots.add_evaluation(event.step, event.nats_per_char)

    def _update_eta(self) -> None:
        remaining = self._eta.remaining()
        if remaining is None:
            return
        self.eta_label.setText(f"ETA ≤ {describe_duration(remaining)}")
        self.eta_label.setToolTip("Early stopping may end the run sooner")

    def _start_samples(self, tuned: str) -> None:
        base = self.base_model()
        if not (generation_available() and base and self.tunebooks()):
            return
        self.before_view.setPlainText("Generating…")
        self.after_view.setPlainText("Generating…")
        self.samples_box.show()
        self.jobs.submit(SAMPLES, sample_before_after, base, tuned, self.tunebooks()[0])

    def _show_samples(self, samples: tuple[list[str], list[str]]) -> None:
        before, after = samples
        self.samples = (before, after)
        self.before_view.setPlainText("\n\n".join(t.rstrip() for t in before))
        self.after_view.setPlainText("\n\n".join(t.rstrip() for t in after))
        self.samples_box.show()

    def _show_samples_failed(self, error: Exception) -> None:
        self.before_view.setPlainText(f"No samples: {error}")
        self.samples_box.show()

    def _on_training_finished(self, code: int, stderr: str) -> None:
        cancelled = self.trainer.cancelled
        if self.exported_path:
            reason = "exported"
            self.progress_bar.setValue(1000)
        elif cancelled:
            reason = "cancelled"
            kept = f"; it can go on from the checkpoint at step {self.last_checkpoint}" if self.last_checkpoint else ""
            self.status_label.setText(f"Cancelled at step {self.last_step}{kept}.")
        elif code != 0:
            message = error_message(stderr) or f"the trainer stopped (exit code {code})"
            reason = f"failed: {message}"
            self.status_label.setText(f"Training failed: {message}")
        else:
            reason = self._end_reason or "finished"
        self.eta_label.clear()
        self._resuming_run = None
        self._set_controls_enabled(self._loaded)
        if reason != "exported":
            self.offer_resume(show=False)
        self.training_ended.emit(reason)

    # ------------------------------------------------------------------------------------------ resume
    def offer_resume(self, show: bool = True) -> list[Path]:
        """Look for unfinished runs; offer the newest in the banner (when `show`). Returns them."""
        if not self._loaded:
            return []
        runs = unfinished_runs()
        runs.sort(key=lambda p: (p / "checkpoint.pt").stat().st_mtime, reverse=True)
        self._offered_runs = runs
        if not runs:
            self.resume_banner.hide()
            return runs
        offer = resume_offer(runs[0])
        if offer is None:
            self.resume_banner.hide()
            return runs
        self.resume_label.setText(offer)
        if show:
            self.resume_banner.show()
        return runs

    def resume_offered_run(self) -> bool:
        """Resume the run offered in the banner with the base model, tunebooks and settings it began with."""
        if not self._offered_runs or not self._loaded:
            return False
        run_dir = self._offered_runs[0]
        request = load_request(run_dir)
        names = {f.name for f in fields(FinetuneSettings)}
        began_with = {key: value for key, value in request.get("settings", {}).items() if key in names}
        self.tunebook_list.clear()
        self.tunebook_list.addItems(request.get("tunebooks", []))
        self.set_base_model(request["base_model"])
        self.name_edit.setText(request.get("name", run_dir.name))
        self.name_edit.setModified(True)
        self.show_settings(replace(self.settings(), **began_with))
        self._report_timer.stop()
        return self.start(resume_run=run_dir)

    def shutdown(self, msecs: int = 20_000) -> None:
        """Cancel a running fine-tune (it keeps a checkpoint) and wait for it; stop the report."""
        self._report_timer.stop()
        if self.reporter.running:
            self.reporter.kill()
            self.reporter.wait(5)
        if self.trainer.running:
            self.trainer.cancel(grace_ms=msecs)
            if not self.trainer.wait(msecs / 1000):
                self.trainer.kill()
                self.trainer.wait(5)
        self.jobs.wait_for_done(msecs)


def _event_of(record: dict) -> FinetuneEvent | None:
    """The event a JSON line describes; None for a record this version does not know."""
    try:
        return from_dict(record)
    except ValueError:
        return None
