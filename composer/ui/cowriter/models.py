"""The model list: the shipped default, the user's models and ones opened before; the active model and its provider."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel

from composer.paths import default_model_path, float32_model, listed_models, model_to_run, user_models_dir
from composer.ui.cowriter.generation_job import load_model
from composer.ui.jobs import NewestOnly

MODEL_LANE = "model"
#: The model chosen last is loaded (to show its provider) this long after the panel is built.
STARTUP_PROBE_DELAY_MS = 1500
OPEN_MODEL = "__open__"
MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"


def describe_model(path: str) -> tuple[str, str, str]:
    """(path, provider, one-line description) of the model at `path`, loading it (runs in a worker thread)."""
    model = load_model(path)
    return path, model.provider, model.describe()


def provider_name(provider: str) -> str:
    """`CPUExecutionProvider` → `CPU`."""
    return provider.removesuffix("ExecutionProvider") or provider


class ModelList(QObject):
    """The model box (with Open…), the provider label beside it and the float32 action, and the active model.

    Choosing a model loads it in the background (`model` lane) to show the provider it runs on: `changed(path,
    provider)` when it is chosen (provider "") and again once it loaded; `failed(message)` when it can't be."""

    changed = Signal(str, str)  # path, provider ("" until it is loaded)
    failed = Signal(str)

    def __init__(self, jobs: NewestOnly, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self.model_path: Path = default_model_path()
        self.weights = "int8"  # run a model's int8 twin when it has one; "float32" is the setting's other choice
        self.provider = ""
        self.opened: list[str] = []
        self.file_dialog: QFileDialog | None = None
        self.combo = QComboBox(objectName="model")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.provider_label = QLabel(objectName="provider")
        self.provider_label.setToolTip("The execution provider running the model")
        self.float32_action = QAction("Full-Precision Model (&float32)", self, checkable=True)
        self.float32_action.setStatusTip("Run the model's float32 file instead of its faster int8 twin")
        self.float32_action.toggled.connect(lambda checked: self.set_weights("float32" if checked else "int8"))
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self._probe_now)
        self.combo.activated.connect(self._on_activated)
        jobs.on(MODEL_LANE, result=self._on_described, failed=self._on_failed)

    def restore(self, model: str, weights: str, opened: tuple[str, ...]) -> None:
        """Take the kept choice: `model` (if it is still there, else the default) run as `weights`, the models
        opened before listed; its provider is probed a moment after the window opens."""
        self.opened = list(opened)
        self.weights = weights
        self.float32_action.setChecked(weights == "float32")
        self.refresh()
        self.use_model(model if model and Path(model).is_file() else default_model_path(),
                       delay_ms=STARTUP_PROBE_DELAY_MS)

    def refresh(self) -> None:
        """List the shipped default, the models in the user's model folder, models opened before, and Open…."""
        self.combo.blockSignals(True)
        self.combo.clear()
        default = default_model_path()
        self.combo.addItem(self._label("Default", default) if default.is_file() else "Default (not installed)",
                           str(default))
        self.combo.setItemData(0, str(model_to_run(default, self.weights)), Qt.ItemDataRole.ToolTipRole)
        listed = {str(default)}
        for path in [*listed_models(user_models_dir()), *(Path(p) for p in self.opened)]:
            if str(path) in listed or not path.is_file():
                continue
            listed.add(str(path))
            self.combo.addItem(self._label(path.stem, path), str(path))
            self.combo.setItemData(self.combo.count() - 1, str(model_to_run(path, self.weights)),
                                   Qt.ItemDataRole.ToolTipRole)
        self.combo.addItem("Open…", OPEN_MODEL)
        index = self.combo.findData(str(self.model_path))
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def _label(self, name: str, path: Path) -> str:
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
        self.refresh()
        self.use_model(self.model_path)

    @Slot(str)
    def use_model(self, path: str | Path, *, delay_ms: int = 0) -> None:
        """Make the model at `path` the active one (listed if new); its provider is probed in the background
        (after `delay_ms`)."""
        path = float32_model(path) if float32_model(path).is_file() else Path(path)  # a twin: list its model
        if self.combo.findData(str(path)) < 0:
            if path.parent != user_models_dir() and str(path) not in self.opened:
                self.opened.append(str(path))
            self.refresh()
        self.combo.setCurrentIndex(max(self.combo.findData(str(path)), 0))
        self.model_path = path
        self.provider = ""
        self.provider_label.setText("…")
        self.provider_label.setStyleSheet("")
        if delay_ms:
            self._probe_timer.start(delay_ms)  # the window opens first; onnxruntime loads after
        else:
            self._probe_now()
        self.changed.emit(str(path), "")

    def show_provider(self, provider: str) -> None:
        """The provider the active model runs on (as a generation found it)."""
        self.provider = provider
        self.provider_label.setText(provider_name(provider))
        self.provider_label.setStyleSheet("")

    def stop_probing(self) -> None:
        self._probe_timer.stop()

    def _probe_now(self) -> None:
        self._probe_timer.stop()
        self._jobs.submit(MODEL_LANE, describe_model, str(self.running_model))

    def _on_described(self, result: tuple[str, str, str]) -> None:
        path, provider, description = result
        if Path(path) == self.running_model:
            self.show_provider(provider)
            self.provider_label.setToolTip(description)
            self.changed.emit(path, provider)

    def _on_failed(self, error: Exception) -> None:
        self.provider = ""
        self.provider_label.setText("unusable")
        self.provider_label.setStyleSheet("color: palette(link-visited)")
        self.provider_label.setToolTip(str(error))
        self.failed.emit(f"Model: {error}")

    def _on_activated(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data == OPEN_MODEL:
            self.combo.setCurrentIndex(max(self.combo.findData(str(self.model_path)), 0))
            self.open_dialog()
        elif data and Path(data) != self.model_path:
            self.use_model(data)

    def open_dialog(self) -> QFileDialog:
        """Choose an ONNX model file (non-blocking); it becomes the active model."""
        start = str(user_models_dir() if user_models_dir().is_dir() else Path.home())
        dialog = QFileDialog(self.combo, "Open model", start, MODEL_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.use_model)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog
