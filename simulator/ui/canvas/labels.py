"""Where the canvas's labels go: each tries its candidate spots in turn, most important label first,
so that no two labels overlap and none covers a neuron; labels that find no room are gathered into
small "+N" markers that list them.

Pure geometry, free of Qt: rectangles in, positions out, text measured by a callable the caller
passes in (the canvas measures with its font; tests with a fixed width per character).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

# (left, top, width, height), in view pixels (y down), as QRectF takes them.
Rect = tuple[float, float, float, float]
# (x, y, ax, ay): put the point (ax, ay) of the label's box, as fractions of its width and
# height, at (x, y). (0.5, 0.5) centres the label there; (0.5, 0.0) hangs it below the point.
Spot = tuple[float, float, float, float]
# (text, style) → (width, height) of the label's box; `style` is the Label's, e.g. a font size.
Measure = Callable[[str, Hashable], tuple[float, float]]


class Label(NamedTuple):
    """A text to place: `key` names what it labels; `spots` its candidate places, best first;
    `style` is handed to the measure (and to the painter); leftovers of one `group` share a
    marker; `detail` is its line in that marker's tooltip; `line` the index of the label's own
    edge among the `lines` given to place_labels (-1 for none), which may run through it.
    A label that is not `gathered` (not a number, say) is simply left out when it has no room.
    `size`, if given, is the box to keep free instead of the measured one (e.g. a little wider,
    so that the box does not change with every digit of a changing number)."""

    key: Hashable
    text: str
    spots: tuple[Spot, ...]
    group: Hashable = None
    detail: str = ""
    style: Hashable = None
    line: int = -1
    gathered: bool = True
    size: tuple[float, float] | None = None


class Marker(NamedTuple):
    """A "+N" stand-in for the labels in `hidden`, which found no room of their own; drawn in
    the style of the first of them."""

    text: str
    rect: Rect
    hidden: tuple[Label, ...]

    @property
    def style(self) -> Hashable:
        return self.hidden[0].style

    @property
    def tooltip(self) -> str:
        return "\n".join(label.detail or label.text for label in self.hidden)


class Placement(NamedTuple):
    """Where each placed label's box went (key → rect, in the order placed) and which of its
    spots it took; the markers standing in for the rest; labels with neither (only when no
    marker could be placed at all)."""

    rects: dict[Hashable, Rect]
    spot_index: dict[Hashable, int]
    markers: tuple[Marker, ...]
    unplaced: tuple[Label, ...]


def spot_rect(spot: Spot, width: float, height: float) -> Rect:
    """The box of a `width` × `height` label put at `spot`."""
    x, y, ax, ay = spot
    return (x - ax * width, y - ay * height, width, height)


def rects_overlap(a: Rect, b: Rect, allowance: float = 0.0) -> bool:
    """Whether two boxes share more than a strip `allowance` wide (touching is not overlapping)."""
    return (
        a[0] + allowance < b[0] + b[2]
        and b[0] + allowance < a[0] + a[2]
        and a[1] + allowance < b[1] + b[3]
        and b[1] + allowance < a[1] + a[3]
    )


class _Taken:
    """The boxes already taken, as a growing (n, 4) array of left, top, right, bottom: one
    vectorised test per label checks all its spots against all of them."""

    def __init__(self, rects: Iterable[Rect]) -> None:
        boxes = [(x, y, x + w, y + h) for x, y, w, h in rects]
        self._boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        self._count = len(boxes)

    def add(self, rect: Rect) -> None:
        if self._count == len(self._boxes):
            grown = np.empty((max(16, 2 * len(self._boxes)), 4))
            grown[: self._count] = self._boxes[: self._count]
            self._boxes = grown
        x, y, w, h = rect
        self._boxes[self._count] = (x, y, x + w, y + h)
        self._count += 1

    def free(self, candidates: np.ndarray, allowance: float) -> np.ndarray:
        """candidates (k, 4) left, top, right, bottom → (k,) True where nothing taken overlaps."""
        taken = self._boxes[: self._count]
        if not len(taken):
            return np.ones(len(candidates), dtype=bool)
        c = candidates[:, None, :]
        hit = (
            (c[..., 0] + allowance < taken[:, 2])
            & (taken[:, 0] + allowance < c[..., 2])
            & (c[..., 1] + allowance < taken[:, 3])
            & (taken[:, 1] + allowance < c[..., 3])
        )
        return ~hit.any(axis=1)


def _candidates(spots: Sequence[Spot], width: float, height: float) -> np.ndarray:
    """(k, 4) left, top, right, bottom of the label's box at each spot."""
    spot = np.array(spots, dtype=np.float64).reshape(-1, 4)
    left = spot[:, 0] - spot[:, 2] * width
    top = spot[:, 1] - spot[:, 3] * height
    return np.column_stack([left, top, left + width, top + height])


