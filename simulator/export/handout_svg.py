"""The network picture of one stage of a step-through as inline SVG text, drawn without Qt.

Neurons are circles, edges lines coloured by the weight's sign with a width by |w|, as the canvas
draws them; the stage's lit neurons and edges are drawn over them in the walk's colours and its
numbers (walk_stages.annotations, read from the trace) stand beside them. Every number comes as
text from the annotations: nothing is computed here but geometry.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..app.walk_stages import Annotations, width
from ..engine.trace import ForwardTrace, StepTrace

# The canvas's colours (simulator/ui/palette.py, whose values a test keeps these equal to),
# copied so that the headless export imports nothing of the GUI's.
NEGATIVE = "#E66100"
POSITIVE = "#1A85FF"
EDGE_NEUTRAL = "#D0D0D0"
NEGATIVE_TEXT = "#A84600"
POSITIVE_TEXT = "#0B5CB5"
WALK_FLOW = "#222222"
WALK_CHANGED = "#7B3FA0"
WALK_LABEL_BACKGROUND = "#FFFFFF"
WALK_CHANGED_BACKGROUND = "#FFF1B8"
WALK_LOCKED_BACKGROUND = "#E4E4E4"
WALK_LABEL_BORDER = "#B8B8B8"
WEIGHT_THRESHOLDS = np.geomspace(0.03, 2.0, 7)
LEVEL_WIDTHS = (1, 1, 2, 2, 3, 4, 5, 6)
NEURON_FILL = "#FFFFFF"
NEURON_EDGE = "#888888"
TEXT = "#222222"

PICTURE_WIDTH = 960
# Room per neuron of a narrow column: the circle and up to three lines of numbers below it.
ROOMY_PITCH = 92
MAX_PICTURE_HEIGHT = 760
TOP, BOTTOM = 34, 16
MAX_RADIUS = 15
LABEL_PX = 12
LINE_HEIGHT = 14
# A rough advance per character of the label font (numbers and short names): enough to size the
# plates behind the numbers without measuring text, which needs a font engine.
CHAR_WIDTH = 0.62
# More edges than this between two columns: only the strongest are drawn, and the picture says
# so (a few thousand lines add nothing to a printed page but weight).
MAX_DRAWN_EDGES = 600
DENSE_EDGES = 64
DENSE_EDGE_SCALE = 0.3
# Where along its edge (0 at the source, 1 at the target) an edge's number may stand, in order of
# preference: towards the target first, where edges that cross have parted again.
EDGE_LABEL_SPOTS = (0.72, 0.6, 0.48, 0.36, 0.82, 0.26, 0.66, 0.54, 0.42, 0.3, 0.2)


def text_width(text: str, px: int = LABEL_PX) -> float:
    """The estimated width in pixels of the longest line of `text` at `px` pixels."""
    return max((len(line) for line in text.split("\n")), default=0) * px * CHAR_WIDTH


def edge_colour(weight: float) -> str:
    """The colour of an edge of `weight` as the canvas paints it: light grey for the weakest,
    the sign's colour at full strength for the strongest, opaque."""
    level = int(np.searchsorted(WEIGHT_THRESHOLDS, abs(weight), side="right"))
    t = level / len(WEIGHT_THRESHOLDS)
    towards = _rgb(POSITIVE if weight > 0 else NEGATIVE)
    grey = _rgb(EDGE_NEUTRAL)
    rgb = np.rint(grey + (0.2 + 0.8 * t) * (towards - grey)).astype(int)
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def edge_width(weight: float) -> int:
    """The line width in pixels of an edge of `weight`, 1 for the weakest to 6."""
    return LEVEL_WIDTHS[int(np.searchsorted(WEIGHT_THRESHOLDS, abs(weight), side="right"))]


