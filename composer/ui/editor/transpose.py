"""Edit → Transpose: the selection, or the tune under the cursor, by semitones, in the editor as one undoable
step (composer.abc.transpose does the music)."""

from __future__ import annotations

from composer.abc.transpose import transpose_fragment, transpose_tune
from composer.abc.tunebook import read_string
from composer.ui.editor.editor import AbcEditor


def describe_interval(semitones: int) -> str:
    """`+1 semitone`, `-3 semitones`, `an octave up`, as a person says it."""
    if abs(semitones) == 12:
        return "an octave up" if semitones > 0 else "an octave down"
    return f"{semitones:+d} semitone{'' if abs(semitones) == 1 else 's'}"


def transpose(editor: AbcEditor, semitones: int) -> str | None:
    """Transpose the editor's selection (or the tune under the cursor) by `semitones`, as one undoable step;
    what to say in the status bar, None when there was nothing to transpose."""
    cursor = editor.textCursor()
    book = read_string(editor.toPlainText())
    if cursor.hasSelection():
        line = editor.document().findBlock(cursor.selectionStart()).blockNumber() + 1
        tune = book.tune_at_line(line)
        selected = cursor.selectedText().replace("\u2029", "\n")
        result = transpose_fragment(selected, semitones, (tune.key if tune else None) or "C")
        start = cursor.selectionStart()
        cursor.insertText(result)
        cursor.setPosition(start)
        cursor.setPosition(start + len(result), cursor.MoveMode.KeepAnchor)
        editor.setTextCursor(cursor)
    else:
        tune = book.tune_at_line(cursor.blockNumber() + 1)
        if tune is None:
            return None
        line, column = editor.cursor_place()
        transposed = transpose_tune(tune.text(), semitones).rstrip("\n")
        editor.replace_lines(tune.line, tune.end_line, transposed)
        editor.go_to(line, column)
    return f"Transposed by {describe_interval(semitones)}"
