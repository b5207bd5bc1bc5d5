"""Live training plots: loss (smoothed training, validation per evaluation) and chars/s, drawn at ~10 Hz.

Each curve is created once; events append to growing numpy buffers and a timer hands the buffers to `setData`
only when something changed, so a fast stream of steps costs the UI one redraw per tick, not one per step.
This module imports pyqtgraph: import it only when a plot is about to be shown.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

REFRESH_MS = 100
SMOOTHING = 0.9


class GrowingSeries:
    """x, y points in numpy buffers that double when full; `x`/`y` are views of the points so far."""

    def __init__(self, capacity: int = 1024) -> None:
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.count = 0

    def append(self, x: float, y: float) -> None:
        if self.count == len(self._x):
            self._x = np.concatenate([self._x, np.empty_like(self._x)])
            self._y = np.concatenate([self._y, np.empty_like(self._y)])
        self._x[self.count] = x
        self._y[self.count] = y
        self.count += 1

    def clear(self) -> None:
        self.count = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.count]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.count]


class ExponentialSmoother:
    """An exponential moving average with bias correction, so the first values are not pulled to zero."""

    def __init__(self, weight: float = SMOOTHING) -> None:
        self.weight = weight
        self._average = 0.0
        self._count = 0

    def add(self, value: float) -> float:
        self._count += 1
        self._average = self.weight * self._average + (1 - self.weight) * value
        return self._average / (1 - self.weight ** self._count)

    def reset(self) -> None:
        self._average = 0.0
        self._count = 0


class TrainingPlots(QWidget):
    """Loss per step (training smoothed, validation per evaluation) over chars/s, sharing the step axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.loss_plot = pg.PlotWidget(background=background)
        self.speed_plot = pg.PlotWidget(background=background)
        for plot in (self.loss_plot, self.speed_plot):
            item = plot.getPlotItem()
            item.showGrid(x=True, y=True, alpha=0.25)
            for axis in ("left", "bottom"):
                item.getAxis(axis).setPen(foreground)
                item.getAxis(axis).setTextPen(foreground)
        loss_item = self.loss_plot.getPlotItem()
        loss_item.setLabel("left", "loss", units="nats/char")
        loss_item.addLegend(offset=(-10, 10), labelTextColor=foreground)
        speed_item = self.speed_plot.getPlotItem()
        speed_item.setLabel("left", "chars/s")
        speed_item.setLabel("bottom", "step")
        self.speed_plot.setXLink(self.loss_plot)
        self.speed_plot.setMaximumHeight(150)

        self.train = GrowingSeries()
        self.validation = GrowingSeries(64)
        self.speed = GrowingSeries()
        self.smoother = ExponentialSmoother()
        self.train_curve = self.loss_plot.plot(name="training (smoothed)", pen=pg.mkPen("#3b82f6", width=2))
        self.validation_curve = self.loss_plot.plot(
            name="validation", pen=pg.mkPen("#f97316", width=2), symbol="o", symbolSize=7,
            symbolBrush="#f97316", symbolPen=None)
        self.speed_curve = self.speed_plot.plot(pen=pg.mkPen("#10b981", width=1.5))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.speed_plot, 1)

        self._dirty = False
        self.refreshes = 0
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def add_step(self, step: int, loss: float, chars_per_second: float) -> None:
        self.train.append(step, self.smoother.add(loss))
        self.speed.append(step, chars_per_second)
        self._dirty = True

    def add_evaluation(self, step: int, nats_per_char: float) -> None:
        self.validation.append(step, nats_per_char)
        self._dirty = True

    def clear(self) -> None:
        for series in (self.train, self.validation, self.speed):
            series.clear()
        self.smoother.reset()
        self._dirty = True
        self.refresh()

    def refresh(self) -> None:
        """Hand the buffers to the curves if anything changed since the last tick."""
        if not self._dirty:
            return
        self._dirty = False
        self.refreshes += 1
        self.train_curve.setData(self.train.x, self.train.y)
        self.validation_curve.setData(self.validation.x, self.validation.y)
        self.speed_curve.setData(self.speed.x, self.speed.y)

    def shown_points(self) -> dict[str, int]:
        """How many points each curve draws now (what a person sees)."""
        def count(curve) -> int:
            x, _ = curve.getData()
            return 0 if x is None else len(x)

        return {"training": count(self.train_curve), "validation": count(self.validation_curve),
                "chars/s": count(self.speed_curve)}
