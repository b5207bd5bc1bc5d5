"""The generation panel in the real window with real ONNX models: streaming batches, accept and undo, cancel,
model switching, fine-tuned models, persistence, new tunes, continuations, regeneration, batches, audition."""

from __future__ import annotations

import shutil

import pytest
from support.references import references_of

from composer.abc.tunebook import read_string
from composer.model.generate import continuation_of

LONG_WAIT = 60_000


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    """A user data folder of the test's own (COMPOSER_DATA), with an empty model folder."""
    folder = tmp_path / "user-data"
    (folder / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_DATA", str(folder))
    return folder


@pytest.fixture
def make_panel(qtbot, user_data, tiny_onnx_model):
    """make_panel(window): the generation panel installed on `window`, using the tiny model, provider known."""
    panels = []

    def make(window, model=tiny_onnx_model):
        panel = window.add_generation_panel()
        panels.append(panel)
        with qtbot.waitSignal(panel.model_changed, timeout=LONG_WAIT,
                              check_params_cb=lambda path, provider: bool(provider)):
            panel.use_model(model)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


@pytest.fixture
def opened(window, examples, settle):
    window.open_path(examples, ask=False)
    settle(window, LONG_WAIT)
    return window


def run_batch(qtbot, panel):
    """Press Generate and wait until the batch has ended; the batch."""
    with qtbot.waitSignal(panel.batch_ended, timeout=LONG_WAIT):
        batch = panel.generate()
        assert batch is not None, panel.status_label.text()
    return batch


def configure(panel, mode, *, bars=4, variations=4, seed=7):
    from composer.model.generation_plan import Mode

    panel.set_mode(Mode(mode))
    panel.bars_spin.setValue(bars)
    panel.variations_spin.setValue(variations)
    panel.seed_spin.setValue(seed)


def test_four_variations_stream_in_with_previews_accept_one_and_undo(qtbot, opened, make_panel):
    four_variations_accept_one_undo(qtbot, opened, make_panel(opened))


def test_the_shipped_model_writes_four_variations_to_accept_and_undo(qtbot, opened, make_panel):
    from composer.paths import default_model_path

    if not default_model_path().is_file():
        pytest.skip("models/default.onnx is not there (it is trained separately)")
    panel = make_panel(opened, model=default_model_path())
    twin = default_model_path().with_name("default.int8.onnx")
    assert panel.model_combo.currentText() == ("Default · int8" if twin.is_file() else "Default · float32")
    four_variations_accept_one_undo(qtbot, opened, panel)
    assert panel.batches[-1].model_path == (twin if twin.is_file() else default_model_path())


def four_variations_accept_one_undo(qtbot, opened, panel):
    editor = opened.editor
    editor.go_to(13, 10)  # inside the Kesh's first line of music, after two bars
    configure(panel, "bars", bars=4, variations=4)
    batch = run_batch(qtbot, panel)

    tune = read_string(opened.text).tune_at_line(13)
    assert batch.plan.request.prime == continuation_of(tune, 13, 10).prime
    assert batch.state == "done" and len(panel.cards) == 4
    assert {c.reason for c in batch.candidates} <= {"bars", "end", "chars"}
    assert len({c.text for c in batch.candidates}) > 1  # four different variations
    for card, candidate in zip(panel.cards, batch.candidates, strict=True):
        assert card.text_view.toPlainText() == candidate.text and candidate.text
    qtbot.waitUntil(lambda: all(c.preview is not None and c.preview.length == len(c.text)
                                for c in batch.candidates), timeout=LONG_WAIT)
    drawn = [c for c in batch.candidates if c.preview.image is not None]
    assert drawn and all(not card.preview.pixmap().isNull() for card, c in zip(panel.cards, batch.candidates,
                                                                                strict=True) if c in drawn)

    before = opened.text
    position = editor.textCursor().position()
    steps = editor.document().availableUndoSteps()
    with qtbot.waitSignal(panel.accepted) as accepted:
        assert panel.accept(2)
    assert accepted.args == [batch.number, 2, "cursor"]
    inserted = batch.plan.accepted_text(batch.candidates[2].text)
    assert "\n\n" not in inserted
    assert opened.text == before[:position] + inserted + before[position:]
    assert len(read_string(opened.text).tunes) == len(read_string(before).tunes)
    assert editor.document().availableUndoSteps() > steps
    editor.undo()
    assert opened.text == before
    editor.redo()
    assert opened.text == before[:position] + inserted + before[position:]


def test_cancel_mid_way_keeps_what_was_sampled(qtbot, opened, make_panel):
    panel = make_panel(opened)
    configure(panel, "new", bars=64, variations=16)
    with qtbot.waitSignal(panel.batch_ended, timeout=LONG_WAIT) as ended:
        batch = panel.generate()
        assert panel.busy and not panel.generate_button.isEnabled() and panel.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: sum(bool(card.text_view.toPlainText()) for card in panel.cards) >= 4,
                        timeout=LONG_WAIT)
        assert panel.busy  # the candidates show text while the batch is still being sampled
        panel.cancel()
    assert ended.args == [batch.number, "cancelled"]
    assert batch.state == "cancelled" and not panel.busy
    assert "cancelled" in {c.reason for c in batch.candidates}
    assert all(c.finished for c in batch.candidates)
    assert any(card.state_label.text().endswith("cancelled") for card in panel.cards)
    assert panel.generate_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.progress.value() == 1000
    configure(panel, "new", bars=2, variations=1)
    again = run_batch(qtbot, panel)  # the panel is usable again
    assert again.number == batch.number + 1


