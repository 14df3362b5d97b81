"""nnsim's engine against PyTorch (float64, CPU): forward passes, gradients, optimizers and
learning-rate schedules on random networks, as maximum absolute differences.

Needs torch; nnsim's test suite imports it only when torch is there (test_against_pytorch.py).
Run it alone under any Python with torch and numpy to print the figures:

    PYTHONPATH=. python tests/engine/torch_comparison.py
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from simulator.engine import activations, losses
from simulator.engine.gradcheck import analytic_gradient
from simulator.engine.network import Network
from simulator.engine.optimizers import make_optimizer
from simulator.engine.schedules import Schedule, rate_at
from simulator.engine.trainer import Regularization, Trainer

NEW_ACTIVATIONS = ("elu", "gelu", "silu", "softplus")

TORCH_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, activations.LEAKY_RELU_SLOPE),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda z: torch.softmax(z, dim=1),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "silu": F.silu,
    "softplus": lambda z: F.softplus(z, beta=1.0, threshold=20.0),
}

# The optimizers and schedules compared, with the settings nnsim and PyTorch are given.
OPTIMIZER_CASES = {
    "rmsprop": {"name": "rmsprop", "alpha": 0.99, "eps": 1e-8, "momentum": 0.0},
    "rmsprop+momentum": {"name": "rmsprop", "alpha": 0.9, "eps": 1e-6, "momentum": 0.8},
    "adamw": {"name": "adamw", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
    "adamw+strong decay": {"name": "adamw", "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.5},
}
SCHEDULE_CASES = {
    "step": Schedule("step", step_size=3, gamma=0.5),
    "exponential": Schedule("exponential", gamma=0.8),
    "cosine": Schedule("cosine", t_max=6, eta_min=0.001),
}


# Every allowed (output activation, loss) pair: bce needs sigmoid, cross_entropy softmax.
PAIRS = [
    (output, loss)
    for output in activations.ACTIVATIONS
    for loss in losses.LOSSES
    if losses.pairing_error(loss, output) is None
]


def _cases(name: str) -> list[tuple[str, str, str]]:
    """(hidden, output, loss) for a new activation: as the hidden layers under every allowed
    output and loss, and as the output layer (under tanh hidden layers) with every loss it
    pairs with."""
    as_hidden = [(name, output, loss) for output, loss in PAIRS]
    as_output = [("tanh", name, loss) for output, loss in PAIRS if output == name]
    return as_hidden + as_output


def _targets(rng, loss, n, k):
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "bce":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


def _torch_loss(name, z, a, y):
    n = a.shape[0]
    if name == "mse":
        return F.mse_loss(a, y)
    if name == "half_sse":
        return 0.5 * ((a - y) ** 2).sum() / n
    if name == "bce":
        return F.binary_cross_entropy_with_logits(z, y)
    return F.cross_entropy(z, y.argmax(dim=1))


def _torch_forward(weights, biases, names, x):
    a = x
    layers = []
    for w, b, name in zip(weights, biases, names, strict=True):
        z = a @ w.T + b
        a = TORCH_ACTIVATIONS[name](z)
        layers.append((z, a))
    return layers


def _leaves(network: Network):
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in network.weights]
    biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in network.biases]
    return weights, biases


def _flat(network: Network, weights, biases, attribute=None) -> np.ndarray:
    flat = np.zeros_like(network.parameters)
    fw, fb = network.split(flat)
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        source_w = w if attribute is None else getattr(w, attribute)
        source_b = b if attribute is None else getattr(b, attribute)
        fw[i][...] = source_w.detach().numpy()
        fb[i][...] = source_b.detach().numpy()
    return flat


def compare_activation_values() -> float:
    """Largest |nnsim − PyTorch| of each new activation and its derivative at special points
    and over a wide range."""
    z = np.concatenate(
        [
            [-800.0, -40.0, -1.0, -1e-12, 0.0, 1e-12, 1.0, 19.999999, 20.0, 20.000001, 40.0],
            np.linspace(-30.0, 30.0, 601),
        ]
    ).reshape(-1, 1)
    worst = 0.0
    for name in NEW_ACTIVATIONS:
        ours = activations.apply(name, z)
        grad = np.ones_like(z)
        activations.BACKWARD[name](grad, z, ours, np.empty_like(z))
        zt = torch.tensor(z, requires_grad=True)
        theirs = TORCH_ACTIVATIONS[name](zt)
        theirs.sum().backward()
        worst = max(worst, float(np.abs(ours - theirs.detach().numpy()).max()))
        worst = max(worst, float(np.abs(grad - zt.grad.numpy()).max()))
    return worst


def compare_gradients(seeds: int = 5) -> dict[str, float]:
    """For every new activation × every (output, loss) it can pair with, as hidden and as
    output: the largest |difference| of z, a, loss and gradient over random networks."""
    worst: dict[str, float] = {}
    for name in NEW_ACTIVATIONS:
        for hidden, output, loss in _cases(name):
            key = f"{hidden}→{output}+{loss}"
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                k = 3 if output == "softmax" else 2
                network = Network(3, [5, 4, k], [hidden, hidden, output])
                network.initialize("xavier", rng)
                network.parameters[...] *= 2.0  # wide pre-activations: every region
                x = rng.normal(size=(7, 3)) * 2.0
                y = _targets(rng, loss, 7, k)
                ours = network.forward(x)
                grad = analytic_gradient(network, loss, x, y, Regularization())
                weights, biases = _leaves(network)
                layers = _torch_forward(weights, biases, network.activation_names, torch.tensor(x))
                z_t, a_t = layers[-1]
                value = _torch_loss(loss, z_t, a_t, torch.tensor(y))
                value.backward()
                differences = [
                    abs(losses.loss_value(loss, ours[-1][0], ours[-1][1], y) - value.item()),
                    float(np.abs(grad - _flat(network, weights, biases, "grad")).max()),
                ]
                for (z, a), (zt, at) in zip(ours, layers, strict=True):
                    differences.append(float(np.abs(z - zt.detach().numpy()).max()))
                    differences.append(float(np.abs(a - at.detach().numpy()).max()))
                worst[key] = max(worst.get(key, 0.0), *differences)
    return worst


def _torch_optimizer(case: dict, weights, biases, learning_rate: float):
    name = case["name"]
    if name == "rmsprop":
        return torch.optim.RMSprop(
            [*weights, *biases],
            lr=learning_rate,
            alpha=case.get("alpha", 0.99),
            eps=case.get("eps", 1e-8),
            momentum=case.get("momentum", 0.0),
        )
    if name == "adamw":
        settings = {
            "lr": learning_rate,
            "betas": (case.get("beta1", 0.9), case.get("beta2", 0.999)),
            "eps": case.get("eps", 1e-8),
        }
        # nnsim decays the weights only, as its regularization: biases in a group without it.
        return torch.optim.AdamW(
            [
                {"params": weights, "weight_decay": case.get("weight_decay", 0.01)},
                {"params": biases, "weight_decay": 0.0},
            ],
            **settings,
        )
    if name == "adam":
        return torch.optim.Adam([*weights, *biases], lr=learning_rate)
    return torch.optim.SGD([*weights, *biases], lr=learning_rate, momentum=case.get("momentum", 0))


def _torch_scheduler(schedule: Schedule | None, optimizer):
    if schedule is None:
        return None
    if schedule.name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, schedule.step_size, schedule.gamma)
    if schedule.name == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, schedule.gamma)
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, schedule.t_max, schedule.eta_min)


def compare_training(
    case: dict, schedule: Schedule | None, *, steps: int = 20, seed: int = 0
) -> tuple[float, float]:
    """Train the same random network `steps` steps (mini-batches in file order, two per epoch)
    in nnsim and in PyTorch; return the largest |difference| of the parameters after any step
    and of the learning rate of any epoch."""
    rng = np.random.default_rng(seed)
    network = Network(3, [6, 2], ["gelu", "linear"])
    network.initialize("xavier", rng)
    x = rng.normal(size=(10, 3))
    y = rng.normal(size=(10, 2))
    learning_rate = 0.01
    settings = {k: v for k, v in case.items() if k != "name"}
    optimizer = make_optimizer(
        case["name"],
        network.parameters.size,
        learning_rate,
        decay_count=network.weight_count,
        **settings,
    )
    trainer = Trainer(network, "mse", optimizer, x, y, 5, shuffle=False, schedule=schedule)
    weights, biases = _leaves(network)
    theirs = _torch_optimizer(case, weights, biases, learning_rate)
    scheduler = _torch_scheduler(schedule, theirs)
    worst_parameters = worst_rate = 0.0
    xt, yt = torch.tensor(x), torch.tensor(y)
    for step in range(steps):
        batch = slice(5 * (step % 2), 5 * (step % 2) + 5)
        worst_rate = max(worst_rate, abs(optimizer.learning_rate - theirs.param_groups[0]["lr"]))
        record = trainer.step()
        theirs.zero_grad()
        _, a_t = _torch_forward(weights, biases, network.activation_names, xt[batch])[-1]
        F.mse_loss(a_t, yt[batch]).backward()
        theirs.step()
        if record.epoch_finished and scheduler is not None:
            scheduler.step()
        difference = np.abs(network.parameters - _flat(network, weights, biases)).max()
        worst_parameters = max(worst_parameters, float(difference))
    return worst_parameters, worst_rate


def compare_schedule_rates(epochs: int = 30) -> float:
    """Largest |rate_at − PyTorch's rate| over `epochs` epochs of each schedule case."""
    worst = 0.0
    for schedule in SCHEDULE_CASES.values():
        param = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([param], lr=0.1)
        scheduler = _torch_scheduler(schedule, optimizer)
        for epoch in range(epochs):
            worst = max(worst, abs(rate_at(schedule, 0.1, epoch) - optimizer.param_groups[0]["lr"]))
            optimizer.step()
            scheduler.step()
    return worst


