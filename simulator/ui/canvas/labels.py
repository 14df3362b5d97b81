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
Measure = Callable[[str], tuple[float, float]]


class Label(NamedTuple):
    """A text to place: `key` names what it labels; `spots` its candidate places, best first;
    leftovers of one `group` share a marker; `detail` is its line in that marker's tooltip."""

    key: Hashable
    text: str
    spots: tuple[Spot, ...]
    group: Hashable = None
    detail: str = ""


class Marker(NamedTuple):
    """A "+N" stand-in for the labels in `hidden`, which found no room of their own."""

    text: str
    rect: Rect
    hidden: tuple[Label, ...]

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


def _first_free(
    taken: _Taken,
    spots: Sequence[Spot],
    size: tuple[float, float],
    allowance: float,
    bounds: Rect | None,
    first: int | None = None,
) -> int | None:
    """The index of the first spot (trying `first` before the others) where a box of `size`
    overlaps nothing taken and stays inside `bounds`, or None."""
    if not spots:
        return None
    candidates = _candidates(spots, *size)
    free = taken.free(candidates, allowance) & _inside(candidates, bounds)
    if first is not None and 0 <= first < len(free) and free[first]:
        return first
    found = np.flatnonzero(free)
    return int(found[0]) if found.size else None


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
) -> Placement:
    """Place `labels`, most important first: each takes the first of its spots where its box
    (of the size `measure(text)` gives) overlaps no obstacle (neurons, fixed texts) and no label
    placed before it, and lies inside `bounds` if given. `allowance` lets boxes share a strip
    that wide at their (blank) borders. `prefer` maps a key to the spot it took last time, tried
    first, so that labels stay put while their numbers change.

    With `gather`, the labels left over are collected into "+N" markers: one per group, placed
    at the first free spot of the group's first leftover (a marker is small, so it fits where
    the number did not); a leftover for which that fails joins the nearest marker."""
    taken = _Taken(obstacles)
    rects: dict[Hashable, Rect] = {}
    spot_index: dict[Hashable, int] = {}
    leftovers: list[Label] = []
    for label in labels:
        size = measure(label.text)
        first = prefer.get(label.key) if prefer else None
        index = _first_free(taken, label.spots, size, allowance, bounds, first)
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
    marker_size = measure(f"+{len(leftovers)}")
    groups: dict[Hashable, list] = {}  # group → [rect, hidden labels]
    homeless: list[Label] = []
    for label in leftovers:
        if label.group in groups:
            groups[label.group][1].append(label)
            continue
        spots = _marker_spots(label.spots, measure(label.text), marker_size)
        index = _first_free(taken, spots, marker_size, allowance, bounds)
        if index is None:
            homeless.append(label)
            continue
        rect = spot_rect(spots[index], *marker_size)
        taken.add(rect)
        groups[label.group] = [rect, [label]]
    unplaced: list[Label] = []
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
