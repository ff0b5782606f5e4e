"""Wall-clock and CPU-time measurement of a callable, and peak memory.

Timings use ``time.perf_counter`` around each call, after ``warmup`` untimed calls, with
a device synchronisation on GPU. CPU time (``time.process_time``, all threads of the
process) is recorded too: on a shared machine it is much less disturbed by other jobs
than wall time, so it is the better number for *ratios* between variants.
"""
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import torch

#: ``/proc/self/clear_refs`` value that resets the peak RSS (VmHWM), Linux >= 4.0.
RESET_PEAK_RSS = '5'
KIB_PER_MIB = 1024.0
#: ``ru_maxrss`` is KiB on Linux, bytes on macOS.
MAXRSS_UNIT_BYTES = 1 if sys.platform == 'darwin' else 1024


@dataclass
class Timing:
    """Per-call latencies of a measured callable.

    Attributes:
        latencies_s (list[float]): wall seconds of each timed call.
        wall_s (float): wall seconds of all timed calls.
        cpu_s (float): process CPU seconds of all timed calls (all threads).
        items_per_call (int): images per call (the batch size).
    """

    latencies_s: List[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    items_per_call: int = 1

    @property
    def items_per_s(self) -> float:
        return self.items_per_call * len(self.latencies_s) / self.wall_s

    @property
    def items_per_cpu_s(self) -> float:
        return self.items_per_call * len(self.latencies_s) / self.cpu_s

    def latency_ms(self, percentile: float) -> float:
        """Latency percentile (0-100) of one call in ms, linear interpolation."""
        return 1000.0 * percentile_of(self.latencies_s, percentile)


def percentile_of(values: List[float], percentile: float) -> float:
    """``numpy.percentile`` (linear) without numpy."""
    if not values:
        raise ValueError('no values')
    ordered = sorted(values)
    position = (len(ordered) - 1) * percentile / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work (no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_callables(fns: Dict[str, Callable[[], object]], iters: int, warmup: int,
                   items_per_call: int, device: Optional[torch.device] = None
                   ) -> Dict[str, Timing]:
    """Time several callables *interleaved* (``a b c a b c ...``) so that a change of
    the machine's load during the run affects all of them alike (their ratios stay
    meaningful on a shared machine).

    Args:
        fns (dict[str, callable]): name -> no-argument callable (result discarded).
        iters (int): timed calls of each (>= 1).
        warmup (int): untimed calls of each first (>= 0).
        items_per_call (int): images per call.
        device (torch.device, optional): synchronised around each call when CUDA.

    Returns:
        dict[str, Timing]: per name.
    """
    if iters < 1 or warmup < 0:
        raise ValueError(f'need iters >= 1 and warmup >= 0, got {iters} and {warmup}')
    device = torch.device('cpu' if device is None else device)
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    synchronize(device)
    timings = {name: Timing(items_per_call=items_per_call) for name in fns}
    for _ in range(iters):
        for name, fn in fns.items():
            cpu_start = time.process_time()
            start = time.perf_counter()
            fn()
            synchronize(device)
            timings[name].latencies_s.append(time.perf_counter() - start)
            timings[name].cpu_s += time.process_time() - cpu_start
    for timing in timings.values():
        timing.wall_s = sum(timing.latencies_s)
    return timings


def time_callable(fn: Callable[[], object], iters: int, warmup: int, items_per_call: int,
                  device: Optional[torch.device] = None) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``iters`` times timed (see
    :func:`time_callables`)."""
    return time_callables({'fn': fn}, iters, warmup, items_per_call, device)['fn']


def reset_peak_memory(device: torch.device) -> bool:
    """Reset the peak-memory counter of ``device``; False when only the process-lifetime
    peak can be read afterwards (no ``/proc/self/clear_refs``)."""
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
        return True
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write(RESET_PEAK_RSS)
        return True
    except OSError:
        return False


def peak_memory_mb(device: torch.device) -> Tuple[float, str]:
    """Peak memory since the last :func:`reset_peak_memory`.

    Returns:
        tuple[float, str]: MiB and what was measured: ``'cuda_max_allocated'`` on GPU,
        ``'rss_hwm'`` (``VmHWM`` of ``/proc/self/status``) or ``'ru_maxrss'``
        (process-lifetime peak RSS) on CPU.
    """
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / KIB_PER_MIB ** 2, 'cuda_max_allocated'
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / KIB_PER_MIB, 'rss_hwm'
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * MAXRSS_UNIT_BYTES
    return peak / KIB_PER_MIB ** 2, 'ru_maxrss'


def current_memory_mb(device: torch.device) -> Optional[float]:
    """Memory held now, in the unit of :func:`peak_memory_mb`: the process RSS (``VmRSS``)
    on CPU, ``torch.cuda.memory_allocated`` on GPU; None where it cannot be read.
    ``peak - current`` around one call is that call's own working memory (activations,
    workspaces), without the weights and the process baseline."""
    if device.type == 'cuda':
        return torch.cuda.memory_allocated(device) / KIB_PER_MIB ** 2
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / KIB_PER_MIB
    except OSError:
        pass
    return None


def call_memory_mb(peak: float, start: Optional[float]) -> Optional[float]:
    """Peak memory above the memory held when the measured calls started (None when the
    start is unknown). The kernel updates ``VmHWM`` lazily, so a peak read after a call
    that allocated nothing new can be a few KiB below the RSS read at its start: the
    peak is at least the start, so the result is never negative."""
    return None if start is None else max(peak, start) - start


def load_average() -> Optional[Tuple[float, float, float]]:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return tuple(round(v, 2) for v in os.getloadavg())
    except (AttributeError, OSError):
        return None
