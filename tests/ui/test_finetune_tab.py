"""The fine-tune tab drives the real trainer in a child process: report first, live curves, pause, cancel,
resume, the exported model announced with `model_ready`, samples before vs after; and the no-PyTorch page."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

LONG = 30  # epochs for runs that are cancelled before their end


@pytest.fixture
def tab(qtbot, data_home, tiny_onnx_model, thirty_tunes):
    """A shown, loaded fine-tune tab on the tiny model and the 30 tunes, one CPU thread."""
    pytest.importorskip("torch")
    from composer.ui.finetune.tab import FinetuneTab

    widget = FinetuneTab(report_delay_ms=10)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.ready, timeout=60_000)
    widget.threads_spin.setValue(1)
    widget.set_base_model(tiny_onnx_model)
    with qtbot.waitSignal(widget.report_shown, timeout=90_000):
        widget.add_tunebooks([thirty_tunes])
    yield widget
    widget.shutdown(5000)


def process_state(pid: int) -> str:
    """The kernel's one-letter state of a process (T = stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_report_before_training(tab):
    report = tab.report
    assert report.tunes_read == 30
    assert tab.report_view.toPlainText().startswith("30 tunes read")
    for rejected in report.rejected:
        assert f"line {rejected.line}, column {rejected.column}" in tab.report_view.toPlainText()
    assert tab.epochs_spin.value() == 8 and tab.dropout_spin.value() == pytest.approx(0.3)
    assert tab.augment_check.isChecked() and tab.patience_spin.value() == 3  # FinetuneSettings defaults
    assert tab.budget_label.text().startswith(f"at most {8 * report.steps_per_epoch} steps")
    assert not tab.trainer.running and tab.start_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_start_plots_pause_cancel_then_resume(qtbot, tab, data_home):
    from composer.training.finetune import run_folder, unfinished_runs

    tab.epochs_spin.setValue(LONG)
    tab.patience_spin.setValue(1000)
    tab.name_edit.setText("live")
    with qtbot.waitSignal(tab.training_started):
        qtbot.mouseClick(tab.start_button, _left())
    assert not tab.start_button.isEnabled() and tab.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: tab.plots.shown_points()["validation"] >= 3 and tab.last_checkpoint > 0,
                    timeout=120_000)
    points = tab.plots.shown_points()
    assert points["training"] > 0 and points["chars/s"] == points["training"]
    assert tab.progress_bar.value() > 0 and "chars/s" in tab.speed_label.text()

    if os.name == "posix":
        qtbot.mouseClick(tab.pause_button, _left())
        assert tab.pause_button.text() == "Resume"
        qtbot.waitUntil(lambda: process_state(tab.trainer.pid) == "T", timeout=5000)
        qtbot.wait(300)  # let lines already in the pipe arrive
        step = tab.last_step
        qtbot.wait(700)
        assert tab.last_step == step  # a stopped trainer makes no progress
        qtbot.mouseClick(tab.pause_button, _left())
        qtbot.waitUntil(lambda: tab.last_step > step, timeout=30_000)

    with qtbot.waitSignal(tab.training_ended, timeout=60_000) as ended:
        qtbot.mouseClick(tab.cancel_button, _left())
    assert ended.args == ["cancelled"]
    assert tab.start_button.isEnabled() and not tab.cancel_button.isEnabled()
    assert not (data_home / "models" / "live.onnx").exists()
    assert unfinished_runs() == [run_folder("live")]
    checkpoint = tab.last_checkpoint
    assert "checkpoint at step" in tab.status_label.text()

    # The next start offers to resume; resuming goes on after the checkpoint with the old curve kept.
    assert tab.offer_resume() == [run_folder("live")]
    assert tab.resume_banner.isVisible() and "live" in tab.resume_label.text()
    tab.name_edit.setText("something else")
    qtbot.mouseClick(tab.resume_button, _left())
    assert tab.name_edit.text() == "live" and tab.epochs_spin.value() == LONG
    qtbot.waitUntil(lambda: tab.last_step > checkpoint, timeout=120_000)
    assert tab.plots.train.x[0] == 1  # the history up to the checkpoint was drawn again
    assert tab.plots.train.x[checkpoint] == checkpoint + 1
    with qtbot.waitSignal(tab.training_ended, timeout=60_000):
        tab.cancel()


def test_a_finished_run_announces_its_model_and_shows_samples(qtbot, tab, data_home, tiny_onnx_model):
    from composer.ui.finetune.samples import generation_available

    tab.name_edit.setText("mine")
    with qtbot.waitSignal(tab.model_ready, timeout=180_000) as ready:
        assert tab.start()
    path = Path(ready.args[0])
    assert path == data_home / "models" / "mine.onnx" and path.is_file()
    qtbot.waitUntil(lambda: not tab.trainer.running, timeout=30_000)
    assert tab.progress_bar.value() == 1000
    assert "→" in tab.status_label.text()
    assert str(path) in [tab.base_combo.itemData(i) for i in range(tab.base_combo.count())]
    assert tab.base_model() == str(tiny_onnx_model)  # the selection stays on the model the run began from
    if generation_available():
        qtbot.waitUntil(lambda: tab.samples is not None, timeout=120_000)
        before, after = tab.samples
        assert len(before) == len(after) == 2
        assert all(text.startswith("X:1\nT:Sample\n") for text in before + after)
        assert tab.after_view.toPlainText().startswith("X:1")


