"""Whether this CPU runs the shipped int8 models as they were measured.

ONNX Runtime's int8 kernels (uint8 activations x int8 weights) use VNNI dot products on
x86 CPUs that have them. On x86 CPUs without VNNI (AVX2 only, or AVX-512 without VNNI) they
fall back to an instruction that saturates 16-bit sums: the same int8 model then scores
differently and is slower than float32 (measured: SKU val top-1 0.574 against 0.625, and
6.6 ms per crop against 2.9 ms for float32). The registry serves float32 on such CPUs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# x86 VNNI (AVX-512 or AVX) and Arm's dot-product instructions.
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "asimddp"})


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags of the first processor in a ``/proc/cpuinfo`` text (x86 ``flags``,
    Arm ``Features``); empty when there are none."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


@cache
def int8_is_native() -> bool:
    """True when this CPU has int8 dot-product instructions; False where it cannot be
    told (no ``/proc/cpuinfo``: float32 is the safe choice)."""
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(cpu_flags(text) & INT8_DOT_FLAGS)
