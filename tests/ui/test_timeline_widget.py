"""The timeline bar and its marks on the learning curves, alone: stops over the checkpoints with the
live end last, a snapped cursor, and abandoned futures drawn faded and taken in by the ranges."""

import numpy as np
import pytest

from simulator.app.experiments.branches import MAX_FUTURES, AbandonedFuture, Branches
from simulator.app.experiments.viewing import Viewing
from simulator.app.history import History
from simulator.ui import palette
from simulator.ui.loss_plot import LossPlot
from simulator.ui.timeline import Timeline, stops, viewing_text


@pytest.fixture
def timeline(qtbot):
    plot = LossPlot(redraw_interval_ms=0)
    qtbot.addWidget(plot)
    bar = Timeline(plot)
    qtbot.addWidget(bar)
    history = History()
    for epoch in range(1, 11):
        history.append(epoch, 1.0 / epoch, 1.2 / epoch, None, None)
    plot.set_history(history)
    bar.set_checkpoints(tuple(range(11)))
    bar.set_live_epoch(10)
    qtbot.waitUntil(lambda: bar.stops()[-1] == 10)
    return bar


def test_stops_are_the_checkpoints_before_the_live_epoch_then_the_live_end():
    assert stops((0, 2, 4, 6), 5) == [0, 2, 4, 5]
    assert stops((0, 2, 4), 4) == [0, 2, 4]
    assert stops((), 7) == [7]


def test_moving_the_slider_asks_for_that_epoch_and_its_end_for_live(qtbot, timeline):
    with qtbot.waitSignal(timeline.epoch_chosen) as blocker:
        timeline.slider.setValue(4)
    assert blocker.args == [4]
    assert timeline.cursor.value() == 4
    with qtbot.waitSignal(timeline.epoch_chosen) as blocker:
        timeline.slider.setValue(timeline.slider.maximum())
    assert blocker.args == [None]


def test_the_cursor_snaps_to_the_nearest_checkpoint(qtbot, timeline):
    timeline.set_checkpoints((0, 4, 8))
    with qtbot.waitSignal(timeline.epoch_chosen) as blocker:
        timeline.cursor.setValue(5.5)
    assert blocker.args == [4]
    timeline.cursor.sigPositionChangeFinished.emit(timeline.cursor)
    assert timeline.cursor.value() == 4


def test_viewing_shows_the_continue_button_and_says_which_epoch(qtbot, timeline):
    timeline.show()
    viewing = Viewing(epoch=3, step=30, live_epoch=10, live_step=100)
    timeline.set_viewing(viewing)
    assert timeline.continue_button.isVisible()
    assert timeline.label.text() == "epoch 3 of 10"
    assert timeline.shown_epoch() == 3
    assert viewing_text(viewing) == "viewing epoch 3 of 10 · step 30"
    timeline.set_viewing(None)
    assert not timeline.continue_button.isVisible()
    assert timeline.label.text() == "live"
    assert timeline.shown_epoch() is None


def _future(history_epochs: int, at: int) -> AbandonedFuture:
    history = History()
    for epoch in range(1, history_epochs + 1):
        history.append(epoch, 5.0 / epoch, 6.0 / epoch, None, None)
    return AbandonedFuture.from_history(history, at)


def test_abandoned_futures_are_drawn_faded_marked_and_kept_in_range(qtbot, timeline):
    branches = Branches()
    branches.add(_future(30, 4))  # went on to epoch 30: further than the live run's 10
    timeline.set_branches(branches)
    ((train, test),) = timeline.abandoned_curves
    x, _y = train.getData()
    assert (x[0], x[-1]) == (4, 30)
    assert train.opts["pen"].color().name().upper() == palette.ABANDONED_TRAIN
    assert test.opts["pen"].color().name().upper() == palette.ABANDONED_TEST
    (mark,) = timeline.branch_marks
    assert mark.value() == 4
    (_low, high), _ = timeline.loss_plot.plot_item.viewRange()
    assert high >= 30  # the faded future stays in sight
    branches.clear()
    timeline.set_branches(branches)
    assert timeline.abandoned_curves == []
    assert timeline.branch_marks == []
    (_low, high), _ = timeline.loss_plot.plot_item.viewRange()
    assert high < 15


def test_branches_keep_the_latest_few_futures_and_none_without_a_future():
    branches = Branches()
    for at in range(MAX_FUTURES + 3):
        branches.add(_future(40, at))
    assert len(branches) == MAX_FUTURES
    assert next(f.branched_at for f in branches) == 3
    branches.add(_future(10, 10))  # nothing after epoch 10
    assert len(branches) == MAX_FUTURES
    assert np.all(np.diff(next(iter(branches)).epochs) > 0)


def test_a_disabled_timeline_holds_its_line_still(timeline):
    timeline.setEnabled(False)
    assert not timeline.cursor.movable
    timeline.setEnabled(True)
    assert timeline.cursor.movable


@pytest.mark.parametrize("branched_at", [2, 28])
def test_the_branch_words_find_their_place_on_either_side_of_the_view(qtbot, timeline, branched_at):
    # pyqtgraph picks the label's anchor by the side of the view the line is on; a missing one
    # raised inside Qt's item change and brought the whole app down.
    branches = Branches()
    branches.add(_future(30, branched_at))
    timeline.set_branches(branches)
    (mark,) = timeline.branch_marks
    mark.label.updatePosition()
    assert mark.label.toPlainText() == f"branched at {branched_at}"
