"""ABC syntax highlighting: fields, directives, comments, notes, bar lines, chord symbols, decorations."""

from __future__ import annotations

import re

from PySide6.QtGui import QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from composer.ui.theme import Theme, current_theme

FIELD_LINE = re.compile(r"^([A-Za-z+]):(.*)$")
DIRECTIVE = re.compile(r"^%%.*$")
COMMENT = re.compile(r"(?<!\\)%.*$")
INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]]*\]")
CHORD_SYMBOL = re.compile(r'"[^"]*"?')
DECORATION = re.compile(r"![^!\s]*!|\+[^+\s]*\+|[.~HLMOPSTuv](?=[\^_=A-Ga-g(\[{])")
BAR_LINE = re.compile(r"::|:*\[?\|+\]?:*(?:\s*\d+(?:[,-]\d+)*)?|\[\d+|\]")
NOTE = re.compile(r"[\^_=]*[A-Ga-g][,']*\d*/*\d*|[zxZ]\d*/*\d*")
TUPLET = re.compile(r"\(\d(?::\d*){0,2}|[{}]|[()<>-]")


class AbcHighlighter(QSyntaxHighlighter):
    """Colours one line of ABC at a time; call `set_theme` when the palette changes."""

    def __init__(self, document: QTextDocument, theme: Theme | None = None) -> None:
        super().__init__(document)
        self.set_theme(theme or current_theme())

    def set_theme(self, theme: Theme) -> None:
        """Use `theme`'s colours and re-highlight the whole document."""
        self.theme = theme
        self.formats = {
            "field_name": _format(theme.field_name, bold=True),
            "field_value": _format(theme.field_value),
            "directive": _format(theme.directive),
            "comment": _format(theme.comment, italic=True),
            "note": _format(theme.note),
            "bar": _format(theme.bar, bold=True),
            "chord": _format(theme.chord),
            "decoration": _format(theme.decoration),
            "tuplet": _format(theme.tuplet),
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        if DIRECTIVE.match(text):
            self.setFormat(0, len(text), self.formats["directive"])
            return
        field = FIELD_LINE.match(text)
        if field and not text.startswith("|"):
            self.setFormat(0, 2, self.formats["field_name"])
            self._comment(text, 2)
            value_end = self._comment_start(text, 2)
            self.setFormat(2, value_end - 2, self.formats["field_value"])
            return
        end = self._comment_start(text, 0)
        music = text[:end]
        taken = [False] * len(music)
        for kind, pattern in (("field_value", INLINE_FIELD), ("chord", CHORD_SYMBOL),
                              ("decoration", DECORATION), ("bar", BAR_LINE), ("note", NOTE),
                              ("tuplet", TUPLET)):
            for match in pattern.finditer(music):
                start, stop = match.span()
                if stop == start or any(taken[start:stop]):
                    continue
                taken[start:stop] = [True] * (stop - start)
                self.setFormat(start, stop - start, self.formats[kind])
        self._comment(text, 0)

    def _comment_start(self, text: str, start: int) -> int:
        in_quote = False
        previous = ""
        for index in range(start, len(text)):
            char = text[index]
            if char == '"':
                in_quote = not in_quote
            elif char == "%" and previous != "\\" and not in_quote:
                return index
            previous = char
        return len(text)

    def _comment(self, text: str, start: int) -> None:
        begin = self._comment_start(text, start)
        if begin < len(text):
            self.setFormat(begin, len(text) - begin, self.formats["comment"])


def _format(color, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(color)
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if italic:
        fmt.setFontItalic(True)
    return fmt