def test_switching_models_user_folder_open_and_a_broken_file(qtbot, opened, make_panel, user_data,
                                                             tiny_onnx_model, tmp_path):
    panel = make_panel(opened)
    reels = user_data / "models" / "reels.onnx"
    shutil.copy(tiny_onnx_model, reels)
    panel.refresh_models()
    names = [panel.model_combo.itemText(i) for i in range(panel.model_combo.count())]
    assert names[0].startswith("Default") and "reels · float32" in names and names[-1] == "Open…"

    index = panel.model_combo.findData(str(reels))
    with qtbot.waitSignal(panel.model_changed, timeout=LONG_WAIT,
                          check_params_cb=lambda path, provider: path == str(reels) and bool(provider)):
        panel.model_combo.setCurrentIndex(index)
        panel.model_combo.activated.emit(index)
    from composer.ui.cowriter.models import provider_name

    assert panel.model_path == reels and panel.provider.endswith("ExecutionProvider")
    assert panel.provider_label.text() == provider_name(panel.provider)
    configure(panel, "new", bars=2, variations=1)
    batch = run_batch(qtbot, panel)
    assert batch.model_path == reels and "reels.onnx" in panel.batch_combo.itemText(0)
    assert batch.provider == panel.provider

    broken = tmp_path / "broken.onnx"
    broken.write_text("not a model")
    with qtbot.waitSignal(panel.jobs.failed, timeout=LONG_WAIT):
        panel.use_model(broken)
    assert panel.provider_label.text() == "unusable" and "broken.onnx" in panel.model_combo.currentData()
    failed = run_batch(qtbot, panel)
    assert failed.state == "failed" and "Generation failed" in panel.status_label.text()
    assert panel.generate_button.isEnabled()


def test_the_list_shows_which_file_runs_and_a_setting_chooses_float32(qtbot, opened, make_window, make_panel,
                                                                    user_data, tiny_onnx_model, settings):
    pytest.importorskip("onnx")
    from PySide6.QtCore import Qt

    from composer.training.quantize import write_int8_twin

    reels = user_data / "models" / "reels.onnx"
    shutil.copy(tiny_onnx_model, reels)
    twin = write_int8_twin(reels)
    panel = make_panel(opened, model=twin)  # naming the twin picks its model
    names = [panel.model_combo.itemText(i) for i in range(panel.model_combo.count())]
    assert "reels · int8" in names and not [n for n in names if "reels.int8" in n]  # one entry per model
    assert panel.model_path == reels and panel.running_model == twin
    assert panel.model_combo.currentText() == "reels · int8"
    assert panel.model_combo.itemData(panel.model_combo.currentIndex(), Qt.ItemDataRole.ToolTipRole) == str(twin)
    configure(panel, "new", bars=2, variations=1)
    assert run_batch(qtbot, panel).model_path == twin
    assert "reels.int8.onnx" in panel.batch_combo.itemText(0)

    with qtbot.waitSignal(panel.model_changed, timeout=LONG_WAIT,
                          check_params_cb=lambda path, provider: bool(provider)):
        panel.float32_action.trigger()
    assert panel.weights == "float32" and panel.running_model == reels
    assert panel.model_combo.currentText() == "reels · float32"
    assert "float32 weights" in panel.provider_label.toolTip()
    assert run_batch(qtbot, panel).model_path == reels
    opened.close()
    assert settings.value("generation", "weights") == "float32"

    second = make_panel(make_window(), model=reels)
    assert second.weights == "float32" and second.float32_action.isChecked() and second.running_model == reels