def _inside(candidates: np.ndarray, bounds: Rect | None) -> np.ndarray:
    if bounds is None:
        return np.ones(len(candidates), dtype=bool)
    x, y, w, h = bounds
    return (
        (candidates[:, 0] >= x)
        & (candidates[:, 1] >= y)
        & (candidates[:, 2] <= x + w)
        & (candidates[:, 3] <= y + h)
    )


def _crossed(candidates: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """candidates (k, 4) boxes, lines (m, 4) segments x0, y0, x1, y1 → (k, m) True where the
    segment passes through the box (Liang–Barsky clipping, for all pairs at once)."""
    x0, y0 = lines[:, 0], lines[:, 1]
    dx, dy = lines[:, 2] - x0, lines[:, 3] - y0
    left, top, right, bottom = (candidates[:, i, None] for i in range(4))
    enter = np.zeros((len(candidates), len(lines)))
    leave = np.ones_like(enter)
    inside = np.ones(enter.shape, dtype=bool)
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        p = np.broadcast_to(p, enter.shape)
        parallel = p == 0
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        enter = np.where(~parallel & (p < 0), np.maximum(enter, r), enter)
        leave = np.where(~parallel & (p > 0), np.minimum(leave, r), leave)
    return inside & (enter <= leave)


def _first_free(
    taken: _Taken,
    spots: Sequence[Spot],
    size: tuple[float, float],
    allowance: float,
    bounds: Rect | None,
    first: int | None = None,
    lines: np.ndarray | None = None,
    own_line: int = -1,
) -> int | None:
    """The index of the first spot (trying `first` before the others) where a box of `size`
    overlaps nothing taken and stays inside `bounds`, or None. Spots that no line of `lines`
    but `own_line` runs through come first: a number where edges cross reads as either's."""
    if not spots:
        return None
    candidates = _candidates(spots, *size)
    free = taken.free(candidates, allowance) & _inside(candidates, bounds)
    clear = None
    if lines is not None and len(lines):
        crossed = _crossed(candidates, lines)
        if 0 <= own_line < len(lines):
            crossed[:, own_line] = False
        clear = ~crossed.any(axis=1)
    return _choose(free, clear, first)


def _choose(free: np.ndarray, clear: np.ndarray | None, first: int | None) -> int | None:
    """The spot to take among those `free`: clear of other edges before crossed ones, and
    within each, `first` before the rest in order."""
    tiers = [free] if clear is None else [free & clear, free]
    for tier in tiers:
        if first is not None and 0 <= first < len(tier) and tier[first]:
            return first
        found = np.flatnonzero(tier)
        if found.size:
            return int(found[0])
    return None


def _marker_spots(
    spots: Sequence[Spot], label_size: tuple[float, float], marker_size: tuple[float, float]
) -> tuple[Spot, ...]:
    """Where a marker may stand in for a label: at the middle of each box the label could have
    had, then at either end of it, then just above or below it (a marker is smaller)."""
    width = marker_size[0]
    middles, ends, beside = [], [], []
    for spot in spots:
        x, y, w, h = spot_rect(spot, *label_size)
        cx, cy = x + w / 2, y + h / 2
        middles.append((cx, cy, 0.5, 0.5))
        ends += [(x + width / 2, cy, 0.5, 0.5), (x + w - width / 2, cy, 0.5, 0.5)]
        beside += [(cx, y - 1, 0.5, 1.0), (cx, y + h + 1, 0.5, 0.0)]
    return (*middles, *ends, *beside)


def place_labels(
    labels: Sequence[Label],
    obstacles: Iterable[Rect],
    measure: Measure,
    *,
    allowance: float = 0.0,
    bounds: Rect | None = None,
    prefer: Mapping[Hashable, int] | None = None,
    gather: bool = True,
    lines: np.ndarray | None = None,
) -> Placement:
    """Place `labels`, most important first: each takes the first of its spots where its box
    (sized by `measure(text, style)`) overlaps no obstacle (neurons, fixed texts) and no label
    placed before it, and lies inside `bounds` if given. `allowance` lets boxes share a strip
    that wide at their (blank) borders. `prefer` maps a key to the spot it took last time, tried
    first, so that labels stay put while their numbers change. `lines` (m, 4), the edges as
    segments x0, y0, x1, y1: a label takes a free spot no other edge runs through if it has one.

    With `gather`, the labels left over are collected into "+N" markers: one per group, placed
    at the first free spot near where the group's first leftover could have gone (a marker is
    small, so it fits where the number did not); a leftover for which that fails joins the
    nearest marker."""
    taken = _Taken(obstacles)
    rects: dict[Hashable, Rect] = {}
    spot_index: dict[Hashable, int] = {}
    leftovers: list[Label] = []
    # What does not depend on the order of placing (each spot's box, whether it stays inside
    # the bounds and clear of other edges) is worked out for all labels at once: a few array
    # operations instead of a few per label.
    sizes = [label.size or measure(label.text, label.style) for label in labels]
    counts = np.array([len(label.spots) for label in labels], dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(counts)])
    spots = np.array([spot for label in labels for spot in label.spots], dtype=np.float64)
    spots = spots.reshape(-1, 4)
    size_of_spot = np.repeat(np.array(sizes, dtype=np.float64).reshape(-1, 2), counts, axis=0)
    left = spots[:, 0] - spots[:, 2] * size_of_spot[:, 0]
    top = spots[:, 1] - spots[:, 3] * size_of_spot[:, 1]
    boxes = np.column_stack([left, top, left + size_of_spot[:, 0], top + size_of_spot[:, 1]])
    inside = _inside(boxes, bounds)
    clear = None
    if lines is not None and len(lines) and len(boxes):
        crossed = _crossed(boxes, lines)
        own = np.repeat(np.array([label.line for label in labels], dtype=np.intp), counts)
        mine = np.flatnonzero((own >= 0) & (own < len(lines)))
        crossed[mine, own[mine]] = False
        clear = ~crossed.any(axis=1)
    for number, (label, size) in enumerate(zip(labels, sizes, strict=True)):
        span = slice(starts[number], starts[number + 1])
        first = prefer.get(label.key) if prefer else None
        free = taken.free(boxes[span], allowance) & inside[span]
        index = _choose(free, None if clear is None else clear[span], first)
        if index is None:
            leftovers.append(label)
            continue
        rect = spot_rect(label.spots[index], *size)
        taken.add(rect)
        rects[label.key] = rect
        spot_index[label.key] = index
    if not gather or not leftovers:
        return Placement(rects, spot_index, (), tuple(leftovers))

    # Room for the largest count a marker could reach, so that it never outgrows its box.
    most = f"+{len(leftovers)}"
    groups: dict[Hashable, list] = {}  # group → [rect, hidden labels]
    homeless: list[Label] = []
    unplaced: list[Label] = [label for label in leftovers if not label.gathered]
    for label in leftovers:
        if not label.gathered:
            continue
        if label.group in groups:
            groups[label.group][1].append(label)
            continue
        marker_size = measure(most, label.style)
        label_size = label.size or measure(label.text, label.style)
        spots = _marker_spots(label.spots, label_size, marker_size)
        index = _first_free(taken, spots, marker_size, allowance, bounds)
        if index is None:
            homeless.append(label)
            continue
        rect = spot_rect(spots[index], *marker_size)
        taken.add(rect)
        groups[label.group] = [rect, [label]]
    for label in homeless:
        if not groups or not label.spots:
            unplaced.append(label)
            continue
        x, y = label.spots[0][:2]
        nearest = min(
            groups.values(),
            key=lambda g: (g[0][0] + g[0][2] / 2 - x) ** 2 + (g[0][1] + g[0][3] / 2 - y) ** 2,
        )
        nearest[1].append(label)
    markers = tuple(
        Marker(f"+{len(hidden)}", rect, tuple(hidden)) for rect, hidden in groups.values()
    )
    return Placement(rects, spot_index, markers, tuple(unplaced))
