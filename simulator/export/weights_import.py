"""Import weights trained elsewhere: a safetensors state dict of an nn.Sequential of Linear
layers (keys "N.weight" / "N.bias"), checked key by key against a scenario's network, becomes
that scenario with those weights and a fresh optimizer state."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np

from ..app.scenario import Scenario
from ..app.storage import ScenarioError

# A weights file is read whole into memory; nnsim's networks are far smaller than this.
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024

_KEY = re.compile(r"(0|[1-9][0-9]*)\.(weight|bias)")
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_DTYPE_WORDS = {
    "F16": "float16",
    "BF16": "bfloat16",
    "F8_E4M3": "float8",
    "F8_E5M2": "float8",
    "I8": "int8",
    "I16": "int16",
    "I32": "int32",
    "I64": "int64",
    "U8": "uint8",
    "U16": "uint16",
    "U32": "uint32",
    "U64": "uint64",
    "BOOL": "bool",
}


def read_state_dict(
    path: str | os.PathLike, sizes: tuple[int, ...]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read the safetensors file at `path` and return, per layer of a network of `sizes`
    (inputs first), its (weights (units, fan_in), biases (units,)) in float64.

    The keys must be "N.weight" and "N.bias" of as many modules as the network has layers (the
    module indices, in increasing order, give the layers: 0, 2, 4 as nnsim's export writes them,
    or any other numbering of an nn.Sequential), each float32 or float64 (float32 widens exactly),
    shaped as the layer and finite. Raises ScenarioError(file name, key, reason) otherwise,
    naming the first key at fault ("" for the file as a whole)."""
    path = Path(path)
    name = path.name
    tensors = _load(path, name)
    layers: dict[int, dict[str, np.ndarray]] = {}
    for key in sorted(tensors, key=_key_order):
        match = _KEY.fullmatch(key)
        if match is None:
            raise ScenarioError(
                name, key, "is not a Linear layer's key (N.weight or N.bias of an nn.Sequential)"
            )
        layers.setdefault(int(match[1]), {})[match[2]] = tensors[key]
    indices = sorted(layers)
    count = len(sizes) - 1
    if len(indices) != count:
        raise ScenarioError(
            name,
            "",
            f"holds {len(indices)} Linear layer{'s' if len(indices) != 1 else ''} "
            f"({', '.join(str(i) for i in indices) or 'none'}); the scenario's network has "
            f"{count}",
        )
    result = []
    for layer, index in enumerate(indices):
        parts = layers[index]
        for part in ("weight", "bias"):
            if part not in parts:
                other = next(iter(parts))
                raise ScenarioError(
                    name, f"{index}.{part}", f"is missing ({index}.{other} is there)"
                )
        expected = {"weight": (sizes[layer + 1], sizes[layer]), "bias": (sizes[layer + 1],)}
        arrays = []
        for part in ("weight", "bias"):
            key = f"{index}.{part}"
            array = parts[part]
            if array.dtype not in _FLOAT_DTYPES:
                raise ScenarioError(
                    name, key, f"is {array.dtype}; weights must be float32 or float64"
                )
            if array.shape != expected[part]:
                raise ScenarioError(
                    name,
                    key,
                    f"has shape {_shape(array.shape)}; layer {layer + 1} of the network needs "
                    f"{_shape(expected[part])}",
                )
            array = array.astype(np.float64)
            if not np.isfinite(array).all():
                bad = np.argwhere(~np.isfinite(array))[0]
                where = ", ".join(str(int(i)) for i in bad)
                raise ScenarioError(name, key, f"is not finite at [{where}] ({array[tuple(bad)]})")
            arrays.append(array)
        result.append((arrays[0], arrays[1]))
    return result


def import_weights(scenario: Scenario, path: str | os.PathLike) -> Scenario:
    """Return `scenario` with the weights and biases of the safetensors file at `path` (see
    `read_state_dict`) and its optimizer state reset (see `with_weights`). Raises ScenarioError
    naming the file and the key."""
    return with_weights(scenario, read_state_dict(path, network_sizes(scenario)))


def network_sizes(scenario: Scenario) -> tuple[int, ...]:
    """The scenario's layer sizes, inputs first: what a weights file must fit."""
    spec = scenario.network
    return (len(spec.inputs), *(layer.units for layer in spec.layers))


def with_weights(scenario: Scenario, arrays: list[tuple[np.ndarray, np.ndarray]]) -> Scenario:
    """Return `scenario` with per-layer (weights, biases) `arrays` (as `read_state_dict` gives
    them) and its optimizer state reset: momentum and Adam's moments belong to the weights they
    were built on, so they start afresh; the position, history and initial weights stay. Raises
    ValueError when the arrays no longer fit the network (it changed since they were read).
    A pure Scenario → Scenario function: the app applies it as an edit, which undo takes back."""
    spec = scenario.network
    sizes = network_sizes(scenario)
    if len(arrays) != len(spec.layers) or any(
        w.shape != (sizes[i + 1], sizes[i]) or b.shape != (sizes[i + 1],)
        for i, (w, b) in enumerate(arrays)
    ):
        raise ValueError("the weights no longer fit the network, which has changed")
    layers = tuple(
        dataclasses.replace(
            layer,
            weights=tuple(tuple(row) for row in w.tolist()),
            biases=tuple(b.tolist()),
        )
        for layer, (w, b) in zip(spec.layers, arrays, strict=True)
    )
    state = scenario.state
    if state is not None:
        state = dataclasses.replace(state, optimizer=None)
    return dataclasses.replace(
        scenario, network=dataclasses.replace(spec, layers=layers), state=state
    )


def _load(path: Path, name: str) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        if not path.is_file():
            raise ScenarioError(name, "", "no such file" if not path.exists() else "is not a file")
        if path.stat().st_size > MAX_WEIGHTS_BYTES:
            raise ScenarioError(name, "", "is larger than 512 MB: not a weights file of nnsim's")
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(name, "", f"cannot be read: {exc.strerror or exc}") from None
    header = _header(data, name)
    # Dtypes are checked in the header first, so that one NumPy cannot hold (bfloat16) is named
    # by its key as any other wrong dtype is.
    for key in sorted(header, key=_key_order):
        dtype = header[key].get("dtype") if isinstance(header[key], dict) else None
        if dtype not in ("F32", "F64"):
            raise ScenarioError(
                name,
                key,
                f"is {_DTYPE_WORDS.get(dtype, dtype)}; weights must be float32 or float64",
            )
    try:
        return load(data)
    except (SafetensorError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())
        raise ScenarioError(name, "", f"is not a valid safetensors file ({reason})") from None


def _header(data: bytes, name: str) -> dict:
    """The tensors a safetensors file declares, {key: {"dtype", "shape", ...}}, from its header
    (8 bytes of little-endian length, then that many bytes of JSON)."""
    import json

    problem = ScenarioError(name, "", "is not a safetensors file")
    if len(data) < 8:
        raise problem
    length = int.from_bytes(data[:8], "little")
    if length < 2 or 8 + length > len(data):
        raise problem
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise problem from None
    if not isinstance(header, dict):
        raise problem
    header.pop("__metadata__", None)
    return header


def _key_order(key: str) -> tuple[int, str]:
    match = _KEY.fullmatch(key)
    return (int(match[1]), match[2]) if match else (-1, key)


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"