def test_a_fine_tuned_model_becomes_the_active_one(qtbot, opened, make_panel, user_data, tiny_onnx_model):
    tab = opened.add_finetune_tab()
    panel = make_panel(opened)
    exported = user_data / "models" / "my-tunes.onnx"
    shutil.copy(tiny_onnx_model, exported)
    with qtbot.waitSignal(panel.model_changed, timeout=LONG_WAIT,
                          check_params_cb=lambda path, provider: path == str(exported) and bool(provider)):
        tab.model_ready.emit(str(exported))
    assert panel.model_path == exported and panel.model_combo.currentData() == str(exported)


def test_settings_persist_in_their_versioned_group(qtbot, make_window, make_panel, settings):
    from composer.model.generation_plan import Mode

    first_window = make_window()
    first = make_panel(first_window)
    first.set_mode(Mode.NEW_TUNE)
    first.temperature_spin.setValue(0.7)
    first.top_p_spin.setValue(0.8)
    first.bars_spin.setValue(12)
    first.variations_spin.setValue(9)
    seed = first.roll_seed()
    first.constrain_check.setChecked(False)
    model = first.model_path
    first_window.close()  # kept when the window closes (a write while generating would stall it)
    assert settings.value("generation", "version", 0, int) == 1

    second = make_panel(make_window(), model=model)
    assert second.mode is Mode.NEW_TUNE
    assert second.current_settings() == first.current_settings()
    assert second.seed_spin.value() == seed and second.model_path == model


def test_new_tune_is_prefilled_from_the_current_tune_and_added_as_a_tune(qtbot, opened, make_panel):
    panel = make_panel(opened)
    editor = opened.editor
    book = read_string(opened.text)
    cooley = next(t for t in book.tunes if t.title == "Cooley's")
    editor.go_to(cooley.end_line, 3)
    qtbot.waitUntil(lambda: panel.key_edit.text() == "Edor")
    assert (panel.title_edit.text(), panel.meter_edit.text(), panel.rhythm_edit.text()) == ("Cooley's", "4/4", "reel")
    panel.title_edit.setText("Cooley's Cousin")
    panel.title_edit.textEdited.emit("Cooley's Cousin")
    configure(panel, "new", bars=4, variations=2)
    batch = run_batch(qtbot, panel)
    assert "T:Cooley's Cousin" in batch.plan.request.prime and "K:Edor" in batch.plan.request.prime

    before = opened.text
    assert panel.accept(0)
    after = read_string(opened.text)
    added = after.tunes[-1]
    assert len(after.tunes) == len(book.tunes) + 1
    assert added.reference == max(t.reference for t in book.tunes) + 1
    assert (added.title, added.meter, added.key, added.rhythm) == ("Cooley's Cousin", "4/4", "Edor", "reel")
    assert [t.text() for t in after.tunes[:-1]] == [t.text() for t in book.tunes]
    editor.undo()
    assert opened.text == before


def test_continue_replaces_the_rest_of_the_tune_where_it_was_generated(qtbot, opened, make_panel):
    panel = make_panel(opened)
    editor = opened.editor
    book = read_string(opened.text)
    kesh = book.tunes[0]
    editor.go_to(kesh.line + 9, 1)  # the start of the Kesh's second part
    configure(panel, "continue", variations=2)
    batch = run_batch(qtbot, panel)
    assert batch.plan.request.max_bars is None
    anchor = batch.anchor.position()

    editor.go_to(kesh.line + 2, 1)  # the cursor moves away; the rest of the tune is still taken from the anchor
    editor.insertPlainText("% a note\n")  # an edit above the anchor moves it along
    before = opened.text
    moved = anchor + len("% a note\n")
    assert batch.anchor.position() == moved
    assert panel.accept(1)
    lines = before.split("\n")
    end = len("\n".join(lines[:kesh.end_line + 1]))  # the Kesh's last line, one line lower now
    assert opened.text == before[:moved] + batch.plan.accepted_text(batch.candidates[1].text) + before[end:]
    after = read_string(opened.text)
    assert [t.text() for t in after.tunes[1:]] == [t.text() for t in book.tunes[1:]]
    editor.undo()
    assert opened.text == before


