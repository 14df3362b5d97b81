"""A one-weight problem whose steps can be made to overflow on purpose."""

import numpy as np

from simulator.engine.network import Network
from simulator.engine.optimizers import SGD
from simulator.engine.trainer import Trainer


def linear_problem(x_value: float, learning_rate: float) -> Trainer:
    """ŷ = w·x with w = 1, target 0, MSE: each step multiplies w by (1 − 2·rate·x²)."""
    network = Network(1, [1], ["linear"])
    network.set_parameters([[[1.0]]], [[0.0]])
    return Trainer(
        network,
        "mse",
        SGD(2, learning_rate),
        np.array([[x_value]]),
        np.array([[0.0]]),
        1,
        shuffle=False,
    )
