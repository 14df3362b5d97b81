"""The bounded history keeps evenly spread points however long a run goes."""

import numpy as np

from simulator.app.history import History


def test_history_stays_bounded_and_spread_over_the_whole_run():
    history = History(capacity=64)
    for epoch in range(1, 100_001):
        history.append(epoch, 1.0 / epoch, None, 0.5, None)
    assert len(history) < 64
    epochs = history.column("epoch")
    assert epochs[0] == 1
    assert epochs[-1] > 90_000  # the late part of the run is there
    gaps = np.diff(epochs)
    assert gaps.min() == gaps.max()  # evenly spread
    assert np.isnan(history.column("test_loss")).all()


def test_history_round_trips_through_its_dict():
    history = History(capacity=32)
    for epoch in range(1, 50):
        history.append(epoch, float(epoch), float(-epoch), None, None)
    again = History.from_dict(history.to_dict(), capacity=32)
    assert again.to_dict() == history.to_dict()
    again.append(50, 1.0, 1.0, None, None)
    history.append(50, 1.0, 1.0, None, None)
    assert again.to_dict() == history.to_dict()