def test_fill_bars_can_replace_the_selection(qtbot, opened, make_panel):
    panel = make_panel(opened)
    editor = opened.editor
    editor.go_to(13, 10, select=9)  # two bars selected: the prime ends where the selection starts
    configure(panel, "bars", bars=2, variations=1)
    batch = run_batch(qtbot, panel)
    tune = read_string(opened.text).tune_at_line(13)
    assert batch.plan.request.prime == continuation_of(tune, 13, 10).prime
    cursor = editor.textCursor()
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    before = opened.text
    assert batch.plan.default_placement(True).value == "selection"
    assert panel.accept(0)
    assert opened.text == before[:start] + batch.plan.accepted_text(batch.candidates[0].text) + before[end:]
    editor.undo()
    assert opened.text == before


def test_regenerating_one_candidate_leaves_the_others(qtbot, opened, make_panel):
    panel = make_panel(opened)
    opened.editor.go_to(13, 10)
    configure(panel, "bars", bars=4, variations=3)
    batch = run_batch(qtbot, panel)
    old = [(c.seed, c.text) for c in batch.candidates]
    with qtbot.waitSignal(panel.batch_ended, timeout=LONG_WAIT):
        assert panel.regenerate(1)
    assert [(c.seed, c.text) for c in batch.candidates][0::2] == old[0::2]
    assert batch.candidates[1].seed != old[1][0] and batch.candidates[1].finished
    assert panel.cards[1].text_view.toPlainText() == batch.candidates[1].text


def test_earlier_batches_stay_browsable(qtbot, opened, make_panel):
    panel = make_panel(opened)
    opened.editor.go_to(13, 10)
    configure(panel, "bars", bars=2, variations=2, seed=1)
    first = run_batch(qtbot, panel)
    configure(panel, "bars", bars=3, variations=3, seed=2)
    second = run_batch(qtbot, panel)
    assert panel.batch_combo.count() == 2 and panel.shown is second and len(panel.cards) == 3
    panel.batch_combo.setCurrentIndex(0)
    assert panel.shown is first and len(panel.cards) == 2
    assert [card.text_view.toPlainText() for card in panel.cards] == [c.text for c in first.candidates]
    before = opened.text
    position = opened.editor.textCursor().position()
    assert panel.accept(1)  # an earlier batch can still be accepted
    inserted = first.plan.accepted_text(first.candidates[1].text)
    assert opened.text == before[:position] + inserted + before[position:]


def test_compare_shows_marked_candidates_side_by_side(qtbot, opened, make_panel):
    panel = make_panel(opened)
    opened.editor.go_to(13, 10)
    configure(panel, "bars", bars=4, variations=3)
    batch = run_batch(qtbot, panel)
    assert not panel.compare_button.isEnabled()
    panel.cards[0].compare_button.setChecked(True)
    panel.cards[2].compare_button.setChecked(True)
    assert panel.compare_button.isEnabled()
    dialog = panel.compare()
    qtbot.addWidget(dialog)
    assert [c.objectName() for c in dialog.columns] == ["compare-1", "compare-3"]
    from PySide6.QtWidgets import QTextBrowser

    texts = [column.findChild(QTextBrowser, "compare-text").toPlainText() for column in dialog.columns]
    assert texts == [batch.candidates[0].text, batch.candidates[2].text]
    html = dialog.columns[1].findChild(QTextBrowser, "compare-text").toHtml()
    assert ("font-weight" in html) == (batch.candidates[0].text != batch.candidates[2].text)


def test_a_candidate_plays_through_the_audio_engine(qtbot, make_window, make_panel, settings, examples, settle,
                                                    tmp_path):
    from composer.audio.player import PlayerState
    from composer.ui.playback.audio_settings import AudioOutput

    AudioOutput(driver="file", file_name=str(tmp_path / "heard.wav")).save(settings)
    window = make_window()
    window.open_path(examples, ask=False)
    settle(window, LONG_WAIT)
    panel = make_panel(window)
    window.editor.go_to(13, 10)
    configure(panel, "bars", bars=4, variations=2)
    run_batch(qtbot, panel)
    with qtbot.waitSignal(panel.audition_started, timeout=LONG_WAIT) as started:
        panel.cards[1].play_button.click()
    assert started.args[1] == 1
    qtbot.waitUntil(lambda: panel.player.state is PlayerState.PLAYING, timeout=LONG_WAIT)
    assert panel.cards[1].play_button.text() == "Stop" and panel.player.performance.bars
    panel.cards[1].play_button.click()
    qtbot.waitUntil(lambda: panel.player.state is PlayerState.STOPPED, timeout=LONG_WAIT)
    assert panel.cards[1].play_button.text() == "Play"


