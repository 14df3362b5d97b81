"""The report interval follows what drawing a frame costs on the GUI thread."""

import pytest

from simulator.app.frame_budget import FrameBudget


def _feed(budget, cost_per_frame, frame_gap, frames):
    """Frames `frame_gap` seconds apart, each costing `cost_per_frame` of GUI CPU."""
    cpu = wall = 0.0
    answers = []
    for _ in range(frames):
        cpu += cost_per_frame
        wall += frame_gap
        answers.append(budget.frame_drawn(cpu, wall))
    return [a for a in answers if a is not None]


def test_cheap_frames_keep_one_report_per_frame():
    budget = FrameBudget(share=0.3, fastest=1 / 30, slowest=0.25, window=0.5)
    assert _feed(budget, 0.002, 1 / 30, 200) == []
    assert budget.interval == pytest.approx(1 / 30)


def test_dear_frames_slow_the_reports_until_drawing_takes_its_share():
    budget = FrameBudget(share=0.25, fastest=1 / 30, slowest=0.25, window=0.5)
    changes = _feed(budget, 0.015, 1 / 30, 300)
    assert changes  # it told the worker
    assert changes == sorted(changes)  # and only ever slower, for a steady cost
    assert budget.interval == pytest.approx(0.015 / 0.25, rel=0.15)


def test_the_interval_never_passes_its_bounds():
    budget = FrameBudget(share=0.25, fastest=1 / 30, slowest=0.25, window=0.5)
    _feed(budget, 0.2, 0.3, 200)
    assert 0.9 * 0.25 <= budget.interval <= 0.25  # within the threshold of the slowest


def test_reset_forgets_a_half_measured_window():
    budget = FrameBudget(share=0.25, fastest=1 / 30, slowest=0.25, window=0.5)
    budget.frame_drawn(0.0, 0.0)
    budget.frame_drawn(10.0, 0.1)  # a huge cost, half a window
    budget.reset()
    assert _feed(budget, 0.001, 1 / 30, 100) == []
