"""Input features for the network: raw data columns, for 2-D data Playground's derived ones, and
the user's own formulas of the raw columns (engine/formula.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import formula as grammar

_RAW, _SQUARE, _PRODUCT, _SINE, _FORMULA = "raw", "square", "product", "sine", "formula"


class FeatureError(ValueError):
    """A requested feature does not exist for the data's columns. `index` is its place in the
    wanted list (None when the list as a whole is wrong); `formula_error` the FormulaError of
    a formula that cannot be used (with its position), else None."""

    def __init__(
        self,
        message: str,
        index: int | None = None,
        formula_error: grammar.FormulaError | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.formula_error = formula_error


@dataclass(frozen=True)
class FeaturePlan:
    """How to build the network's inputs from the raw columns; made by `resolve_features`.

    `raw_names` are the data's columns, `names` the features in input order. `steps` is internal:
    one (kind, column, column) triple per feature; a formula's step holds its index in
    `formulas` instead of columns.
    """

    raw_names: tuple[str, ...]
    names: tuple[str, ...]
    steps: tuple[tuple[str, int, int], ...]
    formulas: tuple[grammar.Formula, ...] = ()

    def formula_of(self, index: int) -> grammar.Formula | None:
        """Return the Formula behind feature `index`, None for a raw or Playground feature."""
        kind, which, _ = self.steps[index]
        return self.formulas[which] if kind == _FORMULA else None


def derived_feature_names(first: str, second: str) -> list[str]:
    """Return the five derived feature names of two raw columns named `first` and `second`."""
    return [f"{first}^2", f"{second}^2", f"{first}*{second}", f"sin({first})", f"sin({second})"]


def _derived_steps(raw_names: list[str]) -> dict[str, tuple[str, int, int]]:
    if len(raw_names) != 2:
        return {}
    kinds = [(_SQUARE, 0, 0), (_SQUARE, 1, 1), (_PRODUCT, 0, 1), (_SINE, 0, 0), (_SINE, 1, 1)]
    return dict(zip(derived_feature_names(*raw_names), kinds, strict=True))


def resolve_features(raw_names: list[str], wanted: list[str]) -> FeaturePlan:
    """Check the wanted features against the raw columns and plan how to compute them.

    In: `raw_names`, the data's column names (d of them, distinct); `wanted`, feature names in the
    order the network takes them: raw column names, when d == 2 the names from
    `derived_feature_names(*raw_names)` (these keep their meaning even where a column has such a
    name), and otherwise formulas of the raw columns (engine/formula.py). Out: a FeaturePlan
    for `build_inputs`. Raises FeatureError naming the first unknown or repeated feature (a
    formula written twice, even differently spaced, is repeated), or when none is wanted.
    """
    raw_names = list(raw_names)
    if len(set(raw_names)) != len(raw_names):
        raise FeatureError(f"the data's column names repeat: {raw_names}")
    # A raw column wins over a derived name if a file happens to name a column like "x^2".
    available = _derived_steps(raw_names) | {
        name: (_RAW, index, index) for index, name in enumerate(raw_names)
    }
    if not wanted:
        raise FeatureError("choose at least one input feature")
    steps = []
    parsed: list[grammar.Formula] = []
    # Each feature's meaning in one form, so that "X1 * X2" is seen to repeat "X1*X2".
    meanings: list[str] = []
    for position, name in enumerate(wanted):
        if name in available:
            steps.append(available[name])
            meaning = name
        else:
            formula = _formula(raw_names, name, position)
            steps.append((_FORMULA, len(parsed), 0))
            parsed.append(formula)
            meaning = formula.canonical
        if meaning in meanings:
            raise FeatureError(f'feature "{name}" is listed twice', position)
        meanings.append(meaning)
    return FeaturePlan(tuple(raw_names), tuple(wanted), tuple(steps), tuple(parsed))


def _formula(raw_names: list[str], name: str, position: int) -> grammar.Formula:
    try:
        return grammar.parse(name, raw_names)
    except grammar.FormulaError as exc:
        if grammar.is_plain_name(name):
            # A single unknown word is most likely a misspelt column: list what there is.
            allowed = ", ".join(f'"{key}"' for key in [*raw_names, *_derived_steps(raw_names)])
            message = (
                f'unknown feature "{name}"; allowed: {allowed}, or a formula of the inputs '
                f"such as {grammar.example(raw_names)}"
            )
        else:
            message = f'feature "{name}": {exc}'
        raise FeatureError(message, position, exc) from None


def build_inputs(raw: np.ndarray, plan: FeaturePlan, *, check: bool = False) -> np.ndarray:
    """Compute the network's inputs.

    In: `raw` (n, d) with d == len(plan.raw_names); `plan` from `resolve_features`.
    Out: float64 C-contiguous (n, len(plan.names)), one column per feature in plan order.
    A formula may give inf or NaN on some rows (log of a negative column); with `check` that
    raises FeatureError naming the feature, the part of the formula and the row, as data to
    train on must be finite. Without it the values stay, for pictures over a plane.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != len(plan.raw_names):
        raise ValueError(f"raw must have shape (n, {len(plan.raw_names)}), got {raw.shape}")
    out = np.empty((raw.shape[0], len(plan.steps)), dtype=np.float64)
    for column, (kind, i, j) in enumerate(plan.steps):
        target = out[:, column]
        if kind == _RAW:
            target[...] = raw[:, i]
        elif kind == _SINE:
            np.sin(raw[:, i], out=target)
        elif kind == _FORMULA:
            target[...] = _evaluate(plan, column, raw, check)
        else:  # square and product: a square is the product of a column with itself
            np.multiply(raw[:, i], raw[:, j], out=target)
    return out


def _evaluate(plan: FeaturePlan, column: int, raw: np.ndarray, check: bool) -> np.ndarray:
    formula = plan.formula_of(column)
    columns = {name: raw[:, k] for k, name in enumerate(plan.raw_names)}
    try:
        return grammar.evaluate(formula, columns, check=check)
    except grammar.FormulaError as exc:
        name = plan.names[column]
        raise FeatureError(f'feature "{name}": {exc}', column, exc) from None