def compare_dropout(seeds: int = 5) -> dict[str, float]:
    """With dropout on the hidden layers: nnsim's trainer takes one step and records its mask;
    PyTorch is given that mask (a hidden output times m/(1−p), as nn.Dropout's `input * noise`)
    and the same batch. Largest |difference| of z, a, what each layer handed on, the loss and
    the gradient, per (hidden activation, p)."""
    worst: dict[str, float] = {}
    for hidden in ("relu", "tanh", "sigmoid", "gelu"):
        for p in (0.1, 0.5, 0.9):
            key = f"dropout {hidden} p={p}"
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                network = Network(3, [6, 5, 2], [hidden, hidden, "softmax"])
                network.initialize("xavier", rng)
                network.parameters[...] *= 2.0
                x = rng.normal(size=(8, 3))
                y = _targets(rng, "cross_entropy", 8, 2)
                weights, biases = _leaves(network)  # before the step changes the network
                trainer = Trainer(
                    network,
                    "cross_entropy",
                    make_optimizer("sgd", network.parameters.size, 0.1),
                    x,
                    y,
                    8,
                    shuffle=False,
                    dropout=(p, p, 0.0),
                    dropout_rng=np.random.default_rng(seed + 100),
                )
                trainer.step(trace=True)
                trace = trainer.last_trace
                a_t = torch.tensor(x)
                differences = []
                for layer, w, b, name in zip(
                    trace.layers, weights, biases, network.activation_names, strict=True
                ):
                    z_t = a_t @ w.T + b
                    act_t = TORCH_ACTIVATIONS[name](z_t)
                    a_t = act_t
                    if layer.kept is not None:
                        noise = torch.tensor(layer.kept.astype(np.float64)) / (1.0 - p)
                        a_t = act_t * noise
                    differences.append(float(np.abs(layer.z - z_t.detach().numpy()).max()))
                    differences.append(float(np.abs(layer.a - act_t.detach().numpy()).max()))
                    differences.append(float(np.abs(layer.forwarded - a_t.detach().numpy()).max()))
                value = _torch_loss("cross_entropy", z_t, act_t, torch.tensor(y))
                value.backward()
                differences.append(abs(trace.loss - value.item()))
                grad = np.zeros_like(network.parameters)
                gw, gb = network.split(grad)
                for i, layer in enumerate(trace.layers):
                    gw[i][...] = layer.grad_weights
                    gb[i][...] = layer.grad_biases
                differences.append(
                    float(np.abs(grad - _flat(network, weights, biases, "grad")).max())
                )
                worst[key] = max(worst.get(key, 0.0), *differences)
    return worst


