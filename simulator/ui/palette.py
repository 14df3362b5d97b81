"""The colours of weights, biases and activations: one diverging orange–grey–blue palette."""

from __future__ import annotations

import numpy as np

# Orange for negative, blue for positive, a light grey between: the orange/blue pair stays two
# clearly different hues under deuteranopia and protanopia (red–green colour blindness, ~8 % of
# men) and also differs in lightness, so it survives tritanopia and greyscale printing as well.
# Red/green, the usual pair, is exactly the one these readers cannot tell apart.
NEGATIVE = "#E66100"
POSITIVE = "#1A85FF"
NEUTRAL = "#EEEEEE"
# Edges near zero: darker than NEUTRAL so that a faint edge still shows on a white canvas.
EDGE_NEUTRAL = "#D0D0D0"
# The numbers written on edges take their edge's hue, darkened to read as text on white
# (contrast above 4.5:1, the WCAG threshold for small text).
NEGATIVE_TEXT = "#A84600"
POSITIVE_TEXT = "#0B5CB5"

LUT_SIZE = 256

# Weight magnitudes are shown in WEIGHT_LEVELS steps (width and colour strength), split at these
# log-spaced |w|: initial weights of wide layers (~0.1) and trained weights of small ones (~2)
# both spread over several steps.
WEIGHT_THRESHOLDS = np.geomspace(0.03, 2.0, 7)
WEIGHT_LEVELS = len(WEIGHT_THRESHOLDS) + 1
WEIGHT_BUCKETS = 2 * WEIGHT_LEVELS
# Pen width in pixels per level, 1 px for the weakest to 6 px for the strongest.
LEVEL_WIDTHS = (1, 1, 2, 2, 3, 4, 5, 6)


def hex_rgb(colour: str) -> np.ndarray:
    """Return '#RRGGBB' as a float array (3,) in 0..255."""
    text = colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def diverging_lut(size: int = LUT_SIZE) -> np.ndarray:
    """Return a lookup table (size, 4) uint8 RGBA running NEGATIVE → NEUTRAL → POSITIVE."""
    t = np.linspace(-1.0, 1.0, size)[:, None]
    neutral = hex_rgb(NEUTRAL)
    towards = np.where(t < 0, hex_rgb(NEGATIVE), hex_rgb(POSITIVE))
    rgb = neutral + np.abs(t) * (towards - neutral)
    lut = np.empty((size, 4), dtype=np.uint8)
    lut[:, :3] = np.rint(rgb)
    lut[:, 3] = 255
    return lut


LUT = diverging_lut()


def lut_indices(values: np.ndarray, lo: float, hi: float, size: int = LUT_SIZE) -> np.ndarray:
    """Map values (any shape) in [lo, hi] to lookup-table rows 0..size-1 (int, same shape).

    lo maps to the orange end, hi to the blue end, their middle to the neutral grey; values
    outside are clipped and NaN shows neutral."""
    span = hi - lo if hi > lo else 1.0
    scaled = (np.asarray(values, dtype=np.float64) - lo) * ((size - 1) / span)
    scaled = np.nan_to_num(scaled, nan=(size - 1) / 2)
    return np.clip(np.rint(scaled), 0, size - 1).astype(np.intp)


def heatmap_rgba(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Colour values (..., ) in [lo, hi] with the diverging lookup table: (..., 4) uint8 RGBA,
    C-contiguous, ready for a QImage."""
    return np.ascontiguousarray(LUT[lut_indices(values, lo, hi)])


def weight_levels(weights: np.ndarray) -> np.ndarray:
    """Return the magnitude level 0..WEIGHT_LEVELS-1 of each weight (int, same shape)."""
    return np.searchsorted(WEIGHT_THRESHOLDS, np.abs(weights), side="right")


def weight_buckets(weights: np.ndarray) -> np.ndarray:
    """Return each weight's drawing group (int, same shape): its level for w ≤ 0, the level plus
    WEIGHT_LEVELS for w > 0. Edges of one bucket share one pen."""
    return weight_levels(weights) + WEIGHT_LEVELS * (np.asarray(weights) > 0)


def bucket_rgba(bucket: int) -> tuple[int, int, int, int]:
    """Return the RGBA colour of a weight bucket: light grey for the weakest level, the sign's
    colour at full strength for the strongest.

    Always opaque (weak edges are pale instead of transparent): Qt's raster engine draws
    translucent lines about ten times slower than opaque ones."""
    level = bucket % WEIGHT_LEVELS
    t = level / (WEIGHT_LEVELS - 1)
    towards = hex_rgb(POSITIVE if bucket >= WEIGHT_LEVELS else NEGATIVE)
    grey = hex_rgb(EDGE_NEUTRAL)
    rgb = np.rint(grey + (0.2 + 0.8 * t) * (towards - grey)).astype(int)
    return int(rgb[0]), int(rgb[1]), int(rgb[2]), 255


def bucket_width(bucket: int) -> int:
    """Return the pen width in pixels of a weight bucket."""
    return LEVEL_WIDTHS[bucket % WEIGHT_LEVELS]


def weight_rgba(weights: np.ndarray) -> np.ndarray:
    """Colour weights (any shape) as their edges are drawn: (..., 4) uint8 RGBA."""
    table = np.array([bucket_rgba(b) for b in range(WEIGHT_BUCKETS)], dtype=np.uint8)
    return table[weight_buckets(weights)]


def value_range(activation: str, values: np.ndarray | None = None) -> tuple[float, float]:
    """Return the (lo, hi) colour range for outputs of `activation`; lo shows orange, hi blue and
    their middle neutral.

    tanh [-1, 1]; sigmoid [0, 1], so that 0.5, the boundary between two classes, is neutral;
    softmax [-1, 1], so that its outputs (probabilities, [0, 1]) run from neutral to blue.
    Unbounded outputs (relu, leaky_relu, linear, and the input features, given as "input") take
    ±max|values| so that zero stays neutral: relu, for one, runs neutral → blue.
    """
    if activation in ("tanh", "softmax"):
        return -1.0, 1.0
    if activation == "sigmoid":
        return 0.0, 1.0
    top = 0.0
    if values is not None and np.size(values):
        finite = np.abs(values)[np.isfinite(values)]
        top = float(finite.max()) if finite.size else 0.0
    top = top if top > 1e-12 else 1.0
    return -top, top