def test_the_form_control_shows_the_planned_form_and_candidates_keep_it(qtbot, opened, make_panel):
    from composer.model.form import Part
    from composer.model.form_plan import written_form
    from composer.model.generation_plan import Mode

    panel = make_panel(opened)
    kesh = read_string(opened.text).tunes[0]
    opened.editor.go_to(kesh.line + 10, 1)  # the start of the Kesh's second part
    configure(panel, "continue", variations=2, seed=3)
    assert panel.form_combo.currentData() == "auto" and not panel.part_bars_combo.isEnabled()
    assert panel.update_form_label() == "Auto: AABB, 8 bars, part B next"
    panel.form_combo.setCurrentIndex(panel.form_combo.findData("AABBCC"))
    assert panel.part_bars_combo.isEnabled()
    assert panel.update_form_label() == "AABBCC, 8 bars, part B next"
    panel.form_combo.setCurrentIndex(panel.form_combo.findData("auto"))
    batch = run_batch(qtbot, panel)
    assert panel.form_label.text() == "Auto: AABB, 8 bars, part B next"
    for candidate in batch.candidates:
        tune = batch.plan.audition_text(candidate.text)
        assert written_form(tune).parts == (Part(8, True), Part(8, True)), tune
    panel.set_mode(Mode.NEW_TUNE)
    assert panel.update_form_label() == "Auto: AABB, 8 bars, part A next"  # a jig: two repeated parts of 8 bars
    assert not panel.bars_spin.isEnabled()  # the form sets a new tune's length


def test_the_panel_works_from_a_document_alone_and_asks_for_the_edit(qtbot, user_data, settings, examples,
                                                                     tiny_onnx_model):
    """No window at all: the Document, the text's QTextDocument and a selection in; the accepted candidate comes
    out as a TextEdit request, and the transport's sound goes in as a value."""
    from PySide6.QtGui import QTextDocument

    from composer.model.generation_plan import Mode, Selection, TextEdit
    from composer.ui.cowriter.panel import GenerationPanel
    from composer.ui.document import Document
    from composer.ui.jobs import NewestOnly
    from composer.ui.main_window import MainWindow
    from composer.ui.playback.transport import Sound

    text = QTextDocument()
    text.setPlainText(examples.read_text(encoding="utf-8"))
    position = text.findBlockByNumber(12).position() + 9  # line 13, column 10: the Kesh, after two bars
    document = Document(text.toPlainText, NewestOnly())
    panel = GenerationPanel(document, settings, text, lambda: Selection(position, position))
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.model_changed, timeout=LONG_WAIT,
                              check_params_cb=lambda path, provider: bool(provider)):
            panel.use_model(tiny_onnx_model)
        panel.set_sound(Sound(driver="file", program=40, volume=0.5))
        assert panel.audition.sound == Sound(driver="file", program=40, volume=0.5)
        configure(panel, Mode.BARS, bars=2, variations=2)
        batch = run_batch(qtbot, panel)
        assert batch.state == "done" and batch.anchor.position() == position
        with qtbot.waitSignal(panel.edit_requested) as requested:
            assert panel.accept(1)
        edit = requested.args[0]
        assert isinstance(edit, TextEdit) and (edit.start, edit.end) == (position, position)
        before = text.toPlainText()
        inserted = batch.plan.accepted_text(batch.candidates[1].text)
        assert edit.applied_to(before) == before[:position] + inserted + before[position:]
        assert text.toPlainText() == before  # the panel asks; whoever owns the editor applies it
        assert not [w for w in qtbot_widgets(panel) if isinstance(w, MainWindow)]
    finally:
        panel.shutdown()


def qtbot_widgets(panel) -> list:
    """The panel's ancestors (none, for a panel built alone)."""
    found, parent = [], panel.parentWidget()
    while parent is not None:
        found.append(parent)
        parent = parent.parentWidget()
    return found


def test_the_panel_in_the_window_holds_no_reference_to_it(qtbot, opened, make_panel):
    panel = make_panel(opened)
    opened.editor.go_to(13, 10)
    configure(panel, "bars", bars=2, variations=1)
    run_batch(qtbot, panel)
    reached = references_of(panel)
    assert panel.document in reached and panel.models in reached  # the walk does reach the panel's parts
    assert not [thing for thing in reached if thing is opened]
    assert not [thing for thing in reached if thing is opened.transport or thing is opened.playback]
