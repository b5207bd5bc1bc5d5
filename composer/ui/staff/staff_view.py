"""The engraved staff: SVG pages in a zoomable, scrolling view; click a note to find its source; Space plays."""

from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView, QWidget

from composer.notation.engrave import EngravedTune, Symbol
from composer.notation.preview import Insertion
from composer.ui.theme import Theme, current_theme

ZOOM_MIN = 0.25
ZOOM_MAX = 6.0
ZOOM_STEP = 1.2
PAGE_GAP = 12.0
#: The narrowest page the staff reflows music to, and the step its width changes by (pixels).
REFLOW_MIN_WIDTH = 280
REFLOW_STEP = 40
_ROOT_COLOR = re.compile(r'(<svg\b[^>]*?\bcolor=")black(")', re.S)


class StaffView(QGraphicsView):
    """Shows an EngravedTune; emits `symbol_clicked` for a click on a note, rest, bar or grace group, and
    `play_pause_requested` for the Space key. `preview` is the suggestion to draw faint in the next engraving
    (None: the plain text); `preview_changed` asks for that engraving."""

    symbol_clicked = Signal(object)  # Symbol
    zoom_changed = Signal(float)
    play_pause_requested = Signal()
    reflow_width_changed = Signal(object)  # the page width to engrave at (int), or None for abcm2ps's page
    preview_changed = Signal(object)  # Insertion or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.theme = current_theme(self.palette())
        self.engraved: EngravedTune | None = None
        self.highlighted: Symbol | None = None
        self.zoom = 1.0
        self.fit_width = True
        self._page_offsets: list[float] = []
        self._renderers: list[QSvgRenderer] = []
        self._marker: QGraphicsRectItem | None = None
        self._announced_width: int | None = None
        self.preview: Insertion | None = None

    # -- content ------------------------------------------------------------------------------------
    def show_engraving(self, engraved: EngravedTune) -> None:
        """Replace the picture with `engraved` (an empty engraving is ignored: the last picture stays)."""
        if engraved.is_empty:
            return
        self.engraved = engraved
        self._rebuild()

    def set_preview(self, preview: Insertion | None) -> None:
        """Draw `preview` (text not yet in the editor, at a place in its text) faint from the next engraving on;
        None goes back to the text as written."""
        if preview != self.preview:
            self.preview = preview
            self.preview_changed.emit(preview)

    def clear(self) -> None:
        """Show nothing (a new document)."""
        self.engraved = None
        self.highlighted = None
        self._rebuild()

    def _rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self._marker = None
        self._renderers = []
        self._page_offsets = []
        if self.engraved is None:
            return
        top = 0.0
        ink = self.theme.ink.name()
        width = max(page.width for page in self.engraved.pages)
        for page in self.engraved.pages:
            svg = _ROOT_COLOR.sub(rf"\g<1>{ink}\g<2>", page.svg, count=1)
            renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")), self)
            self._renderers.append(renderer)
            paper = scene.addRect(QRectF(0, top, width, page.height), QPen(Qt.PenStyle.NoPen),
                                  QBrush(self.theme.paper))
            paper.setZValue(-1)
            item = QGraphicsSvgItem()
            item.setSharedRenderer(renderer)
            # Drawn once into a pixmap: moving the note mark repaints from it, not from the SVG.
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            item.setPos(0, top)
            scene.addItem(item)
            self._page_offsets.append(top)
            top += page.height + PAGE_GAP
        scene.setSceneRect(QRectF(0, 0, width, max(top - PAGE_GAP, 1.0)))
        if self.fit_width:
            self._fit()
        if self.highlighted is not None:
            self.highlight(self.highlighted)

    # -- highlight ----------------------------------------------------------------------------------
    def highlight(self, symbol: Symbol | None) -> None:
        """Mark `symbol` (None clears the mark) and scroll it into view."""
        self.highlighted = symbol
        if self._marker is not None:
            self.scene().removeItem(self._marker)
            self._marker = None
        if symbol is None or symbol.page >= len(self._page_offsets):
            return
        rect = QRectF(symbol.x - 1, symbol.y - 1 + self._page_offsets[symbol.page], symbol.width + 2,
                      symbol.height + 2)
        color = QColor(self.theme.note_highlight)
        self._marker = self.scene().addRect(rect, QPen(Qt.PenStyle.NoPen), QBrush(color))
        self._marker.setZValue(1)
        self.ensureVisible(rect, 24, 24)

    def marker_rect(self) -> QRectF | None:
        """The highlight's rectangle in scene coordinates, or None."""
        return self._marker.rect() if self._marker is not None else None

    def scene_point_of(self, symbol: Symbol) -> QPointF:
        """The centre of `symbol` in scene coordinates."""
        top = self._page_offsets[symbol.page]
        return QPointF(symbol.x + symbol.width / 2, symbol.y + symbol.height / 2 + top)

    def symbol_at_scene(self, point: QPointF) -> Symbol | None:
        """The music symbol at a scene point, if any."""
        if self.engraved is None:
            return None
        for page, top in enumerate(self._page_offsets):
            height = self.engraved.pages[page].height
            if top <= point.y() <= top + height:
                return self.engraved.symbol_at(page, point.x(), point.y() - top)
        return None

    # -- input --------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            symbol = self.symbol_at_scene(self.mapToScene(event.position().toPoint()))
            if symbol is not None:
                self.highlight(symbol)
                self.symbol_clicked.emit(symbol)
                event.accept()
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Space and not event.modifiers() and not event.isAutoRepeat():
            self.play_pause_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * (ZOOM_STEP ** steps))
            event.accept()
            return
        super().wheelEvent(event)

    # -- zoom and theme -----------------------------------------------------------------------------
    def set_fit_width(self, fit: bool) -> None:
        """Keep the picture as wide as the view (until the zoom is set by hand): the music is reflowed to the
        view's width at about its own size, so it stays readable in a narrow pane."""
        self.fit_width = fit
        if fit:
            self._fit()
        self._announce_reflow_width()

    def reflow_width(self) -> int | None:
        """The page width (pixels) to engrave at: the view's, in steps, while fitting the width; else None."""
        if not self.fit_width:
            return None
        margin = self.verticalScrollBar().sizeHint().width() + 4
        width = max(self.viewport().width() - margin, REFLOW_MIN_WIDTH)
        return width - width % REFLOW_STEP

    def _announce_reflow_width(self) -> None:
        width = self.reflow_width()
        if width != self._announced_width:
            self._announced_width = width
            self.reflow_width_changed.emit(width)

    def _fit(self) -> None:
        width = self.scene().sceneRect().width()
        if width > 1:
            margin = self.verticalScrollBar().sizeHint().width() + 4
            self._apply_zoom(max(self.viewport().width() - margin, 50) / width)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.fit_width:
            self._fit()
            self._announce_reflow_width()

    def set_zoom(self, zoom: float) -> None:
        """Scale the picture (1.0 = abcm2ps's own size), within sensible limits; stops fitting the width."""
        self.fit_width = False
        self._apply_zoom(zoom)
        self._announce_reflow_width()

    def _apply_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, ZOOM_MIN), ZOOM_MAX)
        self.zoom = zoom
        self.resetTransform()
        self.scale(zoom, zoom)
        self.zoom_changed.emit(zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_to_width(self) -> None:
        self.set_fit_width(True)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def zoom_reset(self) -> None:
        self.set_zoom(1.0)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundBrush(QBrush(self.palette().color(self.palette().ColorRole.Window)))
        self._rebuild()
