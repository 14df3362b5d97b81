"""Label placement on the canvas, as pure geometry (no Qt): no two labels overlap, none covers a
neuron, and what finds no room is gathered into "+N" markers that list it."""

from __future__ import annotations

import itertools

from simulator.ui.canvas.labels import Label, place_labels, rects_overlap, spot_rect

CHAR_WIDTH, LINE_HEIGHT = 7.0, 14.0


def _measure(text: str, style=None) -> tuple[float, float]:
    return CHAR_WIDTH * len(text), LINE_HEIGHT


def _along(x0, y0, x1, y1, ts=(0.5, 0.35, 0.65, 0.2, 0.8)):
    return tuple((x0 + t * (x1 - x0), y0 + t * (y1 - y0), 0.5, 0.5) for t in ts)


def _neuron(x, y, size=26.0):
    return (x - size / 2, y - size / 2, size, size)


def _all_boxes(placement):
    return list(placement.rects.values()) + [m.rect for m in placement.markers]


def _assert_apart(placement, obstacles):
    boxes = _all_boxes(placement)
    for a, b in itertools.combinations(boxes, 2):
        assert not rects_overlap(a, b), (a, b)
    for box, obstacle in itertools.product(boxes, obstacles):
        assert not rects_overlap(box, obstacle), (box, obstacle)


def test_labels_of_crossing_edges_are_staggered_apart():
    # Two sources and two targets: the two diagonals cross at the middle, where both would
    # put their label first.
    neurons = [_neuron(100, 100), _neuron(100, 200), _neuron(300, 100), _neuron(300, 200)]
    edges = {
        "a": (113, 100, 287, 200),
        "b": (113, 200, 287, 100),
        "c": (113, 100, 287, 100),
        "d": (113, 200, 287, 200),
    }
    requests = [Label(key, "−0.5000", _along(*ends)) for key, ends in edges.items()]
    placement = place_labels(requests, neurons, _measure)
    assert set(placement.rects) == set(edges)
    assert not placement.markers
    _assert_apart(placement, neurons)
    # The first diagonal keeps the middle; the second moves along its own edge.
    assert placement.spot_index == {"a": 0, "b": 1, "c": 0, "d": 0}
    x, y, w, h = placement.rects["b"]
    x0, y0, x1, y1 = edges["b"]
    centre_t = (x + w / 2 - x0) / (x1 - x0)
    assert abs(y + h / 2 - (y0 + centre_t * (y1 - y0))) < 1e-9  # still on its edge


def test_no_label_covers_a_neuron_or_leaves_the_bounds():
    neuron = _neuron(100, 100)
    # The first spot is on the neuron, the second outside the bounds, the third free.
    spots = ((100, 100, 0.5, 0.5), (5, 100, 0.5, 0.5), (100, 130, 0.5, 0.0))
    placement = place_labels(
        [Label("b", "b 0.25", spots)], [neuron], _measure, bounds=(0, 0, 400, 300)
    )
    assert placement.spot_index == {"b": 2}
    assert placement.rects["b"] == spot_rect(spots[2], *_measure("b 0.25"))


def test_a_label_keeps_the_spot_it_had():
    spots = _along(0, 0, 200, 0)
    placement = place_labels([Label("w", "0.5", spots)], [], _measure, prefer={"w": 3})
    assert placement.spot_index == {"w": 3}
    # A preferred spot that is taken now gives way to the first free one.
    blocker = spot_rect(spots[3], 30, 30)
    placement = place_labels([Label("w", "0.5", spots)], [blocker], _measure, prefer={"w": 3})
    assert placement.spot_index == {"w": 0}


def test_an_allowance_lets_blank_borders_touch():
    left = (0.0, 0.0, 50.0, 14.0)
    spots = ((48.0, 0.0, 0.0, 0.0),)
    assert not place_labels([Label("x", "abc", spots)], [left], _measure).rects
    assert place_labels([Label("x", "abc", spots)], [left], _measure, allowance=2.0).rects


def test_crowded_labels_collapse_into_markers_that_list_them():
    # Eight labels that all want the one short edge between two neurons.
    neurons = [_neuron(100, 100), _neuron(180, 100)]
    spots = _along(113, 100, 167, 100, ts=(0.5, 0.3, 0.7))
    requests = [
        Label(("edge", i), f"−0.12{i}", spots, group="pair", detail=f"edge {i}: −0.12{i}")
        for i in range(8)
    ]
    placement = place_labels(requests, neurons, _measure)
    shown = set(placement.rects)
    assert len(shown) == 1
    (marker,) = placement.markers
    hidden = [label.key for label in marker.hidden]
    assert marker.text == f"+{len(hidden)}"
    assert shown | set(hidden) == {("edge", i) for i in range(8)}
    assert not placement.unplaced
    for label in marker.hidden:
        assert label.detail in marker.tooltip.splitlines()
    _assert_apart(placement, neurons)


def test_leftovers_with_no_room_for_a_marker_join_the_nearest_one():
    neurons = [_neuron(100, 100)]
    roomy = _along(200, 300, 400, 300)
    cramped = ((100, 100, 0.5, 0.5),)  # only on the neuron
    requests = [
        Label("a", "wide label text", roomy[:1], group="a"),
        Label("b", "wide label text", roomy[:1], group="a"),
        Label("c", "x", cramped, group="c"),
    ]
    placement = place_labels(requests, neurons, _measure)
    assert set(placement.rects) == {"a"}
    (marker,) = placement.markers
    assert [label.key for label in marker.hidden] == ["b", "c"]
    assert marker.text == "+2"
    # Without any marker placed, nothing to join: reported as unplaced.
    alone = place_labels([requests[2]], neurons, _measure)
    assert [label.key for label in alone.unplaced] == ["c"]
    assert not alone.markers
    # Without gathering, leftovers are reported as they are.
    plain = place_labels(requests, neurons, _measure, gather=False)
    assert [label.key for label in plain.unplaced] == ["b", "c"]


def test_a_label_that_is_not_gathered_is_left_out_alone():
    neurons = [_neuron(100, 100)]
    blocked = ((100, 100, 0.5, 0.5),)
    free = ((300, 300, 0.5, 0.5),)
    requests = [
        Label("n", "1.5", free, group="g"),
        Label("m", "2.5", free, group="g"),
        Label("rule", "> 0.5 → dog", blocked, group="g", gathered=False),
    ]
    placement = place_labels(requests, neurons, _measure)
    assert [label.key for label in placement.unplaced] == ["rule"]
    assert [label.key for m in placement.markers for label in m.hidden] == ["m"]


def test_a_label_keeps_off_other_edges_when_it_can():
    import numpy as np

    lines = np.array([[0.0, 0.0, 200.0, 0.0], [100.0, -50.0, 100.0, 50.0]])
    spots = _along(0, 0, 200, 0, ts=(0.5, 0.25))  # the middle is where the two cross
    placement = place_labels([Label("w", "0.5", spots, line=0)], [], _measure, lines=lines)
    assert placement.spot_index == {"w": 1}
    # Its own edge does not count, and a crossed spot is still better than none.
    placement = place_labels([Label("w", "0.5", spots[:1], line=0)], [], _measure, lines=lines)
    assert placement.spot_index == {"w": 0}


def test_a_given_size_is_the_box_kept_free():
    spots = ((100.0, 100.0, 0.5, 0.5),)
    placement = place_labels([Label("w", "0.5", spots, size=(60.0, 20.0))], [], _measure)
    assert placement.rects["w"] == (70.0, 90.0, 60.0, 20.0)
