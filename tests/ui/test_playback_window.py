"""Playback in the real window offscreen: the transport plays the tune under the cursor through FluidSynth's
`file` driver, the staff and editor follow the sounding note, play from the cursor's bar, Space on the staff,
File → Export → WAV read back, audio settings, and failures said once while the window keeps working."""

from __future__ import annotations

import sys
import wave

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from composer.abc.tokens import Kind, tokenize_tune
from composer.abc.tunebook import read_tunebook
from composer.audio.render import MAX_TAIL
from composer.ui.playback.audio_settings import AudioOutput


@pytest.fixture
def file_output(settings, tmp_path):
    """Settings sending playback to FluidSynth's `file` driver (there is no sound card here)."""
    output = AudioOutput(driver="file", file_name=str(tmp_path / "heard.wav"))
    output.save(settings)
    return output


@pytest.fixture
def playing_window(make_window, file_output, examples, settle, qtbot):
    """A window on the examples with the first tune ready in the transport."""
    window = make_window()
    with qtbot.waitSignal(window.playback.prepared, timeout=20_000):
        window.open_path(examples, ask=False)
    settle(window)
    return window


def note_places(tune) -> set[tuple[int, int]]:
    return {(t.line, t.column) for t in tokenize_tune(tune) if t.kind is Kind.NOTE}


def wait_state(qtbot, window, state: str, action) -> None:
    with qtbot.waitSignal(window.transport.stateChanged, timeout=10_000,
                          check_params_cb=lambda value: value == state):
        action()


def test_emitting_a_signal_from_python_keeps_the_reference_to_true():
    # Playback emits several signals a note; PySide6 6.12.0's emit() gave back a True it did not own, so a few
    # thousand emits freed True and killed the interpreter (pyproject.toml excludes that version).
    from PySide6.QtCore import QObject, Signal

    class Ticker(QObject):
        ticked = Signal(int)

    ticker = Ticker()
    ticks = []
    ticker.ticked.connect(ticks.append)
    before = sys.getrefcount(True)
    for number in range(200):
        ticker.ticked.emit(number)
    assert ticks == list(range(200))
    assert sys.getrefcount(True) >= before - 10


def test_the_transport_is_a_toolbar_that_persists_and_holds_the_tune_under_the_cursor(
        qtbot, make_window, playing_window, examples, settle):
    window = playing_window
    tunes = read_tunebook(examples).tunes
    assert window.playback.toolbar.isVisible() and window.transport.isVisible()
    assert window.toolBarArea(window.playback.toolbar) == Qt.ToolBarArea.TopToolBarArea
    assert window.transport.performance.title == tunes[0].title
    assert window.transport.play_button.isEnabled()
    # The cursor moves into the third tune: the transport follows it.
    with qtbot.waitSignal(window.playback.prepared, timeout=10_000):
        window.editor.go_to(tunes[2].line + 6, 1)
    assert window.transport.performance.title == tunes[2].title
    assert window.playback.current.line == tunes[2].line
    # Where the bar sits and its own preferences come back in the next window.
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, window.playback.toolbar)
    window.transport.volume_slider.setValue(55)
    window.transport.metronome_check.setChecked(True)
    window.save_settings()
    again = make_window()
    assert again.toolBarArea(again.playback.toolbar) == Qt.ToolBarArea.BottomToolBarArea
    assert again.transport.volume_slider.value() == 55
    assert again.transport.metronome_check.isChecked()
    assert [a.text() for a in again.playback_menu.actions() if a.text()][:3] == [
        "&Play / Pause", "&Stop", "Play from &Cursor's Bar"]


