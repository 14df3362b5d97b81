"""The settings panel's feature thumbnails show the features as the network is given them: over
the plane in raw units, after the data's scaling."""

import numpy as np
from PySide6.QtWidgets import QLabel

from simulator.app.session import Simulation
from simulator.app.snapshot import data_picture
from simulator.app.storage import validate_scenario_dict
from simulator.ui.settings_panel import SettingsPanel


def _offset_scenario(scaling: dict | None) -> dict:
    """Two raw columns far from zero (X1 around 10, X2 around 20): unscaled, X1 is positive
    everywhere on the plane; standardized, it runs from negative to positive across it."""
    rng = np.random.default_rng(2)
    points = np.round(rng.normal([10.0, 20.0], 1.0, (40, 2)), 3)
    targets = [[1.0 if x > 10.0 else 0.0] for x, _ in points]
    data = {
        "train": {"inputs": points[:30].tolist(), "targets": targets[:30]},
        "test": {"inputs": points[30:].tolist(), "targets": targets[30:]},
    }
    if scaling is not None:
        data["scaling"] = scaling
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Far from zero",
        "network": {
            "inputs": ["X1", "X2"],
            "initialization": {"scheme": "xavier", "seed": 1},
            "layers": [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 10,
            "seed": 0,
        },
        "data": data,
    }


def _thumbnail(qtbot, scaling: dict | None, feature: str):
    simulation = Simulation(validate_scenario_dict(_offset_scenario(scaling), file="far.json"))
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    panel.set_scenario(simulation.scenario, data_picture(simulation))
    labels = [
        w
        for w in panel.findChildren(QLabel)
        if w.toolTip().startswith(f"{feature} over the input plane")
    ]
    assert len(labels) == 1
    return labels[0].pixmap().toImage()


def _rgb(image, x: int, y: int) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def test_a_standardized_feature_runs_from_orange_to_blue_across_the_plane(qtbot):
    image = _thumbnail(qtbot, {"method": "standardize"}, "X1")
    middle = image.height() // 2
    left, right = _rgb(image, 1, middle), _rgb(image, image.width() - 2, middle)
    # Orange (negative) on the left, blue (positive) on the right: the scaled X1 crosses zero.
    assert left[0] > left[2] + 60
    assert right[2] > right[0] + 60


def test_an_unscaled_feature_far_from_zero_is_positive_everywhere(qtbot):
    image = _thumbnail(qtbot, None, "X1")
    middle = image.height() // 2
    left = _rgb(image, 1, middle)
    assert left[2] > left[0]  # blue: X1 is about 8 there, still positive
