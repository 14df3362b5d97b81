"""The canvas's layout alone, without Qt: text widths are plain functions here."""

from __future__ import annotations

import numpy as np

from simulator.ui.canvas.layout import (
    EDGE_BUDGET,
    MAX_CIRCLE,
    MIN_PAIR_EDGES,
    CanvasLayout,
    edge_budget,
    layout_network,
)


def _layout(sizes, width=900.0, height=520.0, **options) -> CanvasLayout:
    settings = {
        "heatmaps": False,
        "walking": False,
        "values_wanted": False,
        "right_room": 0.0,
        "text_width": lambda text, px: 0.6 * px * len(text),
        "value_width": lambda px: 4.0 * px,
    }
    settings.update(options)
    names = [f"x{i}" for i in range(sizes[0])]
    return layout_network(sizes, names, width, height, **settings)


def test_columns_run_left_to_right_and_neurons_stay_inside():
    layout = _layout((2, 4, 1))
    assert np.all(np.diff(layout.xs) > 0)
    assert layout.xs[0] - layout.sizes[0] / 2 > 0
    for ys, size in zip(layout.ys, layout.sizes, strict=True):
        assert ys[0] - size / 2 >= 0
        assert ys[-1] + size / 2 <= layout.height
    assert layout.sizes.max() <= MAX_CIRCLE


def test_room_kept_right_of_the_output_moves_the_output_column_left_by_as_much():
    plain, roomy = _layout((3, 5, 10)), _layout((3, 5, 10), right_room=30.0)
    assert plain.xs[-1] - roomy.xs[-1] == 30.0
    assert plain.xs[0] == roomy.xs[0]


def test_a_step_through_spreads_the_rows_of_a_small_network():
    plain, walking = _layout((2, 2, 1)), _layout((2, 2, 1), walking=True)
    assert np.ptp(walking.ys[1]) > np.ptp(plain.ys[1])


def test_the_edge_budget_draws_small_pairs_whole_and_caps_the_total():
    small = (2, 4, 1)
    assert edge_budget(small, _layout(small)) == [8, 4]
    big = (64, 128, 128, 10)
    budget = edge_budget(big, _layout(big))
    assert sum(budget) <= EDGE_BUDGET
    # No pair gets more lines than its column is pixels tall: more would only paint over.
    for p, drawn in enumerate(budget):
        assert MIN_PAIR_EDGES <= drawn <= min(big[p] * big[p + 1], 520)
