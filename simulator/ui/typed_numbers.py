"""Numbers typed by a person: "," or "." as the decimal point, an exponent, or a fraction such as
1/3; anything else is refused with a sentence that says why. Nothing typed is ever evaluated."""

from __future__ import annotations

import math
import re
from fractions import Fraction

# One decimal number: a sign, digits with at most one decimal point or comma, an exponent.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
# Words Python's float() would take for a number that no weight can be.
_NOT_FINITE = {"nan", "inf", "infinity"}
EXAMPLES = "0.25, 0,25, 1/3 or 1e-3"
# A fraction is divided exactly, as whole numbers: 1e999999999 would be a billion-digit one.
MAX_FRACTION_EXPONENT = 1000


class NumberError(ValueError):
    """A typed text that is not a finite number; str() is the sentence to show the learner."""


def parse_number(text: str) -> float:
    """Read `text` as a finite float: "0.25", "0,25", "-2/7", "1e-3", "−1.5" (a true minus sign).
    A fraction a/b is the float nearest to the exact quotient of the two typed decimals.
    Raises NumberError, whose message says why the text was refused."""
    shown = text.strip()
    # Spaces (also the thin and no-break ones a copied number may carry) separate nothing here.
    cleaned = re.sub(r"\s", "", text).replace("−", "-")
    if not cleaned:
        raise NumberError(f"Nothing was typed: type a number such as {EXAMPLES}.")
    parts = cleaned.split("/")
    if len(parts) > 2 or (len(parts) == 2 and not all(parts)):
        raise NumberError(
            f"“{shown}” is not a fraction nnsim can read: a fraction is one number, one slash "
            "and another number, such as 1/3 or -2/7."
        )
    for part in parts:
        if part.lstrip("+-").lower() in _NOT_FINITE:
            raise NumberError(
                f"“{shown}” is not a finite number, and only finite ones can be used: type for "
                f"example {EXAMPLES}."
            )
        if not _DECIMAL.fullmatch(part):
            raise NumberError(
                f"“{shown}” is not a number. nnsim reads digits with a decimal point or comma, "
                f"a sign, an exponent and one slash for a fraction (no other arithmetic): for "
                f"example {EXAMPLES}."
            )
    decimals = [part.replace(",", ".") for part in parts]
    if len(decimals) == 1:
        value = float(decimals[0])
    else:
        if any(abs(_exponent(part)) > MAX_FRACTION_EXPONENT for part in decimals):
            raise NumberError(
                f"“{shown}” has an exponent too large to divide with: keep the exponents of a "
                f"fraction within ±{MAX_FRACTION_EXPONENT}."
            )
        numerator, denominator = (Fraction(part) for part in decimals)
        if denominator == 0:
            raise NumberError(
                f"“{shown}” divides by zero: the number below the slash must not be 0."
            )
        try:
            value = float(numerator / denominator)
        except OverflowError:
            value = math.inf
    if not math.isfinite(value):
        raise NumberError(
            f"“{shown}” is too large for a number of the network (the largest is about 1.8e308)."
        )
    return value


def _exponent(decimal: str) -> int:
    """The exponent written in a decimal that matched _DECIMAL (0 without one)."""
    _, _, exponent = decimal.lower().partition("e")
    return int(exponent) if exponent else 0
