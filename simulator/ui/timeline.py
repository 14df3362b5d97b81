"""The learning curves as a timeline: a cursor on the chart and a slider under it over the run's
checkpoints, "Continue from here", and the futures a branch abandoned drawn faded."""

from __future__ import annotations

import bisect

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from ..app.experiments.branches import Branches
from ..app.experiments.viewing import Viewing
from . import palette
from .loss_plot import LossPlot
from .training_keys import OWNS_ARROWS

# The live end follows training at the pace the curves are redrawn at, not at every frame: moving
# the cursor repaints the chart.
LIVE_FOLLOW_MS = 100
# The slider's own keys: with the focus on it, ← and → move between checkpoints rather than train.
SLIDER_KEYS = frozenset(
    {
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
    }
)


def viewing_text(viewing: Viewing) -> str:
    """The counter's words while the past is on show, e.g. "viewing epoch 40 of 120 · step
    1,200"."""
    return f"viewing epoch {viewing.epoch:,} of {viewing.live_epoch:,} · step {viewing.step:,}"


def stops(checkpoint_epochs: tuple[int, ...], live_epoch: int) -> list[int]:
    """The epochs the timeline can stand at, in order: every checkpoint before the live epoch,
    then the live epoch (the run as it is), which is always the last."""
    before = [epoch for epoch in checkpoint_epochs if epoch < live_epoch]
    return [*before, live_epoch]


