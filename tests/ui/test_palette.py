"""One meaning per colour: class colours, the weight pair and the wrong-prediction colour stay
apart under normal vision, deuteranopia and protanopia; the canvas names its edge colours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colour_vision import VISIONS, distance, simulate, smallest_distance
from PySide6.QtGui import QImage

from simulator.ui import palette
from simulator.ui.canvas.weight_legend import WeightLegend
from simulator.ui.network_canvas import NetworkCanvas

# ΔE (CIE 1976) two colours must keep in every vision to count as different: about five times a
# just-noticeable difference, so that small points on a pale plane can still be told apart.
MIN_DISTANCE = 20.0
# Classes past DISTINCT_CLASSES (only data with many classes uses them, told apart by name in the
# legend) still may not look the same as any other class or as a weight.
MIN_DISTANCE_MANY_CLASSES = 10.0


def _meanings() -> dict[str, str]:
    """Every colour that carries a meaning on the plane and the canvas, named by it."""
    named = {
        "positive weight": palette.WEIGHT_POSITIVE,
        "negative weight": palette.WEIGHT_NEGATIVE,
        "wrong prediction": palette.WRONG_PREDICTION,
    }
    for index in range(palette.DISTINCT_CLASSES):
        named[f"class {index}"] = palette.CLASS_COLOURS[index]
    return named


@pytest.mark.parametrize("vision", list(VISIONS))
def test_classes_weights_and_wrong_keep_apart(vision):
    named = _meanings()
    for (first, a), (second, b) in itertools.combinations(named.items(), 2):
        assert distance(a, b, vision) >= MIN_DISTANCE, (vision, first, a, second, b)


def test_every_class_colour_differs_from_the_others_and_from_the_weights():
    colours = palette.CLASS_COLOURS
    assert len(set(colours)) == len(colours) >= 10  # digits: ten classes, ten colours
    for a, b in itertools.combinations(colours, 2):
        assert smallest_distance(a, b) >= MIN_DISTANCE_MANY_CLASSES, (a, b)
    for colour in colours:
        for weight in (palette.WEIGHT_POSITIVE, palette.WEIGHT_NEGATIVE):
            assert smallest_distance(colour, weight) >= MIN_DISTANCE_MANY_CLASSES, (colour, weight)


def test_plane_backgrounds_of_two_classes_keep_apart_from_each_other_and_the_weights():
    # The plane shows the predicted class in pale versions of the class colours; a pale class
    # colour must not pass for a pale weight colour (the neuron pictures' background).
    def pale(colour: str) -> str:
        rgb = palette.blend(
            palette.hex_rgb(palette.NEUTRAL),
            palette.hex_rgb(colour),
            [palette.CLASS_BACKGROUND_STRENGTH],
        )[0]
        return "#" + "".join(f"{round(float(v)):02X}" for v in rgb)

    backgrounds = [pale(palette.CLASS_COLOURS[k]) for k in range(2)]
    weights = [pale(palette.WEIGHT_POSITIVE), pale(palette.WEIGHT_NEGATIVE)]
    assert smallest_distance(*backgrounds) >= MIN_DISTANCE
    for background in backgrounds:
        assert min(smallest_distance(background, w) for w in weights) >= MIN_DISTANCE / 2


def test_matrix_right_and_wrong_shades_keep_apart():
    assert smallest_distance(palette.MATRIX_RIGHT, palette.MATRIX_WRONG) >= MIN_DISTANCE


def test_simulation_keeps_greys_and_folds_red_onto_green():
    # White, black and greys look the same to everyone; a dichromat cannot tell red from green
    # at equal lightness.
    greys = np.array([[0, 0, 0], [128, 128, 128], [255, 255, 255]], dtype=float)
    for vision in VISIONS:
        np.testing.assert_allclose(simulate(greys, vision), greys, atol=1.0)
    red, green = "#D55E00", "#6E8B00"
    assert distance(red, green, "normal") > 40
    assert distance(red, green, "deuteranopia") < 15


def _pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return (
        data.reshape(height, image.bytesPerLine())[:, : 3 * width].reshape(height, width, 3).copy()
    )


def test_canvas_has_a_legend_for_the_edge_colours(qtbot):
    canvas = NetworkCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 420)
    canvas.show()
    qtbot.waitExposed(canvas)
    legend = canvas.findChild(WeightLegend)
    assert legend is not None
    assert legend.isVisible()
    text = legend.text().replace("&nbsp;", " ")
    assert "positive weight" in text
    assert "negative weight" in text
    # Drawn, not only said: the legend's strip shows both edge colours, inside the canvas.
    assert canvas.rect().contains(legend.geometry())
    strip = _pixels(legend).reshape(-1, 3).astype(int)
    for colour in (palette.WEIGHT_POSITIVE, palette.WEIGHT_NEGATIVE):
        nearest = np.abs(strip - palette.hex_rgb(colour)).max(axis=1).min()
        assert nearest <= 2, colour


def test_targets_of_one_sign_span_their_own_range_and_signed_ones_keep_zero_neutral():
    miles_per_gallon = np.array([9.0, 23.5, 46.6])
    assert palette.target_range("linear", miles_per_gallon) == (9.0, 46.6)
    assert palette.target_range("relu", -miles_per_gallon) == (-46.6, -9.0)
    assert palette.target_range("linear", np.array([-0.5, 2.0])) == (-2.0, 2.0)
    # Bounded outputs keep their activation's range; a constant target falls back to ±|value|.
    assert palette.target_range("sigmoid", miles_per_gallon) == (0.0, 1.0)
    assert palette.target_range("linear", np.array([3.0, 3.0])) == (-3.0, 3.0)
