"""Colour-vision simulation for tests: how colours look under deuteranopia and protanopia
(Machado, Oliveira and Fernandes 2009, severity 1.0, applied in linear RGB), and a perceptual
distance (CIE 1976 ΔE in CIELAB, D65) to say whether two colours stay apart. NumPy only."""

from __future__ import annotations

import numpy as np

# Machado et al. 2009, Table 1 at severity 1.0: linear RGB in, linear RGB out.
VISIONS = {
    "normal": np.eye(3),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}
_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def hex_rgb(colour: str) -> np.ndarray:
    """'#RRGGBB' → (3,) float in 0..255."""
    text = colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0..255 → linear RGB in 0..1."""
    s = np.asarray(rgb, dtype=np.float64) / 255.0
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear RGB (..., 3) in 0..1 (clipped) → sRGB in 0..255 (float)."""
    c = np.clip(linear, 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(rgb: np.ndarray, vision: str) -> np.ndarray:
    """How sRGB colours (..., 3) in 0..255 look to a reader with `vision` (a VISIONS key):
    sRGB (..., 3) float in 0..255. Works on whole screenshots (h, w, 3) as well."""
    return to_srgb(to_linear(rgb) @ VISIONS[vision].T)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0..255 → CIELAB (..., 3), D65 white."""
    xyz = to_linear(rgb) @ _SRGB_TO_XYZ.T / _D65_WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def distance(first: str, second: str, vision: str) -> float:
    """ΔE (CIE 1976) between two '#RRGGBB' colours as a reader with `vision` sees them."""
    a, b = (to_lab(simulate(hex_rgb(c), vision)) for c in (first, second))
    return float(np.linalg.norm(a - b))


def smallest_distance(first: str, second: str) -> float:
    """The smallest ΔE between two colours over normal vision, deuteranopia and protanopia."""
    return min(distance(first, second, vision) for vision in VISIONS)
