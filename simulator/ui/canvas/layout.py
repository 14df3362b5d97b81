"""Where the network canvas puts its columns and neurons for one widget size and architecture,
and how many edges of each layer pair it draws: plain geometry in view pixels (y down). Text
widths come in as callables, so that the layout is Qt-free and can be tested alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Above this many weights the canvas draws only the strongest of each layer pair one by one;
# ~4,000 segments paint in well under a frame, all 26k of a 64-128-128-10 network would not.
EDGE_BUDGET = 4_000
# Nor more edges per layer pair than this many per pixel of column height: beyond it, lines
# only paint over each other and the picture turns into a solid wall of colour.
EDGE_DENSITY = 1.0
MIN_PAIR_EDGES = 200

TOP_PAD = 10
FOOTER_HEIGHT = 38
RIGHT_MARGIN = 46
MIN_LEFT_MARGIN = 14
MAX_THUMBNAIL = 40
MAX_CIRCLE = 26
LABEL_PX = 11
# How much further apart the rows of a small network may spread during a step-through, or while
# its weights are written on the edges.
WALK_SPREAD = 2.6
VALUE_LABEL_PX_RANGE = (11, 15)
VALUE_LABEL_PX_PER_PIXEL = 1 / 48  # of the canvas's shorter side
# Weights are written only where the gap between columns holds this many numbers side by side.
VALUE_LABEL_ROOM = 2.0


@dataclass(frozen=True)
class CanvasLayout:
    """Where everything goes for one widget size and architecture, in view pixels."""

    xs: np.ndarray  # (columns,) centre x of each column
    ys: list[np.ndarray]  # per column, (units,) centre y of each neuron
    sizes: np.ndarray  # (columns,) neuron diameter / thumbnail side
    pitches: np.ndarray  # (columns,) distance between neighbouring neurons
    spacing: float
    label_px: int
    label_step: int
    height: float
    # Whether the columns stand far enough apart for weights written on their edges.
    room_for_values: bool = False


def layout_network(
    sizes: Sequence[int],
    input_names: Sequence[str],
    width: float,
    height: float,
    *,
    heatmaps: bool,
    walking: bool,
    values_wanted: bool,
    right_room: float,
    text_width: Callable[[str, int], float],
    value_width: Callable[[int], float],
) -> CanvasLayout:
    """Lay out a network of layer `sizes` (inputs first) in `width` × `height` pixels.

    `heatmaps`: neurons are thumbnails (larger) rather than circles; `walking`: a step-through
    is shown, and the rows spread out for its numbers, as they do when `values_wanted` (weights
    written on the edges) and there is room for them; `right_room`: pixels kept free right of
    the output column beside the output values (class names). `text_width(text, px)` measures
    an input's name, `value_width(px)` a written weight."""
    sizes = np.array(sizes)
    columns = len(sizes)
    usable = max(height - TOP_PAD - FOOTER_HEIGHT, 20.0)
    pitches = usable / sizes
    # Input names: small enough to fit their rows, every k-th one if rows are thinner still.
    input_pitch = pitches[0]
    label_px = int(np.clip(input_pitch * 0.9, 8, LABEL_PX))
    label_step = max(1, int(np.ceil((label_px + 1) / input_pitch)))
    name_width = max((text_width(n, label_px) for n in input_names[::label_step]), default=0.0)
    left = MIN_LEFT_MARGIN + min(name_width + 6, width * 0.22)
    cap = MAX_THUMBNAIL if heatmaps else MAX_CIRCLE
    first = min(cap, pitches[0] * 0.78)
    last = min(cap, pitches[-1] * 0.78)
    x0 = left + first / 2
    x1 = max(width - RIGHT_MARGIN - right_room - last / 2, x0 + 1)
    xs = np.linspace(x0, x1, columns) if columns > 1 else np.array([x0])
    spacing = float(xs[1] - xs[0]) if columns > 1 else width
    neuron = np.minimum(np.minimum(cap, pitches * 0.78), spacing * 0.42)
    # Room for weights on the edges: VALUE_LABEL_ROOM numbers side by side in the gap between
    # columns, so that those of crossing edges can stagger.
    side = min(float(xs[-1] - xs[0]) if len(xs) > 1 else height, height)
    gap = spacing - float(neuron.max())
    room_for_values = gap >= VALUE_LABEL_ROOM * value_width(value_label_px(side))
    # Keep rows no further apart than the largest neuron needs: a short column stays compact.
    # A step-through, or weights written on the edges, need room between the rows.
    spread = WALK_SPREAD if walking or (room_for_values and values_wanted) else 1.0
    pitches = np.minimum(pitches, spread * cap / 0.78)
    centre = TOP_PAD + usable / 2
    ys = [centre + (np.arange(n) - (n - 1) / 2) * p for n, p in zip(sizes, pitches, strict=True)]
    return CanvasLayout(
        xs, ys, neuron, pitches, spacing, label_px, label_step, height, room_for_values
    )


def value_label_px(side: float) -> int:
    """The pixel size of weights written on the edges of a canvas whose shorter side is `side`."""
    low, high = VALUE_LABEL_PX_RANGE
    return int(np.clip(side * VALUE_LABEL_PX_PER_PIXEL, low, high))


def canvas_side(layout: CanvasLayout) -> float:
    """The shorter side of the network's picture: its width between the outer columns, or its
    height."""
    width = float(layout.xs[-1] - layout.xs[0]) if len(layout.xs) > 1 else layout.height
    return min(width, layout.height)


def edge_budget(sizes: Sequence[int], layout: CanvasLayout) -> list[int]:
    """Return, per layer pair, how many of its strongest edges to draw one by one.

    Each pair gets at most EDGE_DENSITY edges per pixel of its taller column (more would only
    paint over each other) and all pairs together at most EDGE_BUDGET: small pairs are drawn
    whole, the big ones share what is left equally."""
    pairs = len(sizes) - 1
    caps = []
    for p in range(pairs):
        span = max(sizes[c] * layout.pitches[c] for c in (p, p + 1))
        caps.append(min(sizes[p] * sizes[p + 1], max(MIN_PAIR_EDGES, int(EDGE_DENSITY * span))))
    budget = [0] * pairs
    left = EDGE_BUDGET
    for n, p in enumerate(sorted(range(pairs), key=caps.__getitem__)):
        budget[p] = min(caps[p], left // (pairs - n))
        left -= budget[p]
    return budget
