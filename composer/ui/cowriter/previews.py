"""Candidates' small engraved previews: drawn in a worker thread, scheduled so a streaming one is redrawn seldom."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from composer.notation.engrave import engrave_svg
from composer.ui.jobs import NewestOnly

if TYPE_CHECKING:
    from composer.ui.cowriter.batches import Batch, Candidate

PREVIEW_LANE = "preview"
#: A streaming candidate's preview is engraved again at most this often.
PREVIEW_INTERVAL_MS = 600
#: Format lines put before a preview so it engraves narrow and tight.
PREVIEW_FORMAT = ("%%pagewidth 19cm\n%%leftmargin 0.3cm\n%%rightmargin 0.3cm\n%%topspace 0\n%%musicspace 0\n"
                  "%%staffsep 1.3cm\n%%composerspace 0\n")
_ROOT_COLOR = re.compile(r'(<svg\b[^>]*?\bcolor=")black(")', re.S)


@dataclass(frozen=True)
class Preview:
    """A candidate's engraving as an image, for the text it was made from (`length` characters)."""

    image: QImage | None
    length: int
    message: str = ""


@dataclass(frozen=True)
class PreviewLook:
    """How previews are drawn: this many device pixels wide, in these colours (`#rrggbb`)."""

    pixels: int
    ink: str
    paper: str


def render_preview(text: str, width: int, ink: str = "#000000", paper: str = "#ffffff",
                   length: int = 0) -> Preview:
    """Engrave ABC `text` small and draw its first picture `width` pixels wide (runs in a worker thread)."""
    engraved = engrave_svg(PREVIEW_FORMAT + text)
    if engraved.is_empty:
        message = engraved.messages[0].message if engraved.messages else "nothing to draw yet"
        return Preview(None, length, message)
    page = engraved.pages[0]
    svg = _ROOT_COLOR.sub(rf"\g<1>{ink}\g<2>", page.svg, count=1)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    height = max(1, round(page.height * width / max(page.width, 1.0)))
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(paper))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return Preview(image, length)


class PreviewScheduler(QObject):
    """Engraves the shown batch's candidates one at a time in the `preview` lane: finished ones first, a streaming
    one at most every PREVIEW_INTERVAL_MS. `drawn(batch, index, preview)` says a candidate has a new picture; a
    half-written bar that can't be drawn keeps the last one."""

    drawn = Signal(object, int, object)  # Batch, candidate index, Preview

    def __init__(self, jobs: NewestOnly, look: Callable[[], PreviewLook], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._look = look
        self.batch: Batch | None = None
        self._pending: tuple[Batch, int, int] | None = None  # batch, candidate index, length engraved
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.engrave_next)
        jobs.on(PREVIEW_LANE, result=self._take, failed=self._on_failed)

    def show(self, batch: Batch) -> None:
        """Draw the candidates of `batch` from now on (a picture under way for another batch is still kept)."""
        self.batch = batch
        self.engrave_next()

    def engrave_next(self) -> None:
        """Send the most deserving candidate of the shown batch to be engraved, if none is being engraved."""
        if self._pending is not None or self.batch is None:
            return
        batch = self.batch
        now = time.monotonic()
        wait_ms: float | None = None
        chosen: Candidate | None = None
        for candidate in sorted(batch.candidates, key=lambda c: (not c.finished, c.engraved_at)):
            if not candidate.text or candidate.engraved_length == len(candidate.text):
                continue
            ready_in = (candidate.engraved_at + PREVIEW_INTERVAL_MS / 1000 - now) * 1000
            if candidate.finished or ready_in <= 0:
                chosen = candidate
                break
            wait_ms = ready_in if wait_ms is None else min(wait_ms, ready_in)
        if chosen is None:
            if wait_ms is not None:
                self._timer.start(max(10, int(wait_ms)))
            return
        chosen.engraved_length = len(chosen.text)
        chosen.engraved_at = now
        self._pending = (batch, chosen.index, len(chosen.text))
        look = self._look()
        self._jobs.submit(PREVIEW_LANE, render_preview, batch.plan.preview_text(chosen.text), look.pixels,
                          look.ink, look.paper, len(chosen.text))

    def _on_failed(self, error: Exception) -> None:
        pending = self._pending
        self._take(Preview(None, pending[2] if pending else 0, str(error)))

    def _take(self, preview: Preview | None) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and preview is not None:
            batch, index, _length = pending
            if index < len(batch.candidates):
                candidate = batch.candidates[index]
                if preview.length <= len(candidate.text) and (candidate.preview is None
                                                              or candidate.preview.length <= preview.length):
                    keep_old = preview.image is None and candidate.preview is not None \
                        and candidate.preview.image is not None and not candidate.finished
                    if not keep_old:  # a half-written bar that can't be drawn keeps the last picture
                        candidate.preview = preview
                        self.drawn.emit(batch, index, preview)
        self.engrave_next()