def test_a_failing_run_says_why(qtbot, tab, tmp_path):
    empty = tmp_path / "empty.abc"
    empty.write_text("X:1\nT:Nothing\nK:D\n")
    tab.tunebook_list.clear()
    tab.add_tunebooks([empty])
    tab._report_timer.stop()
    with qtbot.waitSignal(tab.training_ended, timeout=90_000) as ended:
        tab.start()
    assert ended.args[0].startswith("failed: ") and "fine-tuning needs at least 2 usable tunes" in ended.args[0]
    assert str(empty) in ended.args[0]  # the message says which tunebook
    assert "at least 2 usable tunes" in tab.status_label.text()


def test_without_pytorch_the_tab_says_how_to_add_it(qtbot):
    from composer.ui.finetune.tab import FinetuneTab

    widget = FinetuneTab(has_torch=False)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.pages.currentIndex() == 0
    text = widget.install_label.text()
    assert ".venv/bin/pip install 'abc-composer[train]'" in text and "make install" in text
    assert widget.plots is None  # pyqtgraph is not even loaded for it


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_run_history_keeps_what_the_checkpoint_kept(tmp_path):
    from composer.ui.finetune.report import run_history

    records = [{"event": "TrainStep", "step": s, "loss": 3.0 - s / 10, "chars_per_second": 100.0}
               for s in range(1, 8)]
    records.insert(4, {"event": "CheckpointSaved", "step": 4, "path": "checkpoint.pt"})
    records.insert(3, {"event": "Evaluation", "step": 3, "nats_per_char": 2.5, "accuracy": 0.3, "best": True,
                       "elapsed": 1.0})
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    kept, checkpoint = run_history(tmp_path)
    assert checkpoint == 4
    assert [(r["event"], r["step"]) for r in kept] == [("TrainStep", 1), ("TrainStep", 2), ("TrainStep", 3),
                                                       ("Evaluation", 3), ("TrainStep", 4)]
    assert run_history(tmp_path / "missing") == ([], 0)


def test_smoothing_and_growing_buffers():
    from composer.ui.finetune.plots import ExponentialSmoother, GrowingSeries

    smoother = ExponentialSmoother(0.9)
    assert smoother.add(4.0) == pytest.approx(4.0)  # bias-corrected: the first value is not pulled to 0
    values = [smoother.add(2.0) for _ in range(200)]
    assert values[0] < 4.0 and values[-1] == pytest.approx(2.0)
    series = GrowingSeries(capacity=2)
    for i in range(5):
        series.append(i, i * i)
    assert list(series.x) == [0, 1, 2, 3, 4] and list(series.y) == [0, 1, 4, 9, 16]
    series.clear()
    assert len(series.x) == 0


def test_the_tab_never_loads_torch_into_the_window_process(tmp_path):
    import subprocess

    script = (
        "import sys, time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from composer.ui.finetune.tab import FinetuneTab\n"
        "app = QApplication([])\n"
        "tab = FinetuneTab(has_torch=True)\n"
        "tab.show()\n"
        "deadline = time.monotonic() + 60\n"
        "while not tab.ready and time.monotonic() < deadline:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "print(tab.ready, 'torch' in sys.modules, tab.epochs_spin.value())\n"
        "tab.shutdown(5000)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path), COMPOSER_DATA=str(tmp_path),
               PYTHONPATH=str(repo))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          check=True)
    assert done.stdout.split() == ["True", "False", "8"]


def test_the_window_shows_the_tab_and_starts_a_fine_tune_without_loading_torch(tmp_path, tiny_onnx_model,
                                                                               thirty_tunes):
    import subprocess

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from composer.training.events import DataReport\n"
        "from composer.ui.main_window import MainWindow\n"
        "from composer.ui.settings import Settings\n"
        "app = QApplication([])\n"
        "scratch = Path(sys.argv[1])\n"
        "settings = Settings(QSettings(str(scratch / 'settings.ini'), QSettings.Format.IniFormat))\n"
        "window = MainWindow(settings=settings, autosave_folder=scratch / 'autosave')\n"
        "tab = window.add_finetune_tab()\n"
        "window.show()\n"
        "window.tabs.setCurrentWidget(tab)\n"
        "def wait(done, seconds):\n"
        "    deadline = time.monotonic() + seconds\n"
        "    while not done() and time.monotonic() < deadline:\n"
        "        app.processEvents(); time.sleep(0.01)\n"
        "    return done()\n"
        "wait(lambda: tab.ready, 60)\n"
        "tab.threads_spin.setValue(1)\n"
        "tab.set_base_model(sys.argv[2])\n"
        "tab.add_tunebooks([sys.argv[3]])\n"
        "tab._report_timer.stop()\n"
        f"tab.epochs_spin.setValue({LONG})\n"
        "tab.patience_spin.setValue(1000)\n"
        "tab.name_edit.setText('windowed')\n"
        "ended = []\n"
        "tab.training_ended.connect(ended.append)\n"
        "started = tab.start()\n"
        "stepped = wait(lambda: tab.last_step > 0, 180)\n"
        "tab.cancel()\n"
        "wait(lambda: ended, 60)\n"
        "print(tab.isVisible(), started, stepped, isinstance(tab.report, DataReport), ended, "
        "'torch' in sys.modules)\n"
        "tab.shutdown(5000)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path), COMPOSER_DATA=str(tmp_path),
               PYTHONPATH=str(repo))
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(tiny_onnx_model), str(thirty_tunes)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    assert done.stdout.split() == ["True", "True", "True", "True", "['cancelled']", "False"], done.stderr
