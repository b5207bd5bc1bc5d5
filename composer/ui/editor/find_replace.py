"""The find/replace bar under the editor: plain text or regular expression, match case, replace all."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QToolButton, QWidget


class FindReplaceBar(QWidget):
    """Searches an editor's document; hidden until Find or Replace is asked for."""

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.find_edit = QLineEdit(placeholderText="Find")
        self.replace_edit = QLineEdit(placeholderText="Replace with")
        self.case_box = QCheckBox("Aa")
        self.case_box.setToolTip("Match case")
        self.regex_box = QCheckBox(".*")
        self.regex_box.setToolTip("Regular expression")
        self.status = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.find_edit, 2)
        for text, tip, slot in (("↑", "Find previous (Shift+F3)", self.find_previous),
                                ("↓", "Find next (F3)", self.find_next)):
            layout.addWidget(_button(text, tip, slot))
        layout.addWidget(self.case_box)
        layout.addWidget(self.regex_box)
        layout.addWidget(self.replace_edit, 2)
        layout.addWidget(_button("Replace", "Replace this match and find the next", self.replace_one))
        layout.addWidget(_button("All", "Replace every match", self.replace_all))
        layout.addWidget(self.status)
        layout.addWidget(_button("✕", "Close (Esc)", self.hide))
        self.find_edit.returnPressed.connect(self.find_next)
        self.replace_edit.returnPressed.connect(self.replace_one)
        self.hide()

    def open(self, *, replace: bool) -> None:
        """Show the bar with the editor's selection as the search text."""
        selected = self.editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.find_edit.setText(selected)
        self.replace_edit.setVisible(True)
        self.show()
        (self.replace_edit if replace and self.find_edit.text() else self.find_edit).setFocus()
        self.find_edit.selectAll()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self.editor.setFocus()
            return
        super().keyPressEvent(event)

    def _pattern(self):
        if self.regex_box.isChecked():
            options = QRegularExpression.PatternOption.NoPatternOption
            if not self.case_box.isChecked():
                options = QRegularExpression.PatternOption.CaseInsensitiveOption
            return QRegularExpression(self.find_edit.text(), options)
        return self.find_edit.text()

    def _flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if self.case_box.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags

    def _find(self, backward: bool) -> bool:
        if not self.find_edit.text():
            return False
        doc = self.editor.document()
        found = doc.find(self._pattern(), self.editor.textCursor(), self._flags(backward))
        if found.isNull():  # wrap round
            start = QTextCursor(doc)
            if backward:
                start.movePosition(QTextCursor.MoveOperation.End)
            found = doc.find(self._pattern(), start, self._flags(backward))
        if found.isNull():
            self.status.setText("Not found")
            return False
        self.status.setText("")
        self.editor.setTextCursor(found)
        return True

    def find_next(self) -> bool:
        return self._find(backward=False)

    def find_previous(self) -> bool:
        return self._find(backward=True)

    def _selection_matches(self) -> bool:
        cursor = self.editor.textCursor()
        if not cursor.hasSelection():
            return False
        found = self.editor.document().find(self._pattern(), cursor.selectionStart(), self._flags())
        return not found.isNull() and (found.selectionStart(), found.selectionEnd()) == (
            cursor.selectionStart(), cursor.selectionEnd())

    def replace_one(self) -> None:
        if self._selection_matches():
            self.editor.textCursor().insertText(self._replacement(self.editor.textCursor().selectedText()))
        self.find_next()

    def _replacement(self, matched: str) -> str:
        if not self.regex_box.isChecked():
            return self.replace_edit.text()
        match = self._pattern().match(matched)
        text = self.replace_edit.text()
        for group in range(match.lastCapturedIndex(), -1, -1):
            text = text.replace(f"\\{group}", match.captured(group))
        return text

    def replace_all(self) -> int:
        """Replace every match as one undoable step; returns how many were replaced."""
        if not self.find_edit.text():
            return 0
        doc = self.editor.document()
        count = 0
        edit = QTextCursor(doc)
        edit.beginEditBlock()
        found = doc.find(self._pattern(), 0, self._flags())
        while not found.isNull():
            if found.selectionStart() == found.selectionEnd():  # an empty regex match: step over it
                found = doc.find(self._pattern(), found.selectionEnd() + 1, self._flags())
                continue
            found.insertText(self._replacement(found.selectedText()))
            count += 1
            found = doc.find(self._pattern(), found.position(), self._flags())
        edit.endEditBlock()
        self.status.setText(f"{count} replaced")
        return count


def _button(text: str, tip: str, slot) -> QToolButton:
    button = QToolButton(text=text, toolTip=tip)
    button.setAutoRaise(True)
    button.clicked.connect(slot)
    return button
