"""How a scenario's network is laid out as a PyTorch nn.Sequential: one module per entry, and
the state-dict keys of its Linear layers. Export and import both read it, so the keys are
declared in one place."""

from __future__ import annotations

from typing import NamedTuple

from ..engine import activations

# Each nnsim activation as the PyTorch module that computes the same function.
TORCH_MODULES: dict[str, str] = {
    "linear": "nn.Identity()",
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({activations.LEAKY_RELU_SLOPE!r})",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)",
    "elu": f"nn.ELU(alpha={activations.ELU_ALPHA!r})",
    "gelu": 'nn.GELU(approximate="none")',
    "silu": "nn.SiLU()",
    "softplus": f"nn.Softplus(beta=1.0, threshold={activations.SOFTPLUS_THRESHOLD!r})",
}


class Module(NamedTuple):
    """One entry of the nn.Sequential: its index, the code that builds it and, for a Linear
    layer, the nnsim layer it holds (None for an activation or a dropout)."""

    index: int
    code: str
    layer: int | None
    comment: str = ""


def sequential_layout(
    sizes: tuple[int, ...],
    activation_names: tuple[str, ...],
    dropouts: tuple[float, ...] | None = None,
) -> list[Module]:
    """Return the modules of the nn.Sequential for layers of `sizes` (inputs first) with
    `activation_names`: per layer a Linear, its activation, then (where `dropouts` gives the
    layer a rate above 0) a dropout of its activations. Raises KeyError for an activation
    PyTorch has no module for.

    A dropout entry (`NumpyDropout(rate, DROPOUT_RNG)`, see model.py) shifts the indices of the
    later Linear layers; `linear_keys` follows them, so the keys stay those of build_model().
    The output layer has none: the losses of model.py take its pre-activation as `model[:-1]`."""
    modules: list[Module] = []
    for i, name in enumerate(activation_names):
        fan_in, units = sizes[i], sizes[i + 1]
        modules.append(
            Module(
                len(modules),
                f"nn.Linear({fan_in}, {units}, dtype=DTYPE)",
                i,
                f"layer {i + 1}: {fan_in} → {units}",
            )
        )
        modules.append(Module(len(modules), TORCH_MODULES[name], None))
        rate = dropouts[i] if dropouts else 0.0
        if rate:
            modules.append(
                Module(
                    len(modules),
                    f"NumpyDropout({rate!r}, DROPOUT_RNG)",
                    None,
                    f"dropout of layer {i + 1}'s outputs (training only)",
                )
            )
    return modules


def linear_keys(modules: list[Module]) -> list[tuple[str, str]]:
    """Return, per nnsim layer, the ("N.weight", "N.bias") keys of its Linear module."""
    return [(f"{m.index}.weight", f"{m.index}.bias") for m in modules if m.layer is not None]
