"""Checking a formula the learner typed against the open scenario and its data, before it
becomes an edit, so that the settings panel can point at the problem in the text."""

from __future__ import annotations

import numpy as np

from ..engine import features, formula
from . import edits
from .scenario import Scenario
from .snapshot import DataPicture


def check_feature(scenario: Scenario, picture: DataPicture | None, text: str) -> str:
    """Return the input feature `text` asks for (see edits.feature_formula), once a formula
    is known to give finite values on every sample of `picture` (training and test, scaled as
    the network's inputs are). Raises FormulaError (a ValueError) with the position of the
    first problem in `text` as typed, or ValueError when the network takes it already."""
    if picture is None:
        return edits.feature_formula(scenario, text)
    raw_names = list(picture.raw_names)
    name = edits.feature_formula(scenario, text, raw_names)
    if name in raw_names or (
        len(raw_names) == 2 and name in features.derived_feature_names(*raw_names)
    ):
        return name  # a raw column or one of Playground's features: finite wherever the data is
    typed = formula.parse(text, picture.raw_names)
    raw = np.concatenate([picture.train_raw, picture.test_raw])
    if picture.scaling is not None:
        raw = picture.scaling.apply(raw)
    columns = {column: raw[:, index] for index, column in enumerate(picture.raw_names)}
    # Evaluated as typed, so that a position found points into the text the learner sees.
    formula.evaluate(typed, columns, check=True)
    return name
