import mmap

import numpy as np
import psutil
import pytest
import torch

from vtonbox.benchmark.timing import (
    call_memory_mb,
    current_memory_mb,
    load_average,
    peak_memory_mb,
    percentile_of,
    reset_peak_memory,
    time_callable,
    time_callables,
)


def test_percentile_matches_numpy():
    values = [0.3, 0.1, 0.7, 0.2, 0.9]
    for q in (0, 50, 95, 100):
        assert percentile_of(values, q) == pytest.approx(np.percentile(values, q))
    with pytest.raises(ValueError):
        percentile_of([], 50)


def test_time_callable_counts_calls():
    calls = []
    timing = time_callable(lambda: calls.append(1), iters=3, warmup=2, items_per_call=4)
    assert len(calls) == 5 and len(timing.latencies_s) == 3
    assert timing.wall_s == pytest.approx(sum(timing.latencies_s))
    assert timing.items_per_s > 0 and timing.latency_ms(95) >= timing.latency_ms(50) >= 0
    with pytest.raises(ValueError, match='iters'):
        time_callable(lambda: None, iters=0, warmup=0, items_per_call=1)


def test_peak_memory_and_reset():
    device = torch.device('cpu')
    # The process may have peaked higher before (e.g. an earlier test in this worker):
    # restart the peak from the current RSS first, so that the block makes the peak.
    resettable = reset_peak_memory(device)
    # 256 MiB mapped straight from the system and touched: freeing it surely lowers the
    # RSS (a tensor may come from heap memory the process keeps after freeing it,
    # depending on what ran before in this process)
    block = mmap.mmap(-1, 256 * 2 ** 20)
    pages = np.frombuffer(block, dtype=np.uint8)
    pages[:] = 1
    with_block, kind = peak_memory_mb(device)
    assert kind in ('rss_hwm', 'ru_maxrss')
    assert with_block >= psutil.Process().memory_info().rss / 2 ** 20 - 1
    del pages
    block.close()
    if resettable and reset_peak_memory(device):  # Linux: restarts from the current RSS
        assert peak_memory_mb(device)[0] < with_block - 128


def test_load_average():
    load = load_average()
    assert load is None or len(load) == 3


def test_time_callables_interleave():
    order = []
    timings = time_callables({'a': lambda: order.append('a'), 'b': lambda: order.append('b')},
                             iters=2, warmup=1, items_per_call=2)
    assert order == ['a', 'b'] * 3
    assert set(timings) == {'a', 'b'} and len(timings['b'].latencies_s) == 2
    assert timings['a'].cpu_s >= 0 and timings['a'].items_per_call == 2


def test_call_memory_is_the_peak_above_the_start():
    device = torch.device('cpu')
    if not reset_peak_memory(device):
        pytest.skip('no /proc/self/clear_refs: only the lifetime peak is readable')
    start = current_memory_mb(device)
    # the process RSS (whether a new block raises it depends on what the allocator
    # already holds, so only the reading and the arithmetic are checked here)
    assert start == pytest.approx(psutil.Process().memory_info().rss / 2 ** 20, abs=64)
    peak, _ = peak_memory_mb(device)
    assert peak >= start - 1
    assert call_memory_mb(peak, start) == max(peak, start) - start >= 0
    assert call_memory_mb(start - 1, start) == 0
    assert call_memory_mb(peak, None) is None