class TimelineSlider(QSlider):
    """A horizontal slider that keeps ←, →, Home, End and the page keys while it has the focus:
    they would otherwise be the window's training shortcuts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setProperty(OWNS_ARROWS, True)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and Qt.Key(event.key()) in SLIDER_KEYS:
            event.accept()
            return True
        return super().event(event)


class Timeline(QWidget):
    """The bar under the learning curves and the cursor on them.

    Fed by the controller: set_checkpoints(epochs), set_live_epoch(epoch), set_viewing(Viewing or
    None) and set_branches(Branches). Emits `epoch_chosen` with the epoch to show (None: the live
    end) when the learner drags the cursor or moves the slider; `continue_button` is shown while
    the past is on show (the window gives it its action)."""

    epoch_chosen = Signal(object)  # int, or None for the run as it is

    def __init__(self, loss_plot: LossPlot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = loss_plot
        self._checkpoints: tuple[int, ...] = ()
        self._live_epoch = 0
        self._pending_live = 0
        self._stops: list[int] = [0]
        self._viewing: Viewing | None = None
        self._updating = False
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._since_follow = QElapsedTimer()
        self._live_timer.timeout.connect(self._on_live_timer_timeout)

        self.slider = TimelineSlider()
        self.slider.setMinimumWidth(80)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setToolTip(
            "The run's checkpoints: move back to see the network as it was then (← → when the "
            "slider has the focus); the right end is the run as it is"
        )
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.label = QLabel()
        self.label.setMinimumWidth(0)
        self.continue_button = QToolButton()
        self.continue_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.continue_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.continue_button)

        item = loss_plot.plot_item
        # Behind the live curves (negative z): the abandoned futures are context, not the run.
        self.abandoned_curves: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        self.branch_marks: list[pg.InfiniteLine] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=True)
        self.cursor.setZValue(20)
        self.cursor.setCursor(Qt.CursorShape.SizeHorCursor)
        self.cursor.sigPositionChanged.connect(self._on_cursor_position_changed)
        self.cursor.sigPositionChangeFinished.connect(self._on_cursor_position_change_finished)
        item.addItem(self.cursor, ignoreBounds=True)
        self._style_cursor()
        self._write_label()

    # ----- fed by the controller ----------------------------------------------------------------

    @Slot(object)
    def set_checkpoints(self, epochs: tuple[int, ...]) -> None:
        """The epochs the run keeps checkpoints at, oldest first."""
        self._checkpoints = tuple(epochs)
        self._rebuild_stops()

    def set_live_epoch(self, epoch: int) -> None:
        """The epoch the run stands at; followed at most every LIVE_FOLLOW_MS while training
        moves it on, at once when it went back (a branch, a Reset)."""
        self._pending_live = epoch
        if epoch == self._live_epoch:
            self._live_timer.stop()
            return
        since = self._since_follow.elapsed() if self._since_follow.isValid() else None
        if epoch < self._live_epoch or since is None or since >= LIVE_FOLLOW_MS:
            self._live_timer.stop()
            self._on_live_timer_timeout()
            return
        if not self._live_timer.isActive():
            self._live_timer.start(LIVE_FOLLOW_MS - since)

    @Slot(object)
    def set_viewing(self, viewing: Viewing | None) -> None:
        """The checkpoint on show (None: the run as it is): the cursor and slider go there."""
        self._viewing = viewing
        if viewing is not None:
            self._live_epoch = viewing.live_epoch
            self._live_timer.stop()
            self._rebuild_stops(viewing.epoch)
        else:
            self._rebuild_stops(self._live_epoch)
        self.continue_button.setVisible(viewing is not None)
        self._style_cursor()
        self._write_label()

    @Slot(object)
    def set_branches(self, branches: Branches) -> None:
        """Draw each abandoned future faded and dashed, behind the run's own curves."""
        item = self.loss_plot.plot_item
        for curves in self.abandoned_curves:
            for curve in curves:
                item.removeItem(curve)
        for mark in self.branch_marks:
            item.removeItem(mark)
        self.abandoned_curves = []
        self.branch_marks = []
        fit_x, fit_y = [], []
        for future in branches:
            pair = []
            for colour, style, losses in (
                (palette.ABANDONED_TRAIN, Qt.PenStyle.DashLine, future.train_loss),
                (palette.ABANDONED_TEST, Qt.PenStyle.DotLine, future.test_loss),
            ):
                curve = pg.PlotDataItem(
                    pen=pg.mkPen(colour, width=1, style=style), connect="finite"
                )
                # No clipping to the view: at most a history's points each, and pyqtgraph's
                # clipping asks a view box the item no longer has once it is taken off again.
                curve.setZValue(-10)
                if not np.isnan(losses).all():
                    curve.setData(future.epochs, losses)
                    fit_x.append(future.epochs)
                    fit_y.append(losses)
                item.addItem(curve)
                pair.append(curve)
            tip = f"What the run did after epoch {future.branched_at} before it branched there"
            for curve in pair:
                curve.setToolTip(tip)
            self.abandoned_curves.append((pair[0], pair[1]))
            # Where the faded curve parts from the live one, said in words at the top of the
            # chart: the faded lines alone do not say what they are.
            mark = pg.InfiniteLine(
                future.branched_at,
                angle=90,
                movable=False,
                pen=pg.mkPen(palette.BRANCH_MARK, width=1, style=Qt.PenStyle.DashLine),
                label="branched at {value:.0f}",
                # Two anchors, as pyqtgraph picks one by the view's side: the words hang right of
                # the line's top either way.
                labelOpts={
                    "position": 0.96,
                    "color": palette.BRANCH_MARK,
                    "anchors": [(0, 0), (0, 0)],
                },
            )
            mark.setZValue(-5)
            mark.setToolTip(tip)
            item.addItem(mark, ignoreBounds=True)
            self.branch_marks.append(mark)
        if fit_x:
            self.loss_plot.also_fit(np.concatenate(fit_x), np.concatenate(fit_y))
        else:
            self.loss_plot.also_fit(np.zeros(0), np.zeros(0))

    # ----- asked by tests and the window --------------------------------------------------------

    def stops(self) -> list[int]:
        """The epochs the slider stands at, the live end last."""
        return list(self._stops)

    def shown_epoch(self) -> int | None:
        """The epoch the slider stands at, None at the live end."""
        index = self.slider.value()
        return None if index >= len(self._stops) - 1 else self._stops[index]

    def choose(self, epoch: int | None) -> None:
        """Move to the stop nearest `epoch` (None: the live end), as the learner would."""
        index = len(self._stops) - 1 if epoch is None else self._nearest_index(epoch)
        if index == self.slider.value():
            self._on_slider_value_changed(index)
        else:
            self.slider.setValue(index)

    def changeEvent(self, event) -> None:
        # The line on the chart is not a child widget: it follows the bar's enabled state (off
        # while a step is walked through, whose numbers belong to the run as it is).
        if event.type() == QEvent.Type.EnabledChange:
            self.cursor.setMovable(self.isEnabled())
        super().changeEvent(event)

    # ----- internals ----------------------------------------------------------------------------

    @Slot()
    def _on_live_timer_timeout(self) -> None:
        self._since_follow.start()
        self._live_epoch = self._pending_live
        if self._viewing is None:
            self._rebuild_stops(self._live_epoch)

    def _rebuild_stops(self, at: int | None = None) -> None:
        """Lay the slider over the stops again and stand at `at` (default: where it stood)."""
        shown = self.shown_epoch() if at is None else at
        self._stops = stops(self._checkpoints, self._live_epoch)
        index = len(self._stops) - 1 if shown is None else self._nearest_index(shown)
        self._updating = True
        try:
            self.slider.setRange(0, len(self._stops) - 1)
            self.slider.setValue(index)
            self.cursor.setValue(self._stops[index])
        finally:
            self._updating = False
        self.slider.setEnabled(len(self._stops) > 1)
        self._write_label()

    def _nearest_index(self, epoch: float) -> int:
        index = bisect.bisect_left(self._stops, epoch)
        if index >= len(self._stops):
            return len(self._stops) - 1
        if index and epoch - self._stops[index - 1] <= self._stops[index] - epoch:
            return index - 1
        return index

    @Slot(int)
    def _on_slider_value_changed(self, index: int) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self.cursor.setValue(self._stops[index])
        finally:
            self._updating = False
        self.epoch_chosen.emit(self.shown_epoch())
        self._write_label()

    @Slot(object)
    def _on_cursor_position_changed(self, _line) -> None:
        if self._updating:
            return
        # Snapped to the nearest checkpoint as it is dragged: what shows is always a kept moment.
        index = self._nearest_index(self.cursor.value())
        if index != self.slider.value():
            self.slider.setValue(index)

    @Slot(object)
    def _on_cursor_position_change_finished(self, _line) -> None:
        self._updating = True
        try:
            self.cursor.setValue(self._stops[self.slider.value()])
        finally:
            self._updating = False

    def _style_cursor(self) -> None:
        past = self._viewing is not None
        colour = palette.TIMELINE_CURSOR if past else palette.TIMELINE_LIVE
        style = Qt.PenStyle.SolidLine if past else Qt.PenStyle.DotLine
        self.cursor.setPen(pg.mkPen(colour, width=2 if past else 1, style=style))
        self.cursor.setHoverPen(pg.mkPen(palette.TIMELINE_CURSOR, width=3))

    def _write_label(self) -> None:
        if self._viewing is not None:
            self.label.setText(f"epoch {self._viewing.epoch:,} of {self._viewing.live_epoch:,}")
            self.label.setToolTip(
                "The network as it was at the end of this epoch. Play goes on with the run as "
                "it is; Continue from here trains on from this epoch instead."
            )
        else:
            count = len(self._checkpoints)
            self.label.setText("live")
            self.label.setToolTip(
                f"The run as it is. {count:,} checkpoint{'s' if count != 1 else ''} kept to look "
                "back at: drag the line on the chart or move the slider."
            )