def test_while_playing_the_staff_and_editor_follow_the_sounding_note(qtbot, playing_window, examples):
    window = playing_window
    tune = read_tunebook(examples).tunes[0]
    notes = note_places(tune)
    engraved = window.staff.engraved
    window.transport.tempo_spin.setValue(3 * window.transport.performance.tempo_bpm)
    window.activateWindow()
    window.staff.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.staff)
    undo_steps = window.editor.document().availableUndoSteps()
    followed = []
    window.playback.followed.connect(lambda line, column: followed.append((line, column)))

    wait_state(qtbot, window, "playing", window.playback.play_pause_action.trigger)
    qtbot.waitUntil(lambda: len(set(followed)) >= 6, timeout=10_000)
    wait_state(qtbot, window, "paused", window.playback.play_pause_action.trigger)
    assert set(followed) <= notes  # every place followed is a written note of the tune
    line, column = followed[-1]
    # The editor cursor stands on the note and its text is marked; the staff marks its symbol.
    assert window.cursor_position == (line, column)
    mark = window.editor.playback_mark
    assert mark[:2] == (line, column)
    token = next(t for t in tokenize_tune(tune) if (t.line, t.column) == (line, column))
    assert mark[2] == len(token.text)
    assert window.staff.highlighted == engraved.symbol_for(line, column)
    assert window.staff.highlighted is not None and window.staff.highlighted.line == line
    # No focus taken, no undo step, no change to the document.
    assert QApplication.focusWidget() is window.staff
    assert window.editor.document().availableUndoSteps() == undo_steps
    assert not window.editor.document().isModified()
    # Stopping ends the following: the mark goes, the staff shows the cursor's symbol again.
    wait_state(qtbot, window, "stopped", window.playback.stop_action.trigger)
    assert window.editor.playback_mark is None


def test_the_cursor_stops_following_once_the_person_moves_it(qtbot, playing_window):
    window = playing_window
    window.transport.tempo_spin.setValue(3 * window.transport.performance.tempo_bpm)
    followed = []
    window.playback.followed.connect(lambda line, column: followed.append((line, column)))
    play_button = window.transport.play_button
    wait_state(qtbot, window, "playing", lambda: qtbot.mouseClick(play_button, Qt.MouseButton.LeftButton))
    qtbot.waitUntil(lambda: len(followed) >= 2, timeout=10_000)
    window.editor.go_to(2, 1)  # the person puts the cursor somewhere else
    count = len(followed)
    qtbot.waitUntil(lambda: len(followed) >= count + 3, timeout=10_000)
    assert window.cursor_position == (2, 1)
    assert window.editor.playback_mark[:2] == followed[-1]  # the mark keeps following
    wait_state(qtbot, window, "stopped", window.playback.stop_action.trigger)


def test_f5_plays_from_the_bar_the_cursor_is_in(qtbot, playing_window):
    window = playing_window
    bars = window.transport.performance.bars
    # A bar heard for the first time (repeated bars play again later; the cursor means the first time).
    target = next(b for b in bars[4:] if b.line is not None
                  and all((a.line, a.column) != (b.line, b.column) for a in bars[:b.index]))
    window.editor.go_to(target.line, target.column + 1)
    window.activateWindow()
    window.editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor)
    assert window.playback.play_from_cursor_action.shortcut().toString() == "F5"
    shown_bars = []
    window.transport.barChanged.connect(shown_bars.append)
    wait_state(qtbot, window, "playing", lambda: qtbot.keyClick(window.editor, Qt.Key.Key_F5))
    assert shown_bars[0] == target.index
    assert window.transport.player.position.time >= target.start - 1e-6
    wait_state(qtbot, window, "stopped", window.playback.stop_action.trigger)


def test_play_from_the_cursor_right_after_an_edit_plays_the_edited_tune(qtbot, playing_window):
    window = playing_window
    first_tune_line = window.playback.current.line
    # Type a new last bar into the first tune and press F5 at once (before the quiet time is over).
    body_end = window.book.tunes[0].end_line
    window.editor.go_to(body_end, 1)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.EndOfLine)
    window.editor.insertPlainText(" c'c'c'c' |]")
    line, column = window.cursor_position
    with qtbot.waitSignal(window.transport.stateChanged, timeout=20_000,
                          check_params_cb=lambda value: value == "playing"):
        window.playback.play_from_cursor_action.trigger()
    current = window.playback.current
    assert current.line == first_tune_line and "c'c'c'c' |]" in current.text
    assert window.transport.player.position.bar == len(current.performance.bars) - 1
    wait_state(qtbot, window, "stopped", window.playback.stop_action.trigger)


