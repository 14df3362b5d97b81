"""`nnsim bench --gui`: how long the views take to draw a frame, how quickly the GUI thread
answers while training runs flat out, and how much of the engine's speed training keeps with
the live view on. Runs offscreen; prints figures, asserts nothing."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

FRAMES = 40


def _deep_spiral() -> dict:
    layers = [{"units": 8, "activation": "tanh"} for _ in range(6)]
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Deep spiral",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [*layers, {"units": 1, "activation": "sigmoid"}],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.03},
            "batch_size": 10,
        },
        "data": {
            "generator": "spiral",
            "samples": 500,
            "noise": 0.1,
            "train_fraction": 0.5,
            "seed": 1,
        },
    }


def _wide_digits() -> dict:
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(64, 64)).round(3).tolist()
    targets = np.eye(10)[rng.integers(0, 10, 64)].tolist()
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "64-128-128-10",
        "network": {
            "inputs": [f"X{i + 1}" for i in range(64)],
            "layers": [
                {"units": 128, "activation": "relu"},
                {"units": 128, "activation": "relu"},
                {"units": 10, "activation": "softmax"},
            ],
        },
        "training": {
            "loss": "cross_entropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "batch_size": 32,
        },
        "data": {"train": {"inputs": inputs, "targets": targets}},
    }


def _simulation(obj: dict):
    from ..app.session import Simulation
    from ..app.storage import validate_scenario_dict

    return Simulation(validate_scenario_dict(obj, file=f"{obj['title']}.json"))


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples), q)) * 1000


def measure_frames(app) -> dict:
    """Median milliseconds to update and paint: the canvas with neuron heatmaps, the data view
    and the curves of a 2-8-8-8-8-8-8-1 network; and the canvas of a 64-128-128-10 one."""
    from ..app.snapshot import take_snapshot
    from .data_view import DataView
    from .loss_plot import LossPlot
    from .network_canvas import NetworkCanvas

    deep = _simulation(_deep_spiral())
    canvas, data_view, loss_plot = NetworkCanvas(), DataView(), LossPlot()
    canvas.resize(700, 520)
    data_view.resize(460, 420)
    loss_plot.resize(460, 260)
    from ..app.snapshot import data_picture

    data_view.set_data(data_picture(deep))
    loss_plot.set_task(deep.task)
    snapshots = []
    for _ in range(FRAMES):
        deep.train_epochs(1)
        snapshots.append(take_snapshot(deep, 0))
    for widget in (canvas, data_view, loss_plot):
        widget.show()
    app.processEvents()
    full = []
    for snapshot in snapshots:
        start = time.perf_counter()
        canvas.set_snapshot(snapshot)
        data_view.set_snapshot(snapshot)
        loss_plot.set_history(deep.history)
        for widget in (canvas, data_view, loss_plot):
            widget.repaint()
        full.append(time.perf_counter() - start)

    wide = _simulation(_wide_digits())
    big = NetworkCanvas()
    big.resize(900, 620)
    big.show()
    app.processEvents()
    wide_frames = []
    for _ in range(FRAMES // 2):
        wide.trainer.step()
        snapshot = take_snapshot(wide, 0, with_maps=False)
        start = time.perf_counter()
        big.set_snapshot(snapshot)
        big.repaint()
        wide_frames.append(time.perf_counter() - start)
    for widget in (canvas, data_view, loss_plot, big):
        widget.close()
    return {
        "frame_2-8-8-8-8-8-8-1_ms": _median_ms(full),
        "frame_2-8-8-8-8-8-8-1_p90_ms": _percentile_ms(full, 90),
        "canvas_64-128-128-10_ms": _median_ms(wide_frames),
        "canvas_64-128-128-10_p90_ms": _percentile_ms(wide_frames, 90),
    }


def measure_live_training(app, seconds: float) -> dict:
    """Run the main window training flat out; measure how late a 10 ms timer fires on the GUI
    thread (event latency) and the steps per second reached, against headless training."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from ..app.preferences import Preferences
    from .main_window import MainWindow

    scenario = _deep_spiral()
    scenario["network"]["layers"] = [
        {"units": 8, "activation": "tanh"},
        {"units": 8, "activation": "tanh"},
        {"units": 1, "activation": "sigmoid"},
    ]
    scenario["title"] = "2-8-8-1 spiral"

    headless = _simulation(scenario)
    headless.train_epochs(2)
    start_steps = headless.trainer.step_count
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        headless.train_epochs(1)
    headless_rate = (headless.trainer.step_count - start_steps) / (time.perf_counter() - start)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(_simulation(scenario), Preferences(Path(folder) / "bench.ini"))
        window.resize(1400, 860)
        window.show()
        app.processEvents()
        lateness: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        expected = [clock.elapsed() + 10]

        def on_tick() -> None:
            now = clock.elapsed()
            lateness.append(max(0.0, (now - expected[0]) / 1000))
            expected[0] = now + 10

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(on_tick)
        window.controller.play()
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline:  # let training reach full speed
            app.processEvents()
        first = window.controller.snapshot
        first_time = time.perf_counter()
        timer.start()
        deadline = first_time + seconds
        while time.perf_counter() < deadline:
            app.processEvents()
        timer.stop()
        last = window.controller.snapshot
        elapsed = time.perf_counter() - first_time
        live_rate = (last.step - first.step) / elapsed if first and last else 0.0
        window.controller.pause()
        window.controller.mark_saved()
        window.close()
    return {
        "events_p99_latency_ms": _percentile_ms(lateness, 99),
        "events_within_50ms": float(np.mean(np.array(lateness) <= 0.05)),
        "events_measured": len(lateness),
        "headless_steps_per_second": headless_rate,
        "live_steps_per_second": live_rate,
        "live_share_of_headless": live_rate / headless_rate if headless_rate else 0.0,
    }


def run(seconds: float = 3.0, as_json: bool = False) -> str:
    """Run every measurement and return the figures as text (or JSON)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    figures = {**measure_frames(app), **measure_live_training(app, seconds)}
    if as_json:
        return json.dumps(figures, indent=1)
    lines = [
        f"full frame, 2-8-8-8-8-8-8-1 with heatmaps, data view, curves: "
        f"{figures['frame_2-8-8-8-8-8-8-1_ms']:.1f} ms median, "
        f"{figures['frame_2-8-8-8-8-8-8-1_p90_ms']:.1f} ms p90 (goal 16 ms)",
        f"canvas, 64-128-128-10: {figures['canvas_64-128-128-10_ms']:.1f} ms median, "
        f"{figures['canvas_64-128-128-10_p90_ms']:.1f} ms p90 (goal 33 ms)",
        f"GUI events while training flat out: {figures['events_within_50ms']:.1%} within 50 ms "
        f"(p99 lateness {figures['events_p99_latency_ms']:.1f} ms, "
        f"{figures['events_measured']} events; goal 99 %)",
        f"training with the live view: {figures['live_steps_per_second']:,.0f} steps/s, "
        f"{figures['live_share_of_headless']:.0%} of headless "
        f"{figures['headless_steps_per_second']:,.0f} steps/s (goal at least 50 %)",
    ]
    return "\n".join(lines)