def _rgb(colour: str) -> np.ndarray:
    text = colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def _f(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".removesuffix(".0")


def stage_svg(
    trace: StepTrace | ForwardTrace,
    annotations: Annotations,
    names: list[str],
    caption: str = "",
) -> str:
    """Return an <svg> element (text) of the network of `trace` as it stands at one stage.

    `annotations` are the stage's (walk_stages.annotations): its numbers and lit items; `names`
    the input features' names, written left of the inputs; `caption` a line above the picture.
    Edges are drawn with the weights before the step (the weights the step used)."""
    count = len(trace.layers)
    sizes = [width(column, trace) for column in range(count + 1)]
    most = max(sizes)
    pitch = min(ROOMY_PITCH, (MAX_PICTURE_HEIGHT - TOP - BOTTOM) / most)
    radius = min(MAX_RADIUS, pitch * 0.32)
    if pitch < ROOMY_PITCH:
        radius = min(radius, pitch * 0.42)
    height = TOP + BOTTOM + most * pitch
    name_px = int(np.clip(pitch * 0.8, 7, LABEL_PX))
    name_room = max((text_width(n, name_px) for n in names), default=0.0)
    out_room = max(
        (text_width(t) for (c, _), t in annotations.neuron_text.items() if c == count),
        default=0.0,
    )
    left = 10 + name_room + 8 + radius
    right = PICTURE_WIDTH - 10 - max(radius, out_room / 2)
    xs = np.linspace(left, right, count + 1)
    ys = [TOP + (most - units) * pitch / 2 + (np.arange(units) + 0.5) * pitch for units in sizes]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PICTURE_WIDTH}" height="{_f(height)}" '
        f'viewBox="0 0 {PICTURE_WIDTH} {_f(height)}" font-family="DejaVu Sans, Arial, sans-serif"'
        f' font-size="{LABEL_PX}" role="img" style="max-width: 100%; height: auto;">'
    ]
    if caption:
        parts.append(f'<text x="10" y="18" fill="{TEXT}">{escape(caption)}</text>')
    lit_or_changed = annotations.lit_edges | annotations.changed_edges
    thinned = []
    # Every edge in its weight's colour, faded when the stage lights some edges of its own.
    fade = ' opacity="0.35"' if lit_or_changed else ""
    parts.append(f'<g class="edges"{fade}>')
    for column in range(1, count + 1):
        weights = trace.layers[column - 1].weights_before
        drawn = _drawn_edges(weights)
        if drawn is not None:
            thinned.append((column, len(drawn), weights.size))
        pairs = np.ndindex(weights.shape) if drawn is None else drawn
        # Many edges between two columns: thinner lines, or they paint a solid wall.
        thin = DENSE_EDGE_SCALE if weights.size > DENSE_EDGES else 1.0
        for j, i in pairs:
            w = float(weights[j, i])
            parts.append(
                f'<line x1="{_f(xs[column - 1])}" y1="{_f(ys[column - 1][i])}" '
                f'x2="{_f(xs[column])}" y2="{_f(ys[column][j])}" stroke="{edge_colour(w)}" '
                f'stroke-width="{_f(edge_width(w) * thin)}"/>'
            )
    parts.append("</g>")

    # The stage's flow over them: near-black, purple where the update changed a weight, with
    # an arrow head showing which way the numbers travel.
    parts.append('<g class="flow">')
    for column, j, i in sorted(lit_or_changed):
        changed = (column, j, i) in annotations.changed_edges
        colour = WALK_CHANGED if changed else WALK_FLOW
        x0, y0, x1, y1 = xs[column - 1], ys[column - 1][i], xs[column], ys[column][j]
        parts.append(
            f'<line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x1)}" y2="{_f(y1)}" stroke="{colour}" '
            'stroke-width="2.5"/>'
        )
        if annotations.backward:
            parts.append(_arrow_head(x1, y1, x0, y0, radius, colour))
        elif (column, j, i) in annotations.lit_edges:
            parts.append(_arrow_head(x0, y0, x1, y1, radius, colour))
    parts.append("</g>")

    parts.append('<g class="neurons">')
    for column, units in enumerate(sizes):
        for k in range(units):
            lit = (column, k) in annotations.lit_neurons
            stroke, stroke_width = (WALK_FLOW, 3) if lit else (NEURON_EDGE, 1.5)
            parts.append(
                f'<circle cx="{_f(xs[column])}" cy="{_f(ys[column][k])}" r="{_f(radius)}" '
                f'fill="{NEURON_FILL}" stroke="{stroke}" stroke-width="{stroke_width}"/>'
            )
    parts.append("</g>")

    parts.append(f'<g class="names" font-size="{name_px}" fill="{TEXT}" text-anchor="end">')
    step = max(1, int(np.ceil((name_px + 1) / pitch)))
    parts.extend(
        f'<text x="{_f(xs[0] - radius - 6)}" y="{_f(ys[0][i] + name_px * 0.35)}">'
        f"{escape(names[i])}</text>"
        for i in range(0, sizes[0], step)
    )
    parts.append("</g>")

    parts.append('<g class="numbers">')
    # Neurons' numbers below them, clear of the ring; then each edge's number at the first spot
    # along its edge that no number holds yet (the canvas places its labels the same way).
    taken: list[tuple[float, float, float, float]] = []
    neuron_labels = []
    for (column, k), text in sorted(annotations.neuron_text.items()):
        lines = text.count("\n") + 1
        y = ys[column][k] + radius + 4 + lines * LINE_HEIGHT / 2
        taken.append(_box(xs[column], y, text))
        neuron_labels.append(_label(xs[column], y, text, WALK_LABEL_BACKGROUND, TEXT))
    taken += [
        (xs[c] - radius, ys[c][k] - radius, xs[c] + radius, ys[c][k] + radius)
        for c, units in enumerate(sizes)
        for k in range(units)
    ]
    for (column, j, i), text in sorted(annotations.edge_text.items()):
        background = WALK_LABEL_BACKGROUND
        if (column, j, i) in annotations.changed_edges:
            background = WALK_CHANGED_BACKGROUND
        elif (column, j, i) in annotations.locked_edges:
            background, text = WALK_LOCKED_BACKGROUND, f"{text} (locked)"
        x0, y0, x1, y1 = xs[column - 1], ys[column - 1][i], xs[column], ys[column][j]
        best = None
        for t in EDGE_LABEL_SPOTS:
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            overlap = sum(_overlap(_box(x, y, text), box) for box in taken)
            if best is None or overlap < best[0]:
                best = (overlap, x, y)
            if overlap == 0:
                break
        _, x, y = best
        taken.append(_box(x, y, text))
        weight = float(trace.layers[column - 1].weights_before[j, i])
        colour = NEGATIVE_TEXT if weight < 0 else POSITIVE_TEXT
        parts.append(_label(x, y, text, background, colour))
    parts += neuron_labels
    parts.append("</g>")

    if thinned:
        words = "; ".join(
            f"layer {column}: the strongest {shown:,} of its {total:,} weights"
            for column, shown, total in thinned
        )
        parts.append(
            f'<text x="10" y="{_f(height - 4)}" fill="#666666" font-size="11">'
            f"{escape('Edges drawn: ' + words)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _drawn_edges(weights: np.ndarray) -> list[tuple[int, int]] | None:
    """None when every edge of `weights` (units, fan_in) is drawn, else the (j, i) of the
    strongest MAX_DRAWN_EDGES, weakest first so that the strong ones lie on top."""
    if weights.size <= MAX_DRAWN_EDGES:
        return None
    flat = np.abs(weights).ravel()
    strongest = np.argpartition(flat, -MAX_DRAWN_EDGES)[-MAX_DRAWN_EDGES:]
    strongest = strongest[np.argsort(flat[strongest], kind="stable")]
    fan_in = weights.shape[1]
    return [(int(index) // fan_in, int(index) % fan_in) for index in strongest]


def _arrow_head(x0, y0, x1, y1, radius, colour) -> str:
    """A small filled triangle pointing from (x0, y0) to (x1, y1), its tip at the target's
    ring."""
    dx, dy = x1 - x0, y1 - y0
    length = float(np.hypot(dx, dy)) or 1.0
    ux, uy = dx / length, dy / length
    tip_x, tip_y = x1 - ux * (radius + 1), y1 - uy * (radius + 1)
    back_x, back_y = tip_x - ux * 10, tip_y - uy * 10
    px, py = -uy * 4.5, ux * 4.5
    points = f"{_f(tip_x)},{_f(tip_y)} {_f(back_x + px)},{_f(back_y + py)} " + (
        f"{_f(back_x - px)},{_f(back_y - py)}"
    )
    return f'<polygon points="{points}" fill="{colour}"/>'


def _box(x: float, y: float, text: str) -> tuple[float, float, float, float]:
    """The plate of `text` centred on (x, y): (left, top, right, bottom)."""
    w = text_width(text) + 8
    h = (text.count("\n") + 1) * LINE_HEIGHT + 4
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _overlap(a, b) -> float:
    """The area two boxes (left, top, right, bottom) share."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _label(x: float, y: float, text: str, background: str, colour: str) -> str:
    """`text` (lines split at \\n) centred on (x, y) on a plate of `background`."""
    lines = text.split("\n")
    w = text_width(text) + 8
    h = len(lines) * LINE_HEIGHT + 4
    top = y - h / 2
    parts = [
        f'<rect x="{_f(x - w / 2)}" y="{_f(top)}" width="{_f(w)}" height="{_f(h)}" rx="3" '
        f'fill="{background}" stroke="{WALK_LABEL_BORDER}"/>'
    ]
    # One <text> per line: Qt's SVG renderer (SVG Tiny, for the PDF) ignores a tspan's x and y.
    for index, line in enumerate(lines):
        baseline = top + 2 + (index + 1) * LINE_HEIGHT - 3
        parts.append(
            f'<text x="{_f(x)}" y="{_f(baseline)}" text-anchor="middle" fill="{colour}">'
            f"{escape(line)}</text>"
        )
    return "".join(parts)
