"""Helpers of the command-line tests: an environment with or without a display, and a strict
JSON reader."""

import json
import os

# Variables that would let Qt find a screen (the test set-up sets QT_QPA_PLATFORM for itself).
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def environment(*, display: bool = True, **extra: str) -> dict[str, str]:
    """The tests' environment, without any display when `display` is False, plus `extra`."""
    env = dict(os.environ)
    if not display:
        for name in DISPLAY_VARIABLES:
            env.pop(name, None)
    env.update(extra)
    return env


def reject_constant(name: str):
    raise ValueError(f"not strict JSON: {name}")


def strict_json(text: str):
    """Parse `text` as strict JSON: NaN, Infinity and -Infinity are refused, as JavaScript's
    JSON.parse refuses them."""
    return json.loads(text, parse_constant=reject_constant)
