"""Special functions NumPy lacks: erf, vectorised, within a unit or so of the last place of the
C library's erf (which PyTorch's CPU kernels call)."""

from __future__ import annotations

import math

import numpy as np

# erf(x) for |x| ≤ _TOP from a Taylor polynomial about the middle of one of _PIECES equal pieces
# of [0, _TOP], made once at import from math.erf and e^(−m²). erf is odd, and above _TOP it is 1
# to double precision (1 − erf(6) ≈ 2e−17). With pieces 1/64 wide, the degree-_DEGREE
# polynomial's remainder is below 1e−19: the result is as good as its rounding.
_TOP = 6.0
_PIECES = 384
_DEGREE = 8
_WIDTH = _TOP / _PIECES
# Arrays smaller than this go element by element through math.erf: a NumPy call costs about a
# microsecond whatever its size, and the polynomial takes some twenty of them.
_SMALL = 128

_scalar_erf = np.frompyfunc(math.erf, 1, 1)


def _taylor_table() -> tuple[np.ndarray, np.ndarray]:
    """Return the points the pieces' polynomials are centred on (_PIECES,) and their Taylor
    coefficients, one row per order (_DEGREE + 1, _PIECES), lowest first:
    erf^(n)(m) = (2/√π)·(−1)^(n−1)·H_(n−1)(m)·e^(−m²), H the physicists' Hermite polynomials
    (H_(k+1) = 2m·H_k − 2k·H_(k−1)). The first piece is centred on 0, where the polynomial is
    erf's own odd series, so that erf of a tiny x keeps its relative precision."""
    centres = (np.arange(_PIECES) + 0.5) * _WIDTH
    centres[0] = 0.0
    table = np.empty((_DEGREE + 1, _PIECES))
    for piece, m in enumerate(centres):
        scale = 2.0 / math.sqrt(math.pi) * math.exp(-m * m)
        table[0, piece] = math.erf(m)
        previous, hermite = 0.0, 1.0  # H_(−1) (its factor is 0) and H_0
        for n in range(1, _DEGREE + 1):
            k = n - 1  # the n-th derivative holds H_k
            table[n, piece] = scale * (-1) ** k * hermite / math.factorial(n)
            previous, hermite = hermite, 2.0 * m * hermite - 2.0 * k * previous
    return centres, table


_CENTRES, _TABLE = _taylor_table()


def erf(x: np.ndarray, out: np.ndarray) -> None:
    """Write erf(x) into `out` (same shape as x, float64; may be x itself)."""
    if x.size < _SMALL:
        _scalar_erf(x, out=out, casting="unsafe")
        return
    ax = np.abs(x)
    # fmin, not minimum: a NaN takes the last piece (and gives NaN), an infinity too (and 1).
    piece = np.fmin(ax * (1.0 / _WIDTH), _PIECES - 1).astype(np.intp)
    d = ax - _CENTRES.take(piece)
    # Horner's rule, each order's coefficients gathered for every element at once.
    total = _TABLE[_DEGREE].take(piece)
    for n in range(_DEGREE - 1, -1, -1):
        total *= d
        total += _TABLE[n].take(piece)
    # Above _TOP erf is 1 to double precision; the last piece's polynomial must not run on.
    np.copyto(total, 1.0, where=ax > _TOP)
    np.copysign(total, x, out=out)
