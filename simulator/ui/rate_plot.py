"""A small strip under the loss chart: the learning-rate schedule's curve over the epochs, the
current epoch marked on it, and the current rate in words. Hidden while the rate is constant."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..app.rate_schedule import curve_epochs, rate_curve, schedule_words
from ..app.scenario import TrainingSpec

RATE_COLOR = "#7a5195"
STRIP_HEIGHT = 72


class RatePlot(QWidget):
    """set_training(training) draws its schedule's rates (app/rate_schedule.py gives them);
    show_rate(rate, epoch) marks the epoch under way and says its rate, as the trainer reports
    it. Nothing shows without a schedule."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._training: TrainingSpec | None = None
        self._epochs = 0
        self.caption = QLabel()
        self.caption.setToolTip(
            "The learning rate each epoch trains at under the schedule; the dot is the epoch "
            "under way. The rate changes only at the end of an epoch."
        )
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        self.plot = pg.PlotWidget(background=base)
        self.plot.setFixedHeight(STRIP_HEIGHT)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.layout.setContentsMargins(2, 2, 2, 2)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        item.getAxis("left").setWidth(44)
        # Each epoch's rate holds for the whole epoch: drawn as steps from epoch e to e + 1.
        self.curve = pg.PlotDataItem(pen=pg.mkPen(RATE_COLOR, width=1), stepMode="center")
        self.marker = pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(RATE_COLOR), symbol="o")
        item.addItem(self.curve)
        item.addItem(self.marker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot)
        self.setVisible(False)

    def set_training(self, training: TrainingSpec) -> None:
        """Draw `training`'s schedule from epoch 0 (or hide the strip without one)."""
        if training == self._training:
            return
        self._training = training
        self._epochs = 0
        self.setVisible(training.schedule is not None)
        if training.schedule is not None:
            self._draw(0)

    def show_rate(self, rate: float | None, epoch: int) -> None:
        """Mark epoch `epoch` (0-based, the one under way) and say its `rate`."""
        training = self._training
        if training is None or training.schedule is None or rate is None:
            return
        if epoch >= self._epochs:
            self._draw(epoch)
        self.marker.setData([epoch + 0.5], [rate])
        words = schedule_words(training.schedule)
        text = f"learning rate {rate:.4g} in epoch {epoch + 1:,} · {words}"
        if text != self.caption.text():
            self.caption.setText(text)

    def _draw(self, epoch: int) -> None:
        training = self._training
        self._epochs = curve_epochs(training.schedule, epoch)
        rates = rate_curve(training, self._epochs)
        self.curve.setData(np.arange(self._epochs + 1, dtype=float), rates)
        item = self.plot.getPlotItem()
        item.setXRange(0, self._epochs, padding=0.01)
        top = float(rates.max()) if rates.size else 1.0
        top = top if top > 0 else 1.0
        item.setYRange(0.0, top, padding=0.08)
        # Two ticks only: the strip is too low for more to be read.
        item.getAxis("left").setTicks([[(0.0, "0"), (top, f"{top:.3g}")]])
