"""The faults a new user met in the window (issue 18), one test each, in the real window offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from composer.abc.tunebook import read_string

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    """A user data folder of the test's own (COMPOSER_DATA), with an empty model folder."""
    folder = tmp_path / "user-data"
    (folder / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_DATA", str(folder))
    return folder


def big_tunebook(count: int) -> str:
    return "\n".join(f"X:{n}\nT:Tune {n}\nM:6/8\nL:1/8\nK:G\nGAG GAB|ABA ABd|\n" for n in range(1, count + 1))


# 1 -------------------------------------------------------------------------------------------------------
def test_1_an_edit_in_a_big_tunebook_changes_one_row_of_the_tune_list(qtbot, window, settle, tmp_path):
    path = tmp_path / "big.abc"
    path.write_text(big_tunebook(2000))
    window.open_path(path, ask=False)
    settle(window, 60_000)
    model = window.tune_list.model()
    assert model.rowCount() == 2000
    changes: list[tuple[str, int, int]] = []
    model.modelReset.connect(lambda: changes.append(("reset", 0, 0)))
    model.rowsRemoved.connect(lambda _parent, first, last: changes.append(("removed", first, last)))
    model.rowsInserted.connect(lambda _parent, first, last: changes.append(("inserted", first, last)))
    model.dataChanged.connect(lambda top, bottom, _roles=(): changes.append(("changed", top.row(), bottom.row())))
    line = read_string(window.text).tunes[1500].line + 1  # the T: line of tune 1501
    window.editor.go_to(line, 3)
    window.editor.insertPlainText("Big ")
    qtbot.waitUntil(lambda: bool(changes), timeout=20_000)
    settle(window, 60_000)
    assert changes == [("changed", 1500, 1500)]
    assert window.tune_list.row_texts()[1500][1] == "Big Tune 1501"


# 2 -------------------------------------------------------------------------------------------------------
def test_2_at_1280x800_the_staff_is_readable_and_the_panes_are_usable(qtbot, make_window, settle, examples):
    window = make_window(size=(1280, 800))
    window.open_path(examples, ask=False)
    settle(window, 30_000)
    qtbot.waitUntil(lambda: window.staff.engraved is not None, timeout=30_000)
    settle(window, 30_000)
    # The music is reflowed to the pane, not an A4 page shrunk into it: it shows at about its own size.
    assert window.staff.zoom >= 0.9
    page = window.staff.engraved.pages[0]
    assert page.width <= window.staff.viewport().width()
    editor, staff = window.splitter.sizes()
    assert editor >= 280 and staff >= 320


def test_2_the_whole_window_with_every_toolbar_fits_1280_pixels(qtbot, make_window):
    window = make_window(size=(1280, 800))
    window.add_generation_panel()
    window.add_finetune_tab()
    qtbot.waitUntil(lambda: window.isVisible())
    assert window.minimumSizeHint().width() <= 1280
    assert window.width() == 1280


# 3 -------------------------------------------------------------------------------------------------------
def test_3_opening_another_file_leaves_nothing_of_the_old_one_on_show(qtbot, make_window, settle, examples,
                                                                       tmp_path):
    window = make_window()
    with qtbot.waitSignal(window.playback.prepared, timeout=30_000):
        window.open_path(examples, ask=False)
    settle(window, 30_000)
    qtbot.waitUntil(lambda: window.staff.engraved is not None, timeout=30_000)
    window.editor.go_to(14, 1)
    window.editor.insertPlainText("A")  # an overfull bar underlined on line 14
    qtbot.waitUntil(lambda: any(p.line == 14 for p in window.problems), timeout=20_000)
    window.transport.tempo_spin.setValue(150)  # the person's tempo for The Kesh
    other = tmp_path / "other.abc"
    other.write_text("X:1\nT:Other\nM:6/8\nL:1/8\nQ:3/8=116\nK:D\nDFA dAF|\n")
    window.editor.document().setModified(False)
    window.open_path(other, ask=False)
    # At once, before anything of the new file is drawn or checked: no old picture, problems or tempo.
    assert window.staff.engraved is None
    assert window.problems == [] and window.problems_list.topLevelItemCount() == 0
    assert window.transport.performance is None and window.transport.tempo_spin.value() != 150
    with qtbot.waitSignal(window.playback.prepared, timeout=30_000):
        pass
    settle(window, 30_000)
    assert window.transport.tempo_spin.value() == 116  # the new tune's own tempo, not the old choice


# 4 -------------------------------------------------------------------------------------------------------
def test_4_the_transport_bar_count_follows_edits_while_stopped(qtbot, make_window, settle):
    window = make_window()
    with qtbot.waitSignal(window.playback.prepared, timeout=30_000):
        window.load_text("X:1\nT:Grows\nM:4/4\nL:1/8\nK:G\nGABc dedB|\n", None)
    assert window.transport.position_label.text().startswith("Bar 1/1")
    window.editor.go_to(7, 1)
    with qtbot.waitSignal(window.playback.prepared, timeout=30_000):
        window.editor.insertPlainText("dcBA GFED|GABc d4|c2B2 A4|\n")
    assert window.transport.position_label.text().startswith("Bar 1/4")


# 5 -------------------------------------------------------------------------------------------------------
def test_5_generate_again_gives_a_new_batch_unless_the_seed_is_fixed(qtbot, window, settle, examples,
                                                                    user_data, tiny_onnx_model):
    from composer.model.generation_plan import Mode

    window.open_path(examples, ask=False)
    settle(window, 30_000)
    panel = window.add_generation_panel()
    with qtbot.waitSignal(panel.model_changed, timeout=60_000, check_params_cb=lambda _p, provider: bool(provider)):
        panel.use_model(tiny_onnx_model)
    window.editor.go_to(13, 10)
    panel.set_mode(Mode.BARS)
    panel.bars_spin.setValue(2)
    panel.variations_spin.setValue(2)
    panel.seed_spin.setValue(11)

    def press() -> list[tuple[int, str]]:
        with qtbot.waitSignal(panel.batch_ended, timeout=60_000):
            batch = panel.generate()
            assert batch is not None
        return [(c.seed, c.text) for c in batch.candidates]

    try:
        first, second = press(), press()
        assert [s for s, _ in first] == [11, 11] and [s for s, _ in second] == [12, 12]
        assert [t for _, t in first] != [t for _, t in second]
        panel.fixed_seed_check.setChecked(True)
        panel.seed_spin.setValue(11)
        assert press() == first and press() == first  # a fixed seed reproduces the batch
    finally:
        panel.shutdown()


# 6 -------------------------------------------------------------------------------------------------------
def _start_window(tmp_path: Path, *args: str) -> dict:
    script = (
        "import json, sys\n"
        "from composer.ui.app import create_application, open_window\n"
        "app = create_application()\n"
        "window = open_window(sys.argv[1] if len(sys.argv) > 1 else None)\n"
        "app.processEvents()\n"
        "print(json.dumps({'title': window.windowTitle(), 'path': str(window.path) if window.path else None,\n"
        "                  'modified': window.isWindowModified(), 'tunes': window.tune_list.row_count(),\n"
        "                  'text': window.text[:40]}))\n"
        "window.save_settings()\n"
        "window.editor.document().setModified(False)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_6_the_examples_open_as_an_untitled_copy_and_the_last_file_reopens(tmp_path):
    first = _start_window(tmp_path)
    assert first["path"] is None and "copy" in first["title"]  # Save asks where: the shipped file stays
    assert first["text"] == (REPO / "resources" / "examples.abc").read_text(encoding="utf-8")[:40]
    mine = tmp_path / "mine.abc"
    mine.write_text("X:1\nT:Mine\nK:C\nC\n")
    _start_window(tmp_path, str(mine))
    again = _start_window(tmp_path)
    assert again["path"] == str(mine) and again["title"].startswith("mine.abc")


# 7 -------------------------------------------------------------------------------------------------------
def test_7_no_sound_device_is_said_once_in_the_status_bar_and_the_play_button_resets(
        qtbot, make_window, settings, settle, examples, user_data, tiny_onnx_model):
    from composer.model.generation_plan import Mode
    from composer.ui.playback.audio_settings import AudioOutput

    AudioOutput(driver="no-such-driver").save(settings)
    window = make_window()
    window.open_path(examples, ask=False)
    settle(window, 30_000)
    panel = window.add_generation_panel()
    with qtbot.waitSignal(panel.model_changed, timeout=60_000, check_params_cb=lambda _p, provider: bool(provider)):
        panel.use_model(tiny_onnx_model)
    window.editor.go_to(13, 10)
    panel.set_mode(Mode.BARS)
    panel.bars_spin.setValue(2)
    panel.variations_spin.setValue(2)
    said: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: said.append(text) if "audio output" in text else None)
    try:
        with qtbot.waitSignal(panel.batch_ended, timeout=60_000):
            panel.generate()
        panel_text_before = panel.status_label.text()
        for _ in range(2):
            with qtbot.waitSignal(panel.player.playbackFailed, timeout=20_000):
                panel.cards[0].play_button.click()
            qtbot.waitUntil(lambda: panel.cards[0].play_button.text() == "Play", timeout=5000)
        assert len(said) == 1 and "no audio output" in said[0]
        assert "no audio output" in window.statusBar().currentMessage()
        assert panel.status_label.text() == panel_text_before  # nothing about audio inside the panel
        assert all(card.play_button.text() == "Play" for card in panel.cards)
    finally:
        panel.shutdown()


# 8 -------------------------------------------------------------------------------------------------------
def test_8_a_new_empty_document_is_not_modified(window, tmp_path):
    window.editor.insertPlainText("X:1\n")
    window.editor.document().setModified(False)
    assert window.new_document()
    assert not window.isWindowModified()
    window.load_text("", tmp_path / "new.abc")  # a file named on the command line that is not there yet
    assert not window.isWindowModified()


def test_8_a_binary_file_is_refused_with_a_message_and_the_document_kept(window, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    window.load_text("X:1\nT:Kept\nK:C\nC\n", None)
    binary = tmp_path / "picture.abc"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert not window.open_path(binary, ask=False)  # returns at once: the box does not block
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and str(binary) in boxes[0].text() and "not a text file" in boxes[0].text()
    assert "NUL byte at byte 8" in boxes[0].text()
    assert window.text == "X:1\nT:Kept\nK:C\nC\n" and window.path is None
    boxes[0].button(QMessageBox.StandardButton.Ok).click()
    utf16 = tmp_path / "utf16.abc"
    utf16.write_bytes("X:1\nT:Wide\nK:D\nDEF|\n".encode("utf-16"))
    assert window.open_path(utf16, ask=False) and window.text == "X:1\nT:Wide\nK:D\nDEF|\n"


def test_8_bar_lengths_are_said_in_the_written_meter():
    from composer.abc.checker import check_text

    def said(meter: str) -> list[str]:
        return [d.message for d in check_text(f"X:1\nT:t\nM:{meter}\nL:1/8\nK:C\nCDEF GABc|CDEF GABc d|C8|\n")]

    assert said("4/4") == said("C") == ["bar length 9/8 overfills the bar of 4/4"]
    assert said("C|") == ["bar length 9/8 overfills the bar of 2/2"]
    assert said("6/8") == ["bar length 9/8 overfills the bar of 6/8", "bar length 8/8 overfills the bar of 6/8"]


def test_8_transposing_by_one_says_one_semitone(window):
    window.load_text("X:1\nT:t\nM:4/4\nL:1/8\nK:C\nCDEF GABc|\n", None)
    window.editor.go_to(6, 1)
    assert window.transpose(1)
    assert window.statusBar().currentMessage() == "Transposed by +1 semitone"
    assert window.transpose(-2)
    assert window.statusBar().currentMessage() == "Transposed by -2 semitones"


def test_8_a_theme_setting_chooses_light_or_dark_and_is_kept(make_window, settings):
    window = make_window()
    window.theme_actions["dark"].trigger()
    assert window.editor.theme.dark and window.staff.theme.dark
    window.theme_actions["light"].trigger()
    assert not window.editor.theme.dark and not window.staff.theme.dark
    window.theme_actions["dark"].trigger()
    again = make_window()
    assert again.theme_actions["dark"].isChecked() and again.staff.theme.dark
    again.theme_actions["system"].trigger()
    assert settings.value("appearance", "theme") == "system"