def test_space_toggles_play_when_the_staff_has_focus(qtbot, playing_window):
    window = playing_window
    text = window.text
    window.activateWindow()
    window.staff.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.staff)
    wait_state(qtbot, window, "playing", lambda: qtbot.keyClick(window.staff, Qt.Key.Key_Space))
    wait_state(qtbot, window, "paused", lambda: qtbot.keyClick(window.staff, Qt.Key.Key_Space))
    assert window.text == text
    wait_state(qtbot, window, "stopped", window.transport.stop)


def read_wav(path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2").reshape(-1, wav.getnchannels()), wav.getframerate(), \
            wav.getnchannels()


def export_through_the_menu(qtbot, window, path) -> None:
    action = next(a for a in window.export_menu.actions() if a.text() == "Current tune as &WAV…")
    action.trigger()
    dialog = window.playback.file_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(path))
    with qtbot.waitSignal(window.playback.wav_exported, timeout=60_000) as exported:
        dialog.accept()
        # Running in the background: the window still answers and shows that it is busy.
        assert window.playback.progress.isVisible()
    assert exported.args == [str(path)]
    assert not window.playback.progress.isVisible()


def test_file_export_wav_writes_the_tune_at_the_transport_tempo(qtbot, playing_window, tmp_path):
    window = playing_window
    performance = window.transport.performance
    out = tmp_path / "out" / "kesh.wav"
    out.parent.mkdir()
    export_through_the_menu(qtbot, window, out)
    samples, rate, channels = read_wav(out)
    seconds = len(samples) / rate
    assert (rate, channels) == (44100, 2)
    assert performance.duration <= seconds <= performance.duration + MAX_TAIL + 0.1
    level = np.sqrt(np.mean((samples.astype(np.float64) / 32768) ** 2))
    assert level > 0.01  # not silence
    assert sorted(p.name for p in out.parent.iterdir()) == ["kesh.wav"]  # no temporary file left
    # Twice as fast on the transport: the WAV is about half as long.
    window.transport.tempo_spin.setValue(2 * performance.tempo_bpm)
    fast = tmp_path / "out" / "kesh-fast.wav"
    export_through_the_menu(qtbot, window, fast)
    fast_seconds = len(read_wav(fast)[0]) / 44100
    assert performance.duration / 2 <= fast_seconds <= performance.duration / 2 + MAX_TAIL + 0.1


def test_audio_failures_are_said_once_and_the_window_keeps_working(
        qtbot, make_window, settings, examples, settle, tmp_path):
    AudioOutput(soundfont=str(tmp_path / "gone.sf2"), driver="no-such-driver").save(settings)
    window = make_window()
    said = []
    window.playback.problem_said.connect(said.append)
    with qtbot.waitSignal(window.playback.prepared, timeout=20_000):
        window.open_path(examples, ask=False)
    settle(window)
    # The missing SoundFont was said when the window opened, in the transport bar.
    assert "gone.sf2" in window.transport.status_label.toolTip()
    assert "SoundFont file not found" in window.transport.status_label.toolTip()

    # No audio output: said once, however often play is pressed.
    for _ in range(3):
        with qtbot.waitSignal(window.transport.player.playbackFailed, timeout=10_000):
            window.playback.play_pause_action.trigger()
    qtbot.wait(50)
    assert len(said) == 1 and "no audio output" in said[0]
    assert "no audio output" in window.statusBar().currentMessage()
    assert window.transport.state == "stopped" and window.transport.play_button.isEnabled()

    # The window goes on: WAV export (on the best installed SoundFont) and MIDI export still work.
    wav = tmp_path / "still.wav"
    export_through_the_menu(qtbot, window, wav)
    assert len(read_wav(wav)[0]) > 44100
    midi = tmp_path / "still.mid"
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000,
                          check_params_cb=lambda lane, _result: lane == "export"):
        window.export_midi(midi)
    assert midi.read_bytes()[:4] == b"MThd"
    window.editor.go_to(1, 1)
    window.editor.insertPlainText("%")
    assert window.text.startswith("%")


