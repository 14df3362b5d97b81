"""What every colour of the app means, declared in one place: weights, biases and activations
(one diverging orange–grey–blue palette), classes, right and wrong predictions."""

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
    ±max|values| so that zero stays neutral: relu, for one, runs neutral → blue. So do the
    outputs unbounded above: softplus (0, ∞) runs neutral → blue like relu, and elu [−1, ∞),
    gelu [≈ −0.17, ∞) and silu [≈ −0.28, ∞) show their dip below zero in orange, as deep as
    the largest output is blue (at least ±1 for elu, whose floor is −1, so that floor always
    reads as a strong orange).
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
    if activation == "elu":
        top = max(top, 1.0)
    return -top, top


def target_range(activation: str, targets: np.ndarray) -> tuple[float, float]:
    """Return the (lo, hi) colour range for regression targets and the outputs that chase them.

    As value_range, except that targets of one sign under an unbounded output span their own
    [min, max]: miles per gallon from 9 to 47 on ±47 would use only the blue half of the map and
    show every car alike, while signed targets keep zero neutral.
    """
    finite = np.asarray(targets, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if activation in ("tanh", "softmax", "sigmoid") or finite.size == 0:
        return value_range(activation, targets)
    low, high = float(finite.min()), float(finite.max())
    if (low >= 0.0 or high <= 0.0) and high - low > 1e-12:
        return low, high
    return value_range(activation, targets)


# The names the rest of the app reads the weight pair by: a blue edge is a positive weight, an
# orange one a negative weight. Neuron pictures and feature thumbnails show values on the same
# scale (orange below the middle, blue above), so blue and orange always mean a sign or a value.
WEIGHT_POSITIVE = POSITIVE
WEIGHT_NEGATIVE = NEGATIVE

# ----- classes and predictions (the data view, the image view, the preset gallery) -------------

# Classes never take blue or orange, so that a point's colour cannot be read as a weight's sign.
# Under red–green colour blindness every colour collapses onto a blue–yellow axis plus lightness,
# and blue and orange already hold that axis's two ends at middle lightness; so the first classes
# differ from them in lightness: a dark purple and a light green (the two ends of ColorBrewer's
# purple–green scheme, made to be told apart by colour-blind readers), then a light yellow
# (Okabe–Ito), a pale lilac and a dark teal. Up to DISTINCT_CLASSES they keep at least
# ΔE 20 from each other, from the weight pair and from WRONG_PREDICTION under normal vision,
# deuteranopia and protanopia (tests/ui/test_palette.py). The rest serve data with many classes
# (digits), which is drawn as images and a confusion matrix, and are only told apart by name in the
# legend.
CLASS_COLOURS = (
    "#762A83",  # purple
    "#7FBF7B",  # green
    "#F0E442",  # yellow
    "#C2A5CF",  # lilac
    "#01665E",  # dark teal
    "#999999",  # grey
    "#8C510A",  # brown
    "#2D004B",  # deep violet
    "#FDB863",  # peach
    "#1B7837",  # dark green
)
DISTINCT_CLASSES = 5
# The plane is drawn paler than the points, so that a point of the same class still stands out.
CLASS_BACKGROUND_STRENGTH = 0.55
# Confidence steps per class in the lookup table of a multi-class plane.
CONFIDENCE_STEPS = 16
# Wrong predictions: a dark red, the colour learners read as "wrong", taken by no class and by no
# weight (under deuteranopia and protanopia it turns a dark olive: much darker than the orange, on
# the yellow side where the purple is on the blue side), and always with a mark (✗) as well, so
# that colour is never the only sign.
WRONG_PREDICTION = "#A50026"
# The point asked about with Probe on: a white star outlined in the text colour, taken by no
# class, its shape (no data point is a star) telling it apart even where colour cannot.
PROBE_MARK = "#FFFFFF"
# The confusion matrix: right counts (the diagonal) shade towards a neutral mid grey, wrong ones
# towards the wrong-prediction red (a darker grey would meet that red's lightness under
# deuteranopia); counts are written dark on light cells, light on dark ones.
MATRIX_RIGHT = "#808080"
MATRIX_WRONG = WRONG_PREDICTION
MATRIX_TEXT_DARK = "#111111"
MATRIX_TEXT_LIGHT = "#ffffff"
# Regression's predicted-against-true plot: training points filled, test points outlined, in the
# loss chart's colours for the two sets.
REGRESSION_TRAIN = POSITIVE
REGRESSION_TEST = NEGATIVE
# The samples table tints the rows the network gets wrong with a pale wash of the wrong red, so
# the words stay dark and readable; the ✗ in the row says it without colour.
WRONG_ROW = "#F7E1E6"
# The sample chosen in the samples table, on the data view: a dark ring inside a white halo, so it
# shows on every class colour and on the plane's light and dark shades alike, and differs in
# shape (two rings, larger) from the step-through's selection ring.
HIGHLIGHT = "#111111"
HIGHLIGHT_HALO = "#FFFFFF"
# Legends: their words in a muted grey, so that they do not compete with the picture.
LEGEND_TEXT = "#555555"


def class_colour(index: int) -> str:
    """Return the colour '#RRGGBB' of class `index` (points, legends, chooser icons)."""
    return CLASS_COLOURS[index % len(CLASS_COLOURS)]


def blend(low: np.ndarray, high: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Rows of colours from `low` (t = 0) to `high` (t = 1): low, high (3,), t (n,) → (n, 3)."""
    t = np.asarray(t, dtype=float).reshape(-1, 1)
    return low + (high - low) * t


def class_background_rgb(index: int) -> np.ndarray:
    """Return the plane's colour for class `index` at full confidence (the discretized colour):
    (3,) int in 0..255."""
    rgb = blend(hex_rgb(NEUTRAL), hex_rgb(class_colour(index)), [CLASS_BACKGROUND_STRENGTH])[0]
    return np.round(rgb).astype(int)


def _two_sided(low: str, high: str, size: int, strength: float) -> np.ndarray:
    """(size, 3) uint8 colours from `low` through NEUTRAL to `high`; `strength` < 1 pulls every
    colour towards the neutral."""
    t = np.linspace(0.0, 1.0, size)
    neutral = hex_rgb(NEUTRAL)
    side = np.abs(t - 0.5) * 2 * strength
    colours = np.where(
        (t < 0.5)[:, None],
        blend(neutral, hex_rgb(low), side),
        blend(neutral, hex_rgb(high), side),
    )
    return np.round(colours).astype(np.uint8)


def output_colours(size: int = LUT_SIZE, strength: float = 1.0) -> np.ndarray:
    """Return (size, 3) uint8 colours for the single output of a two-class network over the
    plane: class 0's colour (low: the network says class 0) through a light neutral (a coin
    toss) to class 1's (high); `strength` < 1 pulls every colour towards the neutral (the
    plane's paler variant)."""
    return _two_sided(CLASS_COLOURS[0], CLASS_COLOURS[1], size, strength)


def value_colours(size: int = LUT_SIZE, strength: float = 1.0) -> np.ndarray:
    """Return (size, 3) uint8 colours for a value that is not a class (regression targets and
    outputs): orange (low) through a light neutral to blue (high), as neurons show values."""
    return _two_sided(NEGATIVE, POSITIVE, size, strength)


def class_confidence_colours(classes: int, steps: int = CONFIDENCE_STEPS) -> np.ndarray:
    """Return (classes × steps, 3) uint8 colours: entry c·steps + j is class c at confidence step
    j, from the neutral (j = 0, a coin toss) to the background colour (j = steps − 1)."""
    neutral = hex_rgb(NEUTRAL)
    t = np.linspace(0.0, CLASS_BACKGROUND_STRENGTH, steps)
    rows = [blend(neutral, hex_rgb(class_colour(c)), t) for c in range(classes)]
    return np.round(np.concatenate(rows)).astype(np.uint8)


# Step-through colours: the flow in near-black (the edges are blue and orange), the item the
# calculation panel explains in purple, a changed weight on a pale yellow plate. The focus purple
# is near class 0's; its thick ring, drawn only in the step-through, tells it apart.
WALK_FLOW = "#222222"
WALK_FOCUS = "#7B3FA0"
WALK_CHANGED = "#7B3FA0"
WALK_LABEL_BACKGROUND = "#FFFFFF"
WALK_CHANGED_BACKGROUND = "#FFF1B8"
WALK_LOCKED_BACKGROUND = "#E4E4E4"
WALK_LABEL_BORDER = "#B8B8B8"
# A neuron dropout switched off in the walked step: veiled in mid grey, mostly opaque so that its
# picture fades out of the way (it passed on 0), with a dashed grey ring to mark it.
WALK_DROPPED_VEIL = "#9A9A9A"
WALK_DROPPED_VEIL_ALPHA = 210
WALK_DROPPED_RING = "#5A5A5A"

# New from data: an empty cell in the preview in a soft yellow (a gap to notice, not an error),
# and why Create is off in the wrong-prediction red.
MISSING_CELL_BACKGROUND = "#FFF1B8"
IMPORT_PROBLEM_TEXT = WRONG_PREDICTION

# Race variants: one colour per variant's curve, thumbnail frame and table swatch. Okabe and
# Ito's palette for colour-blind readers, less its yellow (too faint as a line on white): blue,
# orange, bluish green, black, sky blue and vermilion keep at least ΔE 18 from each other under
# normal vision, deuteranopia and protanopia (tests/ui/test_race_views.py), and the legend and
# the table name each variant beside its colour, so colour is never the only sign.
VARIANT_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#000000", "#56B4E9", "#D55E00")


def variant_colour(index: int) -> str:
    """Return the colour '#RRGGBB' of race variant `index`."""
    return VARIANT_COLOURS[index % len(VARIANT_COLOURS)]


# The timeline on the learning curves: the futures a run abandoned by branching, drawn as the
# curves' own hues washed out (and dashed), so they read as "the same curve, another path"
# behind the live one; the cursor in the step-through's focus purple when it shows the past,
# a quiet grey at the live end.
ABANDONED_TRAIN = "#80B8FF"
ABANDONED_TEST = "#F2A56E"
# The line where a run branched, and its few words.
BRANCH_MARK = LEGEND_TEXT
TIMELINE_CURSOR = "#7B3FA0"
TIMELINE_LIVE = "#9A9A9A"
