"""The check job: the checker's diagnostics for the whole tunebook as the editor's Problems (runs in a worker
thread; the window underlines them in the editor and lists them in the Problems panel)."""

from __future__ import annotations

from composer.notation.engrave import engrave_svg
from composer.ui.editor.editor import Problem

#: The most problems underlined and listed at once (a long, messy tunebook can have thousands).
MAX_SHOWN_PROBLEMS = 1000


def check_tunebook(text: str, path: str | None) -> list[Problem]:
    """The checker's diagnostics for `text` (runs in a worker thread); the engraver's errors as a fallback."""
    try:
        from composer.abc.checker import check_text
    except ModuleNotFoundError as exc:
        if exc.name != "composer.abc.checker":
            raise
        return [Problem(m.severity, m.message, m.line, m.column) for m in engrave_svg(text).messages]
    return [Problem(d.severity, d.message, d.line or 1, d.column or 1) for d in check_text(text, path)]
