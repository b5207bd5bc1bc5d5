"""Retake docs/screenshot-window.png (the window on the example tunebook, playing, with the sounding note marked)
and docs/screenshot-generation.png (the generation panel with candidates the shipped model sampled).

Run under Xvfb (playback goes to FluidSynth's `file` driver, so no sound card is needed):

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots.py [SHOT...]

SHOT is window, generation, form or suggestion; with none, all are taken. `generation`, `form` and `suggestion`
need models/default.onnx (or GENERATION_MODEL=path); `suggestion` is docs/screenshot-suggestion.png, the next bar
in grey after the cursor and faint in the staff (suggestions as you type).

`rewrite` (docs/screenshot-rewrite.png: Rewrite Bars' ranked alternatives for the selected bars) and `chords`
(docs/screenshot-chords.png: a tune after Add Chords) need the model too.

Settings and autosaves go to a temporary folder, so the person's own Composer settings are neither used nor
touched.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from composer.ui.app import create_application
from composer.ui.main_window import MainWindow
from composer.ui.playback.audio_settings import AudioOutput
from composer.ui.resources import examples_path
from composer.ui.settings import Settings

OUT = Path(__file__).resolve().parent / "screenshot-window.png"
GENERATION_OUT = Path(__file__).resolve().parent / "screenshot-generation.png"
SIZE = (1280, 800)  # the window as a laptop shows it: all three panes must stay usable
GENERATION_SIZE = (1500, 900)
NOTES_BEFORE_PAUSE = 9


def wait_until(app: QApplication, done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def scratch_window(size: tuple[int, int]) -> tuple[QApplication, MainWindow, Path]:
    """The app and a shown window with settings, autosaves and user data (COMPOSER_DATA) in a scratch folder."""
    import os

    app = create_application()
    scratch = Path(tempfile.mkdtemp(prefix="composer-screenshot-"))
    os.environ["COMPOSER_DATA"] = str(scratch / "data")
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    AudioOutput(driver="file", file_name=str(scratch / "heard.wav")).save(settings)
    window = MainWindow(settings=settings, autosave_folder=scratch / "autosave")
    window.resize(*size)
    window.show()
    return app, window, scratch


def main() -> int:
    app, window, _scratch = scratch_window(SIZE)
    window.open_path(examples_path(), ask=False)
    wait_until(app, lambda: window.staff.engraved is not None and window.playback.current is not None
               and window.jobs.is_idle())
    followed: list[tuple[int, int]] = []
    window.playback.followed.connect(lambda line, column: followed.append((line, column)))
    window.playback.play_pause_action.trigger()
    wait_until(app, lambda: len(followed) >= NOTES_BEFORE_PAUSE)
    window.playback.play_pause_action.trigger()  # pause: the mark stays on the last note heard
    wait_until(app, lambda: window.transport.state == "paused")
    window.statusBar().clearMessage()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    if not window.grab().save(str(OUT)):
        print(f"could not write {OUT}", file=sys.stderr)
        return 1
    print(f"wrote {OUT} ({window.width()}x{window.height()}), note at line {followed[-1][0]}, "
          f"column {followed[-1][1]}")
    window.editor.document().setModified(False)
    window.close()
    return 0


def generation() -> int:
    """The generation panel after sampling 4 variations of the next 8 bars of the Kesh, previews drawn."""
    import os

    from composer.model.generation_plan import Mode
    from composer.paths import default_model_path

    model = Path(os.environ.get("GENERATION_MODEL") or default_model_path())
    if not model.is_file():
        print(f"no model at {model}: set GENERATION_MODEL", file=sys.stderr)
        return 1
    app, window, _scratch = scratch_window(GENERATION_SIZE)
    window.open_path(examples_path(), ask=False)
    panel = window.add_generation_panel()
    window.editor_cowriter.suggestions.toggle_action.setChecked(False)  # the suggestion shot has its own
    panel.use_model(model)
    window.resizeDocks([panel.dock], [560], Qt.Orientation.Horizontal)
    window.resizeDocks([window.problems_dock], [60], Qt.Orientation.Vertical)
    window.splitter.setSizes([420, 420])
    wait_until(app, lambda: bool(panel.provider) and window.staff.engraved is not None and window.jobs.is_idle())
    window.editor.go_to(13, 10)
    panel.set_mode(Mode.BARS)
    panel.bars_spin.setValue(8)
    panel.variations_spin.setValue(4)
    panel.temperature_spin.setValue(0.9)
    panel.seed_spin.setValue(int(os.environ.get("GENERATION_SEED", "2024")))
    batch = panel.generate()
    wait_until(app, lambda: not panel.busy, timeout=300)
    wait_until(app, lambda: all(c.preview is not None and c.preview.length == len(c.text) for c in batch.candidates))
    panel.cards[1].compare_button.setChecked(True)
    window.statusBar().clearMessage()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    if not window.grab().save(str(GENERATION_OUT)):
        print(f"could not write {GENERATION_OUT}", file=sys.stderr)
        return 1
    print(f"wrote {GENERATION_OUT} ({window.width()}x{window.height()}) with {model.name}: "
          + "; ".join(f"{c.index + 1}: {c.reason}" for c in batch.candidates))
    panel.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


HALF_WRITTEN = """X:1
T:The Kesh, first part
R:jig
M:6/8
L:1/8
K:G
|:GAG GAB|ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|AGF G3:|
"""
FORM_OUT = Path(__file__).resolve().parent / "screenshot-form.png"


def form() -> int:
    """The generation panel's Form control after continuing a half-written jig (its A part): four candidates,
    each a repeated B part of 8 bars ending on G."""
    import os

    from composer.model.generation_plan import Mode
    from composer.paths import default_model_path

    model = Path(os.environ.get("GENERATION_MODEL") or default_model_path())
    app, window, scratch = scratch_window(SIZE)
    tunebook = scratch / "half-written.abc"
    tunebook.write_text(HALF_WRITTEN, encoding="utf-8")
    window.open_path(tunebook, ask=False)
    panel = window.add_generation_panel()
    window.editor_cowriter.suggestions.toggle_action.setChecked(False)  # the suggestion shot has its own
    panel.use_model(model)
    window.resizeDocks([panel.dock], [560], Qt.Orientation.Horizontal)
    window.resizeDocks([window.problems_dock], [60], Qt.Orientation.Vertical)
    window.splitter.setSizes([420, 420])
    wait_until(app, lambda: bool(panel.provider) and window.staff.engraved is not None and window.jobs.is_idle())
    window.editor.go_to(8, len(HALF_WRITTEN.splitlines()[7]) + 1)  # the end of the A part
    panel.set_mode(Mode.CONTINUE)
    panel.variations_spin.setValue(4)
    panel.temperature_spin.setValue(0.9)
    panel.seed_spin.setValue(int(os.environ.get("GENERATION_SEED", "7")))
    panel.update_form_label()
    batch = panel.generate()
    wait_until(app, lambda: not panel.busy, timeout=300)
    wait_until(app, lambda: all(c.preview is not None and c.preview.length == len(c.text) for c in batch.candidates))
    window.statusBar().clearMessage()
    window.editor.horizontalScrollBar().setValue(0)  # the lines' starts, not the cursor at the A part's end
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    if not window.grab().save(str(FORM_OUT)):
        print(f"could not write {FORM_OUT}", file=sys.stderr)
        return 1
    print(f"wrote {FORM_OUT}: {panel.form_label.text()}; "
          + "; ".join(f"{c.index + 1}: {c.reason}" for c in batch.candidates))
    panel.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


SUGGESTION_OUT = Path(__file__).resolve().parent / "screenshot-suggestion.png"


def suggestion() -> int:
    """Suggestions as you type: the Kesh's second line written up to bar 6's bar line, the next bar in grey in the
    editor and faint in the staff."""

    from PySide6.QtGui import QTextCursor

    from composer.notation.preview import PreviewedTune

    app, window, _scratch = scratch_window(SIZE)
    panel = window.add_generation_panel()
    panel.dock.hide()
    suggestions = window.editor_cowriter.suggestions
    window.load_text(HALF_WRITTEN.rsplit("edd", 1)[0], None)
    window.resizeDocks([window.problems_dock], [60], Qt.Orientation.Vertical)
    window.splitter.setSizes([520, 520])
    window.editor.moveCursor(QTextCursor.MoveOperation.End)  # after bar 6's bar line
    window.editor.setFocus()
    wait_until(app, lambda: window.staff.engraved is not None and window.jobs.is_idle())
    shown: list[object] = []
    suggestions.shown.connect(shown.append)
    if not suggestions.ask_now():
        print("the cursor is not at a bar's end", file=sys.stderr)
        return 1
    wait_until(app, lambda: bool(shown), timeout=120)
    suggestions.cycle(0)
    wait_until(app, lambda: isinstance(window.staff.engraved, PreviewedTune) and window.jobs.is_idle())
    window.statusBar().showMessage("Tab takes the bar, Ctrl+Right one note, Alt+] the next of "
                                   f"{len(suggestions.items)}, Esc dismisses")
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    if not window.grab().save(str(SUGGESTION_OUT)):
        print(f"could not write {SUGGESTION_OUT}", file=sys.stderr)
        return 1
    print(f"wrote {SUGGESTION_OUT}: " + " / ".join(suggestions.items))
    panel.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


KESH = HALF_WRITTEN.replace("T:The Kesh, first part", "T:The Kesh") + """|:BAB dBd|ege dBA|BAB dBG|ABA AGA|
BAB dBd|ege dBd|gfg aga|bgg g3:|
"""
REWRITE_OUT = Path(__file__).resolve().parent / "screenshot-rewrite.png"
CHORDS_OUT = Path(__file__).resolve().parent / "screenshot-chords.png"


def settle(app: QApplication) -> None:
    """Let the window paint what it was last asked to."""
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)


def kesh_window() -> tuple[QApplication, MainWindow, object]:
    """A scratch window on the Kesh written without chords, engraved, the co-writer's panel hidden and no
    suggestion as you type (they have their own shot)."""
    app, window, _scratch = scratch_window(SIZE)
    panel = window.add_generation_panel()
    panel.dock.hide()
    window.editor_cowriter.suggestions.toggle_action.setChecked(False)
    window.load_text(KESH, None)
    window.resizeDocks([window.problems_dock], [60], Qt.Orientation.Vertical)
    window.splitter.setSizes([520, 520])
    wait_until(app, lambda: window.staff.engraved is not None and window.jobs.is_idle())
    return app, window, panel


def rewrite() -> int:
    """Rewrite Bars (Ctrl+Alt+R): the Kesh's bars 5-6 selected in the editor, the dialog with the alternatives the
    shipped model sampled, ranked, over the staff (the window and the dialog drawn as one picture)."""
    import os

    from PySide6.QtGui import QPainter, QPen, QTextCursor

    app, window, panel = kesh_window()
    span = "GAG GAB|ABA ABd"  # bars 5-6, the second line's first two bars
    start = KESH.index(span + "|edd gdB")
    cursor = window.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + len(span), QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    window.editor.setFocus()
    dialog = window.editor_cowriter.rewrite(seed=int(os.environ.get("GENERATION_SEED", "5")))
    ended: list[str] = []
    dialog.ended.connect(ended.append)
    wait_until(app, lambda: bool(ended), timeout=300)
    if ended != ["done"]:
        print(f"the rewrite ended {ended}: {dialog.status.text()}", file=sys.stderr)
        return 1
    dialog.resize(window.staff.width() - 24, 280)  # over the staff's foot, the selection left in view
    window.statusBar().clearMessage()
    settle(app)
    picture = window.grab()
    at = window.staff.mapTo(window, window.staff.rect().bottomRight())
    corner = (at.x() - dialog.width() - 12, at.y() - dialog.height() - 12)
    painter = QPainter(picture)
    painter.drawPixmap(*corner, dialog.grab())
    painter.setPen(QPen(Qt.GlobalColor.darkGray, 1))
    painter.drawRect(corner[0] - 1, corner[1] - 1, dialog.width() + 1, dialog.height() + 1)
    painter.end()
    if not picture.save(str(REWRITE_OUT)):
        print(f"could not write {REWRITE_OUT}", file=sys.stderr)
        return 1
    print(f"wrote {REWRITE_OUT}: {dialog.status.text()} " + " / ".join(c.text for c in dialog.candidates))
    dialog.close()
    panel.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


def chords() -> int:
    """Add Chords: the Kesh written without chords, harmonized by the shipped model (a chord a bar), the chord
    symbols in the text and over the staff."""
    app, window, panel = kesh_window()
    window.editor.go_to(8, 1)
    before = window.staff.engraved
    dialog = window.editor_cowriter.add_chords()
    ended: list[str] = []
    dialog.ended.connect(ended.append)
    dialog.start()
    wait_until(app, lambda: bool(ended), timeout=300)
    if ended != ["done"]:
        print(f"Add Chords ended {ended}: {dialog.status.text()}", file=sys.stderr)
        return 1
    wait_until(app, lambda: window.staff.engraved is not before and window.jobs.is_idle())
    window.editor.go_to(8, 1)
    settle(app)
    if not window.grab().save(str(CHORDS_OUT)):
        print(f"could not write {CHORDS_OUT}", file=sys.stderr)
        return 1
    print(f"wrote {CHORDS_OUT}: {dialog.status.text()}")
    panel.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return 0


if __name__ == "__main__":
    shots = {"window": main, "generation": generation, "form": form, "suggestion": suggestion, "rewrite": rewrite,
             "chords": chords}
    chosen = sys.argv[1:] or list(shots)
    sys.exit(max(shots[name]() for name in chosen))