def test_a_failed_wav_export_is_said_without_blocking(qtbot, playing_window, tmp_path):
    window = playing_window
    failures = []
    window.playback.wav_failed.connect(failures.append)
    with qtbot.waitSignal(window.playback.wav_failed, timeout=60_000):
        window.playback.export_wav(tmp_path / "no-such-folder" / "x.wav")
    assert "x.wav" in failures[0]
    box = window.playback.message_box
    assert box.isVisible() and not box.isModal()
    box.close()
    assert not window.playback.progress.isVisible()


def test_a_wav_export_can_be_cancelled_and_runs_under_a_time_limit(qtbot, playing_window, tmp_path):
    window = playing_window
    failures = []
    window.playback.wav_failed.connect(failures.append)
    window.playback.export_wav(tmp_path / "cancelled.wav")
    window.playback.cancel_wav_exports()
    qtbot.waitUntil(lambda: not window.playback.progress.isVisible(), timeout=30_000)
    assert failures == [] and "cancelled" in window.statusBar().currentMessage()
    window.playback.export_time_limit = 0.05  # less than a child process takes to start
    with qtbot.waitSignal(window.playback.wav_failed, timeout=30_000):
        window.playback.export_wav(tmp_path / "slow.wav")
    assert "longer than 0.05 s" in failures[0]
    window.playback.message_box.close()
    assert [p.name for p in tmp_path.iterdir() if "wav" in p.name] == []  # neither file, nor a temporary one


def test_audio_settings_dialog_chooses_the_driver_and_keeps_it(qtbot, make_window, settings, tmp_path):
    window = make_window()
    dialog = window.playback.audio_settings_dialog()
    drivers = [dialog.driver_combo.itemData(i) for i in range(dialog.driver_combo.count())]
    assert drivers[0] == "" and "file" in drivers
    fonts = [dialog.soundfont_combo.itemData(i) for i in range(dialog.soundfont_combo.count())]
    assert fonts[0] == "" and any(str(f).endswith(".sf2") for f in fonts[1:])
    dialog.driver_combo.setCurrentIndex(drivers.index("file"))
    dialog.soundfont_combo.setCurrentIndex(1)
    dialog.accept()
    assert AudioOutput.load(settings).driver == "file"
    assert AudioOutput.load(settings).soundfont == fonts[1]
    assert window.playback.output.driver == "file"
    again = make_window()
    assert again.playback.output == window.playback.output


def test_closing_the_window_while_playing_shuts_the_player_down(qtbot, playing_window):
    window = playing_window
    wait_state(qtbot, window, "playing", window.playback.play_pause_action.trigger)
    thread = window.transport.player._thread
    assert thread is not None and thread.is_alive()
    window.close()
    thread.join(5)
    assert not thread.is_alive()


def test_an_edit_while_playing_goes_on_with_the_new_version_and_leaves_the_cursor_alone(qtbot, playing_window):
    window = playing_window
    followed = []
    window.playback.followed.connect(lambda line, column: followed.append((line, column)))
    wait_state(qtbot, window, "playing", window.playback.play_pause_action.trigger)
    qtbot.waitUntil(lambda: len(followed) >= 2, timeout=10_000)
    # The person types into the tune's last line while it plays.
    last_line = window.book.tunes[0].end_line
    window.editor.go_to(last_line, 1)
    window.editor.insertPlainText("B")
    typed_at = window.cursor_position
    states = []
    window.transport.stateChanged.connect(states.append)
    with qtbot.waitSignal(window.playback.prepared, timeout=20_000) as prepared:
        pass
    assert prepared.args[0].text.split("\n")[last_line - prepared.args[0].line].startswith("B")
    qtbot.waitUntil(lambda: states[-2:] == ["stopped", "playing"], timeout=10_000)
    count = len(followed)
    qtbot.waitUntil(lambda: len(followed) > count, timeout=10_000)
    assert window.cursor_position == typed_at
    wait_state(qtbot, window, "stopped", window.playback.stop_action.trigger)


