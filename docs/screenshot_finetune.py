"""Retake docs/screenshot-finetune.png: the window's fine-tune tab after a short real run, with its curves.

Run under Xvfb, with the model to start from (default: models/default.onnx) and optionally the number of
Nottingham hornpipes to learn from:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python docs/screenshot_finetune.py --base models/default.onnx

Fine-tuned models, runs and settings go to a temporary folder ($COMPOSER_DATA), so the person's own Composer
data is neither used nor touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "screenshot-finetune.png"
SIZE = (1500, 940)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "default.onnx")
    parser.add_argument("--tunes", type=int, default=40, help="how many Nottingham hornpipes to learn from")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: the tab's)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="composer-finetune-shot-"))
    os.environ["COMPOSER_DATA"] = str(scratch / "data")

    from PySide6.QtCore import QSettings

    from composer.abc.corpora import nottingham_dir
    from composer.abc.tunebook import read_tunebook
    from composer.ui.app import create_application
    from composer.ui.main_window import MainWindow
    from composer.ui.settings import Settings

    book = read_tunebook(nottingham_dir() / "hpps.abc")
    tunebook = scratch / "my-hornpipes.abc"
    tunebook.write_text("\n".join(t.text().rstrip("\n") + "\n" for t in book.tunes[:args.tunes]))

    app = create_application()

    def wait_until(done, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the tab did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings=settings, autosave_folder=scratch / "autosave")
    tab = window.add_finetune_tab()
    window.resize(*SIZE)
    window.show()
    window.tabs.setCurrentWidget(tab)
    wait_until(lambda: tab.ready)
    tab.threads_spin.setValue(args.threads)
    tab.set_base_model(args.base)
    reports = []
    tab.report_shown.connect(reports.append)
    tab.add_tunebooks([tunebook])
    wait_until(lambda: reports)
    tab.epochs_spin.setValue(args.epochs)
    if args.lr:
        tab.lr_spin.setValue(args.lr)
    tab.name_edit.setText("my-hornpipes")
    ended = []
    tab.training_ended.connect(ended.append)
    tab.start()
    wait_until(lambda: ended, timeout=3600)
    wait_until(lambda: tab.samples is not None or not tab.samples_box.isVisible(), timeout=600)
    for _ in range(30):
        app.processEvents()
        time.sleep(0.02)
    if not window.grab().save(str(OUT)):
        print(f"could not write {OUT}", file=sys.stderr)
        return 1
    print(f"wrote {OUT} ({window.width()}x{window.height()}): {ended[0]}; {tab.status_label.text()}")
    tab.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
