"""Colours for highlighting, diagnostics and the staff, derived from the current light or dark palette."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette


@dataclass(frozen=True)
class Theme:
    """The colours the editor and staff use; one instance per palette."""

    dark: bool
    field_name: QColor
    field_value: QColor
    directive: QColor
    comment: QColor
    note: QColor
    bar: QColor
    chord: QColor
    decoration: QColor
    tuplet: QColor
    error: QColor
    warning: QColor
    current_line: QColor
    note_highlight: QColor
    paper: QColor
    ink: QColor
    line_number: QColor


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether `palette` (default: the application's) draws light text on a dark window."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < palette.color(
        QPalette.ColorRole.WindowText).lightness()


def current_theme(palette: QPalette | None = None) -> Theme:
    """The theme matching `palette` (default: the application's)."""
    palette = palette or QGuiApplication.palette()
    dark = is_dark(palette)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
    highlight.setAlpha(90)
    current_line = QColor(text)
    current_line.setAlpha(18)
    muted = QColor(text)
    muted.setAlpha(120)
    if dark:
        return Theme(True, QColor("#7fb4ff"), QColor("#e6c07b"), QColor("#c678dd"), QColor("#7f8c8d"),
                     text, QColor("#56b6c2"), QColor("#98c379"), QColor("#e5a55c"), QColor("#d19a66"),
                     QColor("#ff6b6b"), QColor("#e5c07b"), current_line, highlight, base, text, muted)
    return Theme(False, QColor("#1f4fa8"), QColor("#8a5a00"), QColor("#8e3ea8"), QColor("#6a737d"),
                 text, QColor("#007b83"), QColor("#2e7d32"), QColor("#b35900"), QColor("#a0522d"),
                 QColor("#d32f2f"), QColor("#c77800"), current_line, highlight, QColor("white"),
                 QColor("black"), muted)


#: The appearance choices of View → Theme: follow the system, or always light, or always dark.
THEME_CHOICES = ("system", "light", "dark")

_DARK_ROLES = {
    QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e0e0e0",
    QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#262626",
    QPalette.ColorRole.Text: "#e0e0e0", QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e0e0e0", QPalette.ColorRole.Highlight: "#3d6fb4",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#353535",
    QPalette.ColorRole.ToolTipText: "#e0e0e0", QPalette.ColorRole.Link: "#7fb4ff",
    QPalette.ColorRole.PlaceholderText: "#8a8a8a", QPalette.ColorRole.BrightText: "#ff6b6b",
}
_LIGHT_ROLES = {
    QPalette.ColorRole.Window: "#efefef", QPalette.ColorRole.WindowText: "#1a1a1a",
    QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f5f5f5",
    QPalette.ColorRole.Text: "#1a1a1a", QPalette.ColorRole.Button: "#efefef",
    QPalette.ColorRole.ButtonText: "#1a1a1a", QPalette.ColorRole.Highlight: "#3d6fb4",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#ffffdc",
    QPalette.ColorRole.ToolTipText: "#1a1a1a", QPalette.ColorRole.Link: "#1f4fa8",
    QPalette.ColorRole.PlaceholderText: "#808080", QPalette.ColorRole.BrightText: "#d32f2f",
}


def palette_for(choice: str) -> QPalette:
    """The palette a window sets for a theme choice; for "system", an empty one (the window follows the
    application's palette, which follows the system)."""
    if choice not in ("light", "dark"):
        return QPalette()
    palette = QPalette()
    for role, color in (_DARK_ROLES if choice == "dark" else _LIGHT_ROLES).items():
        palette.setColor(role, QColor(color))
    return palette