@pytest.fixture
def playback_alone(qtbot, settings, file_output, examples):
    """Playback made from a Document of the examples and the Settings alone (no window); the document and it."""
    from PySide6.QtGui import QTextDocument

    from composer.ui.document import Document
    from composer.ui.jobs import NewestOnly
    from composer.ui.playback.playback import Playback

    text = QTextDocument()
    text.setPlainText(examples.read_text(encoding="utf-8"))
    document = Document(text.toPlainText, NewestOnly())
    playback = Playback(document, settings)
    qtbot.addWidget(playback.toolbar)
    yield document, playback
    playback.shutdown()


def test_playback_works_from_a_document_alone_and_asks_the_views_to_follow(qtbot, playback_alone, file_output,
                                                                            examples):
    """No window at all: the Document and the Settings in; the sounding note comes out as requests (move the
    cursor there, mark it), stopping asks for the mark to go, and nothing reaches for a window."""
    from composer.ui.main_window import MainWindow
    from composer.ui.playback.playback import Sounding

    _document, playback = playback_alone
    assert playback.output == file_output and playback.parent() is None
    assert not [w for w in (playback.toolbar.parentWidget(), playback.transport.window())
                if isinstance(w, MainWindow)]
    first = read_tunebook(examples).tunes[0]
    with qtbot.waitSignal(playback.prepared, timeout=20_000) as prepared:
        playback.prepare_now()
    assert prepared.args[0].line == first.line and playback.transport.performance is not None
    follows, marks = [], []
    playback.follow_requested.connect(lambda line, column: follows.append((line, column)))
    playback.mark_requested.connect(marks.append)
    with qtbot.waitSignal(playback.followed, timeout=10_000):
        playback.play_pause_action.trigger()
    sounding = next(m for m in marks if m is not None)
    assert isinstance(sounding, Sounding) and sounding.tune_line == first.line
    assert (sounding.line, sounding.column) in note_places(first) and sounding.length >= 1
    assert follows and follows[0] == (sounding.line, sounding.column)
    with qtbot.waitSignal(playback.stopped, timeout=10_000):
        playback.stop_action.trigger()
    assert marks[-1] is None


def test_a_newer_prepare_request_supersedes_older_ones_and_only_its_answer_is_applied(qtbot, playback_alone,
                                                                                      examples):
    """Through the job system, on the real tunebook: three builds asked for in a row (the cursor in the first,
    second, then third tune). The first is running when the others come, so its answer is dropped; the second
    waits and is replaced by the third before it starts; only the third reaches the transport."""
    from composer.ui.jobs import INTERACTIVE, executor_for
    from composer.ui.playback.playback import PREPARE

    document, playback = playback_alone
    assert executor_for(PREPARE) is not INTERACTIVE  # a build never delays engraving or checking
    tunes = read_tunebook(examples).tunes[:3]
    prepared, answers = [], []
    playback.prepared.connect(prepared.append)
    playback.jobs.answered.connect(answers.append)
    requests = []
    for tune in tunes:
        document.move_cursor(tune.line + 1, 1)
        requests.append(playback.prepare_now())
    with qtbot.waitSignal(playback.prepared, timeout=20_000):
        pass
    assert playback.jobs.is_idle() and playback.jobs.dropped == 2
    assert [answer.request for answer in answers] == [requests[-1]]
    assert [p.line for p in prepared] == [tunes[2].line] and playback.current is prepared[0]
    assert playback.transport.performance is prepared[0].performance


def test_two_wav_exports_to_different_files_both_write(qtbot, playing_window, tmp_path):
    """A second WAV export asked for while the first runs is a job of its own: neither replaces the other."""
    from composer.ui.jobs import INTERACTIVE, executor_for
    from composer.ui.playback.playback import WAV_EXPORT

    window = playing_window
    assert executor_for(WAV_EXPORT) is not INTERACTIVE
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    exported = []
    window.playback.wav_exported.connect(exported.append)
    window.playback.export_wav(first)
    window.editor.go_to(window.book.tunes[1].line + 1, 1)
    window.playback.export_wav(second)
    assert window.playback.progress.isVisible()
    qtbot.waitUntil(lambda: len(exported) == 2, timeout=60_000)
    assert sorted(exported) == sorted([str(first), str(second)])
    assert not window.playback.progress.isVisible()
    assert len(read_wav(first)[0]) > 44100 and len(read_wav(second)[0]) > 44100