def compare_all() -> dict[str, float]:
    """Every comparison above, keyed by what was compared."""
    figures = {"activation values and derivatives": compare_activation_values()}
    figures.update({f"gradients {k}": v for k, v in compare_gradients().items()})
    for name, case in OPTIMIZER_CASES.items():
        for seed in range(3):
            worst, _ = compare_training(case, None, seed=seed)
            key = f"20 steps {name}"
            figures[key] = max(figures.get(key, 0.0), worst)
    for schedule_name, schedule in SCHEDULE_CASES.items():
        for optimizer_name, case in {
            "sgd": {"name": "sgd", "momentum": 0.9},
            "adam": {"name": "adam"},
            "rmsprop": OPTIMIZER_CASES["rmsprop"],
            "adamw": OPTIMIZER_CASES["adamw"],
        }.items():
            worst, rate = compare_training(case, schedule, steps=40)
            figures[f"40 steps (20 epochs) {schedule_name} with {optimizer_name}"] = worst
            figures[f"rates of 20 epochs {schedule_name} with {optimizer_name}"] = rate
    figures["schedule rates over 30 epochs"] = compare_schedule_rates()
    figures.update(compare_dropout())
    return figures


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    results = compare_all()
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:.3e}")
    print(f"{'largest':<{width}}  {max(results.values()):.3e}")
