"""The too-wide scenario the memory tests share: 2 inputs, one hidden layer of 4,096 ReLU units
and 100,000 generated samples, a valid file of a few hundred bytes."""


def wide_scenario(batch_size: int) -> dict:
    """Return the scenario as a JSON-ready dict, training in batches of `batch_size`."""
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Wide",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [
                {"units": 4096, "activation": "relu"},
                {"units": 1, "activation": "sigmoid"},
            ],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
            "batch_size": batch_size,
        },
        "data": {
            "generator": "circle",
            "samples": 100000,
            "noise": 0,
            "train_fraction": 0.8,
            "seed": 1,
        },
    }
