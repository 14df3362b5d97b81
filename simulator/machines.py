"""The arithmetic variants a documented result must hold on: OpenBLAS kernels crossed with NumPy's
SIMD dispatch levels, each forced on this machine through environment variables.

Two machines that run the same scenario file differ in the last bits of their sums: OpenBLAS
picks a matrix kernel per CPU (they add in different orders, some with fused multiply-adds) and
NumPy picks a SIMD loop per CPU for exp, tanh and friends. A hundred epochs amplify a last bit into
a visible difference, so a preset's documented result is measured under every variant this CPU can
run, and stated as the range they span.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import NamedTuple

# OpenBLAS kernel -> the CPU flags (as /proc/cpuinfo names them) it needs. Zen is left out: its
# double-precision kernels are Haswell's.
OPENBLAS_KERNELS: dict[str, tuple[str, ...]] = {
    "Prescott": ("pni",),
    "Sandybridge": ("avx",),
    "Haswell": ("avx2", "fma"),
    "SkylakeX": ("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"),
}

# NumPy dispatch level -> which of NumPy's dispatch targets it turns off: "native" keeps all, "avx2"
# is what a CPU without AVX-512 runs, "baseline" what the oldest supported x86-64 CPU runs.
NUMPY_LEVELS: tuple[str, ...] = ("native", "avx2", "baseline")


class Variant(NamedTuple):
    """One way of doing the arithmetic: a kernel, a NumPy level and the environment forcing them."""

    kernel: str
    numpy_level: str
    env: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.kernel}/{self.numpy_level}"


def cpu_flags() -> frozenset[str]:
    """Return this CPU's feature flags as Linux names them (empty where they cannot be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def runnable_kernels() -> tuple[str, ...]:
    """Return the OpenBLAS kernels this CPU can run (none off x86-64 or where flags are unknown)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return ()
    flags = cpu_flags()
    return tuple(k for k, needs in OPENBLAS_KERNELS.items() if all(f in flags for f in needs))


def _numpy_disabled(level: str) -> list[str]:
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # NumPy 1.x kept them under numpy.core
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    available = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
    if level == "native":
        return []
    if level == "avx2":
        return [t for t in available if "AVX512" in t or t == "X86_V4"]
    if level == "baseline":
        return available
    raise ValueError(f"unknown NumPy level {level!r}")


def variant_env(kernel: str | None, numpy_level: str = "native") -> dict[str, str]:
    """Return a copy of this process's environment forcing `kernel` (None: OpenBLAS's own choice)
    and NumPy's dispatch `numpy_level`."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    if kernel is not None:
        env["OPENBLAS_CORETYPE"] = kernel
    disabled = _numpy_disabled(numpy_level)
    if disabled:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)
    return env


def variants() -> list[Variant]:
    """Return every (kernel, NumPy level) pair this machine can run; on a CPU whose kernels cannot
    be forced, the NumPy levels alone under OpenBLAS's own kernel."""
    kernels: tuple[str | None, ...] = runnable_kernels() or (None,)
    return [
        Variant(kernel or "default", level, variant_env(kernel, level))
        for kernel in kernels
        for level in NUMPY_LEVELS
    ]


def typical_variants() -> list[Variant]:
    """Return one variant per runnable kernel, paired with the NumPy level a CPU of that kernel's
    generation runs (a Haswell-class CPU has no AVX-512): the machines learners actually have."""
    level_of = {"Prescott": "baseline", "Sandybridge": "baseline", "Haswell": "avx2"}
    typical = []
    for kernel in runnable_kernels():
        level = level_of.get(kernel, "native")
        typical.append(Variant(kernel, level, variant_env(kernel, level)))
    return typical
