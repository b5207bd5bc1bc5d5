"""Suggestions as you type: when the cursor rests at a bar's end, the next bar in grey at it (Tab takes it)."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent

from composer.model.sampling import SamplingOptions
from composer.model.state_cache import StateCache
from composer.model.suggest import SUGGESTION_SAMPLING, Suggestions, ends_at_bar, prime_before_cursor, suggest_next_bar
from composer.notation.preview import Insertion
from composer.ui.cowriter.generation_job import load_model
from composer.ui.editor.editor import AbcEditor
from composer.ui.editor.ghost_text import GhostText
from composer.ui.jobs import NewestOnly
from composer.ui.settings import Settings

SUGGEST = "suggest"
GROUP = "suggestions"
#: Quiet time at a bar's end before the model is asked (the `delay_ms` setting).
SUGGEST_DELAY_MS = 300
#: Tunes whose state caches are kept (each holds a checkpoint every 64 characters).
KEPT_CACHES = 8
_TUNE_START = re.compile(r"^X:", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
#: What may not follow the cursor where a bar is put in: the rest of a bar line (`|:`, `:|`, `||`, `|]`, `::`) or
#: an ending's number (`|1`, `|[2`).
_BAR_LINE_GOES_ON = re.compile(r"[|:\]\d]|\[\d")
_NOTE = re.compile(r"""\s*(?:"[^"\n]*"\s*)*(?:![^!\n]*!|[.~HLMOPSTuv])*
    (?:\(\d(?::\d*){0,2}|[_^=]*(?:[A-Ga-gzxZ][',]*|\[[^\]\n]*\])[0-9/]*[<>]*|[|:\]\[]+[0-9,-]*|.)""", re.X | re.S)


def tune_before_cursor(text: str) -> tuple[str, str] | None:
    """(a key naming the tune, the tune's source up to the cursor) for `text`, the whole text before the cursor;
    None where the cursor is not inside a tune (after the blank line that ends one, or in the file's header)."""
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    start = starts[-1] if starts else 0
    source = text[start:]
    if _BLANK_LINE.search(source.rstrip(" \t")) or "\nK:" not in "\n" + source:
        return None
    return source.split("\n", 1)[0].strip(), source


def might_end_a_bar(before: str, after_on_line: str) -> bool:
    """A cheap look before asking the model: a bar line just before the cursor, and after it on its line nothing,
    or more music (a bar put in before the bars that follow) but not the rest of that bar line."""
    return before.rstrip()[-1:] in ("|", ":", "]") and not _BAR_LINE_GOES_ON.match(after_on_line)


def first_note(text: str) -> int:
    """How many characters of `text` make its first note (with the spaces, chord symbols and decorations before it),
    or its first bar line: what Ctrl+Right takes of a suggestion."""
    match = _NOTE.match(text)
    return match.end() if match and match.end() else min(len(text), 1)


@dataclass(frozen=True)
class Asked:
    """What a suggestion answers: the text's revision and the cursor's position when it was asked."""

    revision: int
    position: int


class StateCaches:
    """The StateCache of each tune (by model and tune), the newest few kept; used only by the `suggest` lane's
    worker, one request at a time."""

    def __init__(self, kept: int = KEPT_CACHES) -> None:
        self.kept = kept
        self._caches: OrderedDict[tuple[str, str], StateCache] = OrderedDict()

    def cache(self, model_path: str, key: str) -> StateCache:
        found = self._caches.pop((model_path, key), None)
        if found is None:
            found = StateCache(load_model(model_path))
        self._caches[(model_path, key)] = found
        while len(self._caches) > self.kept:
            self._caches.popitem(last=False)
        return found


def suggest_after(caches: StateCaches, model_path: str, key: str, source: str, seed: int,
                  asked: Asked) -> tuple[Asked, Suggestions | None]:
    """The next bar after a tune's `source` (up to the cursor), from its cached state; None where the source does
    not end at a bar's end (runs in the `suggest` lane)."""
    prime = prime_before_cursor(source)
    if prime is None:
        return asked, None
    cache = caches.cache(model_path, key)
    cache.update(prime)
    if not ends_at_bar(cache):
        return asked, None
    sampling = SamplingOptions(temperature=SUGGESTION_SAMPLING.temperature, top_p=SUGGESTION_SAMPLING.top_p,
                               seed=seed)
    return asked, suggest_next_bar(cache, sampling=sampling)


class SuggestionController(QObject):
    """Ghost text in `editor`: after `delay_ms` of quiet with the cursor at a bar's end the model proposes the next
    bar, off the UI thread (`suggest` lane, newest only), from the text before the cursor: drawn grey after the
    cursor at a line's end, inline where more bars follow it on its line (a bar put in between). Tab accepts it
    (one undo step), Ctrl+Right accepts one note, Esc dismisses, Alt+] and Alt+[ go through the alternatives;
    typing or moving the cursor dismisses it. `preview_changed` says what the staff should draw faint (an
    Insertion at the cursor, or None). `toggle_action` turns it on and off (a setting); it rests while playback
    runs (`set_playing`)."""

    shown = Signal(object)  # Suggestions, as they are first drawn
    dismissed = Signal()
    accepted = Signal(str)  # the text put in
    preview_changed = Signal(object)  # Insertion (the ghost text at the cursor's position) or None

    def __init__(self, editor: AbcEditor, model_path: Callable[[], Path | str], settings: Settings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.settings = settings
        self._model_path = model_path
        self.ghost = GhostText(editor)
        self.ghost.interrupted.connect(self.dismiss)
        self.ghost.inline_gap.connect(editor.set_inline_gap)
        self.jobs = NewestOnly(self)
        self.jobs.on(SUGGEST, result=self._take, failed=self._failed)
        self.caches = StateCaches()
        self.suggestions: Suggestions | None = None
        self.items: tuple[str, ...] = ()
        self.index = 0
        self.error = ""
        self._revision = 0
        self._shown_at: Asked | None = None
        self._seed = 0
        self._playing = False
        self._inserting = False
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(int(settings.value(GROUP, "delay_ms", SUGGEST_DELAY_MS, int)))
        self.timer.timeout.connect(self.ask_now)
        self.toggle_action = QAction("&Suggest As You Type", self, checkable=True)
        self.toggle_action.setStatusTip("At the end of a bar, propose the next one in grey: Tab takes it, "
                                        "Ctrl+Right one note, Alt+] and Alt+[ the others, Esc dismisses")
        self.toggle_action.setChecked(bool(settings.value(GROUP, "enabled", True, bool)))
        self.toggle_action.toggled.connect(self.set_enabled)
        editor.textChanged.connect(self._on_edit)
        editor.cursorPositionChanged.connect(self._on_move)
        editor.installEventFilter(self)

    # -- state ------------------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.toggle_action.isChecked()

    @property
    def shown_text(self) -> str:
        """The ghost text on show ('' when none)."""
        return self.ghost.text if self.ghost.shown else ""

    def set_enabled(self, enabled: bool) -> None:
        if self.toggle_action.isChecked() != enabled:
            self.toggle_action.setChecked(enabled)  # comes back here through `toggled`
            return
        self.settings.set_value(GROUP, "enabled", enabled)
        self.dismiss()
        self._restart()

    def set_delay(self, msecs: int) -> None:
        self.timer.setInterval(msecs)
        self.settings.set_value(GROUP, "delay_ms", msecs)

    def set_playing(self, playing: bool) -> None:
        """Playback runs: no suggestions until it stops (the model's work would compete with the audio)."""
        self._playing = playing
        if playing:
            self.dismiss()
        self._restart()

    def model_changed(self) -> None:
        """Another model is active: the cached states are of the old one."""
        self.caches = StateCaches()
        self.dismiss()

    # -- asking -----------------------------------------------------------------------------------------
    def _restart(self) -> None:
        if self.enabled and not self._playing:
            self.timer.start()
        else:
            self.timer.stop()

    def ask_now(self) -> bool:
        """Ask for suggestions at the cursor now; False where it is not at a bar's end (or they are off)."""
        self.timer.stop()
        cursor = self.editor.textCursor()
        if not self.enabled or self._playing or cursor.hasSelection():
            return False
        block = cursor.block()
        column = cursor.positionInBlock()
        before_on_line = block.text()[:column]
        position = cursor.position()
        if not might_end_a_bar(before_on_line if before_on_line.strip() else self._text()[:position],
                               block.text()[column:]):
            return False
        found = tune_before_cursor(self._text()[:position])
        if found is None:
            return False
        key, source = found
        self._seed += 1
        self.jobs.submit(SUGGEST, suggest_after, self.caches, str(self._model_path()), key, source, self._seed,
                         Asked(self._revision, position))
        return True

    def _text(self) -> str:
        return self.editor.toPlainText()

    def _here(self) -> Asked:
        return Asked(self._revision, self.editor.textCursor().position())

    def _take(self, answer: tuple[Asked, Suggestions | None]) -> None:
        asked, suggestions = answer
        self.error = ""
        if (suggestions is None or not suggestions.items or asked != self._here() or not self.enabled
                or self._playing or self.editor.textCursor().hasSelection()):
            return
        self.suggestions = suggestions
        self.items = tuple(s.text for s in suggestions.items)
        self.index = 0
        self._shown_at = asked
        self._draw()
        self.shown.emit(suggestions)

    def _failed(self, error: Exception) -> None:
        self.error = str(error)

    # -- showing ------------------------------------------------------------------------------------------
    def _draw(self) -> None:
        text = self.items[self.index]
        note = f"{self.index + 1}/{len(self.items)}" if len(self.items) > 1 else ""
        if self.suggestions is not None and self.index < len(self.suggestions.items):
            source = self.suggestions.items[self.index].source
            if source.startswith("repeat "):
                note += f" · as {source.split()[1]} bars back"
        self.ghost.show_text(text, note + ("  Tab" if note else "Tab"))
        self.preview_changed.emit(Insertion(self.editor.textCursor().position(), text))

    def dismiss(self) -> None:
        if self.ghost.shown or self.items:
            self.items = ()
            self.suggestions = None
            self._shown_at = None
            self.ghost.clear()
            self.preview_changed.emit(None)
            self.dismissed.emit()

    def cycle(self, step: int) -> None:
        """Show the next (`step` 1) or the previous (-1) alternative."""
        if self.items:
            self.index = (self.index + step) % len(self.items)
            self._draw()

    def accept(self) -> str:
        """Put the whole suggestion in at the cursor, as one undo step; the next bar is asked for after the pause."""
        if not self.ghost.shown:
            return ""
        text = self.items[self.index]
        self.dismiss()
        self._insert(text)
        self.accepted.emit(text)
        return text

    def accept_note(self) -> str:
        """Put the suggestion's first note in (one undo step); the rest stays in grey."""
        if not self.ghost.shown:
            return ""
        text = self.items[self.index]
        taken, rest = text[:first_note(text)], text[first_note(text):]
        self._inserting = True
        try:
            self._insert(taken)
        finally:
            self._inserting = False
        self._revision += 1
        self.accepted.emit(taken)
        if rest.strip():
            self.items = (rest,)
            self.suggestions = None
            self.index = 0
            self._shown_at = self._here()
            self._draw()
        else:
            self.dismiss()
            self._restart()
        return taken

    def _insert(self, text: str) -> None:
        cursor = self.editor.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    # -- the editor's signals and keys ---------------------------------------------------------------------
    def _on_edit(self) -> None:
        if self._inserting:
            return
        self._revision += 1
        self.dismiss()
        self._restart()

    def _on_move(self) -> None:
        if self._inserting:
            return
        if self._shown_at is not None and self._shown_at != self._here():
            self.dismiss()
        if not self.ghost.shown:
            self._restart()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if watched is not self.editor or kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not self.ghost.shown:
            return False
        action = _key_action(event)  # type: ignore[arg-type]
        if action is None:
            return False
        event.accept()
        if kind == QEvent.Type.ShortcutOverride:
            return True  # the key comes to the editor, not to a menu shortcut
        if action == "accept":
            self.accept()
        elif action == "note":
            self.accept_note()
        elif action == "dismiss":
            self.dismiss()
        else:
            self.cycle(1 if action == "next" else -1)
        return True


def _key_action(event: QKeyEvent) -> str | None:
    """What a key does to a suggestion on show (None: the editor has it)."""
    key = event.key()
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    plain = modifiers == Qt.KeyboardModifier.NoModifier
    if key == Qt.Key.Key_Tab and plain:
        return "accept"
    if key == Qt.Key.Key_Escape and plain:
        return "dismiss"
    if key == Qt.Key.Key_Right and modifiers == Qt.KeyboardModifier.ControlModifier:
        return "note"
    if modifiers & Qt.KeyboardModifier.AltModifier and not modifiers & Qt.KeyboardModifier.ControlModifier:
        if key == Qt.Key.Key_BracketRight:
            return "next"
        if key == Qt.Key.Key_BracketLeft:
            return "previous"
    return None
