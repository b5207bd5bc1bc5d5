"""The fine-tune tab's widgets and layout, and the settings form read and written as `FinetuneSettings`."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from composer.training.runs import FinetuneSettings

INSTALL_HINT = ("Fine-tuning needs PyTorch, which is not installed here. Add it with\n\n"
                "    .venv/bin/pip install 'abc-composer[train]'\n\n"
                "or run `make install` in the Composer folder, then restart Composer.")
INSTALL_PAGE, MAIN_PAGE = 0, 1


class FinetunePage(QWidget):
    """The install page (without PyTorch) and the main page: tunebooks, base model, settings, the run's buttons;
    the report, progress, plots and samples. No behaviour: `FinetuneTab` connects it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_install_page())
        self.pages.addWidget(self._build_main_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

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
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Read and check the tunebooks and show the report before training")
        book_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.check_button):
            book_buttons.addWidget(button)
        books_box = QGroupBox("Tunebooks")
        books_layout = QVBoxLayout(books_box)
        books_layout.addWidget(self.tunebook_list)
        books_layout.addLayout(book_buttons)

        self.base_combo = QComboBox()
        self.base_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.browse_button = QPushButton("Other…")
        base_row = QHBoxLayout()
        base_row.addWidget(self.base_combo, 1)
        base_row.addWidget(self.browse_button)
        base_box = QGroupBox("Start from")
        QVBoxLayout(base_box).addLayout(base_row)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name of the new model")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
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
        form.addRow("", self.defaults_button)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop at the next batch and keep a checkpoint to resume from")
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

    def form_settings(self, base: FinetuneSettings) -> FinetuneSettings:
        """`base` with the values the form shows."""
        return replace(base, epochs=self.epochs_spin.value(), learning_rate=self.lr_spin.value(),
                       dropout=self.dropout_spin.value(), freeze_layers=self.freeze_spin.value(),
                       augment=self.augment_check.isChecked(), patience=self.patience_spin.value(),
                       threads=self.threads_spin.value())

    def show_settings(self, settings: FinetuneSettings) -> None:
        """Put `settings` into the form."""
        self.epochs_spin.setValue(settings.epochs)
        self.lr_spin.setValue(settings.learning_rate)
        self.dropout_spin.setValue(settings.dropout)
        self.freeze_spin.setValue(settings.freeze_layers)
        self.augment_check.setChecked(settings.augment)
        self.patience_spin.setValue(settings.patience)
        self.threads_spin.setValue(settings.threads)
