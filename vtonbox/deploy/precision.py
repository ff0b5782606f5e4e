"""Which precision a device can run fast, and the warn-once fallback to fp32.

bf16 pays off on a CPU only with native bf16 arithmetic: AMX (``amx_bf16``, Sapphire
Rapids and later) or AVX512-BF16 (``avx512_bf16``, Cooper Lake / Zen 4 and later).
Elsewhere oneDNN emulates bf16 and convolutions run several times *slower* than fp32
(measured 4-5x on an AVX2-only EPYC), so the fast path warns once and stays in fp32.
"""
import warnings
from typing import FrozenSet, NamedTuple, Optional

import torch

#: Supported ``--precision`` names and their compute dtypes.
PRECISION_DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16, 'fp16': torch.float16}
#: /proc/cpuinfo flags of native bf16 arithmetic.
NATIVE_BF16_CPU_FLAGS = ('amx_bf16', 'avx512_bf16')
CPUINFO_PATH = '/proc/cpuinfo'

_warned = set()


class Bf16Support(NamedTuple):
    """What the CPU offers for bf16.

    Attributes:
        native (bool): AMX or AVX512-BF16 is available.
        capability (str): ``torch.backends.cpu.get_cpu_capability()`` (e.g. ``AVX512``).
        flags (tuple[str]): the native-bf16 flags found (e.g. ``('amx_bf16',)``).
    """

    native: bool
    capability: str
    flags: tuple


def cpu_flags(path: str = CPUINFO_PATH) -> FrozenSet[str]:
    """The ``flags`` of the first processor in ``/proc/cpuinfo`` (empty set elsewhere)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith('flags'):
                    return frozenset(line.split(':', 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_bf16_support() -> Bf16Support:
    """Detect native bf16 from ``/proc/cpuinfo``, falling back to PyTorch's own CPU
    probes where that file does not exist (macOS, Windows)."""
    capability = torch.backends.cpu.get_cpu_capability()
    flags = cpu_flags()
    found = tuple(flag for flag in NATIVE_BF16_CPU_FLAGS if flag in flags)
    if not flags:
        probes = (('amx_bf16', getattr(torch.cpu, '_is_amx_tile_supported', None)),
                  ('avx512_bf16', getattr(torch.cpu, '_is_avx512_bf16_supported', None)))
        found = tuple(name for name, probe in probes if probe is not None and probe())
    return Bf16Support(bool(found), capability, found)


def warn_once(key: str, message: str) -> None:
    """``warnings.warn(message)`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def resolve_precision(precision: str, device: Optional[torch.device] = None) -> str:
    """The precision to run: ``precision`` itself, or ``'fp32'`` (warned once) when the
    device has no fast path for it.

    Args:
        precision (str): ``'fp32'``, ``'bf16'`` or ``'fp16'``.
        device (torch.device, optional): target device, CPU when None.

    Returns:
        str: the effective precision.

    Raises:
        ValueError: unknown precision, or fp16 on a CPU (use bf16 there).
    """
    if precision not in PRECISION_DTYPES:
        raise ValueError(f'precision must be one of {tuple(PRECISION_DTYPES)}, '
                         f'got {precision!r}')
    device = torch.device('cpu' if device is None else device)
    if precision == 'fp32':
        return precision
    if device.type == 'cpu':
        if precision == 'fp16':
            raise ValueError("precision 'fp16' is a GPU path; on a CPU use 'bf16' (needs "
                             "AMX or AVX512-BF16) or 'fp32'")
        support = cpu_bf16_support()
        if not support.native:
            warn_once('cpu-bf16', f'this CPU has no native bf16 (no {NATIVE_BF16_CPU_FLAGS} '
                      f'in {CPUINFO_PATH}; capability {support.capability}): bf16 would be '
                      'emulated and slower than fp32, so the fast path stays in fp32')
            return 'fp32'
        return precision
    if device.type == 'cuda' and precision == 'bf16' and not torch.cuda.is_bf16_supported():
        warn_once('cuda-bf16', 'this GPU has no bf16 support; staying in fp32 '
                  "(use --precision fp16 for mixed precision)")
        return 'fp32'
    return precision
