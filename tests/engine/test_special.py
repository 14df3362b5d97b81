"""The vectorised erf agrees with the C library's (math.erf) to a unit or two in the last place,
for small arrays (element by element) and large ones (the piecewise polynomial) alike."""

import math

import numpy as np
import pytest

from simulator.engine import special


@pytest.mark.parametrize("size", [10, 100_000], ids=["small", "large"])
def test_erf_agrees_with_math_erf(size):
    rng = np.random.default_rng(size)
    x = np.concatenate(
        [
            rng.normal(size=size) * 3,
            np.linspace(-7.0, 7.0, size),
            rng.uniform(-1 / 64, 1 / 64, size),  # the first piece: relative precision kept
        ]
    )
    expected = np.array([math.erf(v) for v in x])
    out = np.empty_like(x)
    special.erf(x, out)
    ulps = np.abs(out - expected) / np.spacing(np.abs(expected))
    assert ulps.max() <= 2.0


def test_erf_at_its_edges():
    x = np.array([0.0, -0.0, 1e-300, -5e-324, 6.0, 6.000001, -40.0, np.inf, -np.inf, np.nan] * 20)
    out = np.empty_like(x)
    special.erf(x, out)
    assert out[0] == 0.0
    assert math.copysign(1.0, out[1]) == -1.0
    assert out[2] == pytest.approx(2 / math.sqrt(math.pi) * 1e-300, rel=1e-15)
    assert out[4] == math.erf(6.0)
    assert out[5] == 1.0
    assert list(out[6:9]) == [-1.0, 1.0, -1.0]
    assert math.isnan(out[9])
