"""Human-readable summary and JSON file of a benchmark result."""
import json
import math
import os
import os.path as osp
from typing import Dict, List

#: Keys every JSON result has (the contract of tools/analysis/benchmark.py --json).
REQUIRED_KEYS = ('images_per_s', 'latency_ms_p50', 'latency_ms_p95', 'peak_mem_mb',
                 'gflop_per_image', 'device', 'precision', 'batch_size')


def format_number(value, digits: int = 3, fixed_from: float = 100,
                  fixed_digits: int = 1) -> str:
    """A table cell: ``-`` for None, floats with ``digits`` significant digits below
    ``fixed_from`` and ``fixed_digits`` decimals from there on, anything else as str."""
    if value is None:
        return '-'
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if abs(value) < fixed_from:
            return f'{value:.{digits}g}'
        return f'{value:.{fixed_digits}f}'
    return str(value)


#: Width of the first column of the summary table (wider when a label needs it).
LABEL_WIDTH = 12


def _row(name: str, result: Dict[str, object], width: int = LABEL_WIDTH) -> str:
    keys = ('images_per_s', 'images_per_s_median', 'latency_ms_p50', 'latency_ms_p95',
            'peak_mem_mb', 'gflop_per_s', 'fraction_of_peak')
    return f'{name:<{width}}' + ''.join(f'{format_number(result.get(key)):>16}' for key in keys)


def summary_lines(result: Dict[str, object]) -> List[str]:
    """A small table: the measured graph, the reference, ONNX Runtime and the compared
    models when present."""
    label = f"{result.get('graph', result.get('mode'))}/{result.get('precision')}"
    rows = [(label, result)] + [(name, result[name]) for name in (
        'reference', 'fast_fp32', 'eager', 'onnx') if name in result]
    rows += [(osp.splitext(osp.basename(name))[0], part)
             for name, part in result.get('compare', {}).items()]
    width = max([LABEL_WIDTH] + [len(name) + 1 for name, _ in rows])
    header = f'{"":<{width}}' + ''.join(f'{k:>16}' for k in (
        'images/s', 'img/s (median)', 'p50 ms', 'p95 ms', 'peak MiB', 'GFLOP/s', 'of peak'))
    lines = [f"{result['mode']} on {result['device']}, batch {result['batch_size']}, "
             f"{result.get('threads')} threads, load avg {result.get('load_avg_start')} -> "
             f"{result.get('load_avg_end')}", header]
    lines += [_row(name, part, width) for name, part in rows]
    for key in ('gflop_per_image', 'gflop_per_image_executed', 'speedup_vs_reference',
                'speedup_vs_reference_median', 'speedup_vs_fast_fp32',
                'speedup_vs_fast_fp32_median', 'speedup_vs_eager', 'speedup_vs_eager_median',
                'speedup_vs_reference_cpu_time', 'correlation_share_of_warp',
                'data_wait_fraction', 'peak_gflop_per_s', 'equality_vs_reference'):
        if result.get(key) is not None:
            lines.append(f'{key}: {format_number(result[key])}')
    lines += _split_lines('', result)
    for name, part in result.get('compare', {}).items():
        lines.append(f'{name}: main is {format_number(part["speedup_of_main"])}x as fast '
                     f'(median {format_number(part["speedup_of_main_median"])}x), '
                     f'GFLOP/image {format_number(part.get("gflop_per_image"))}')
        lines += _split_lines(f'{name}: ', part)
    return lines


def _split_lines(prefix: str, result: Dict[str, object]) -> List[str]:
    """The GFLOP split and the profiled time split of one graph."""
    lines = []
    if result.get('gflop_per_image_by_group'):
        split = ', '.join(f'{k} {v:.2f}' for k, v in result['gflop_per_image_by_group'].items())
        lines.append(f'{prefix}GFLOP/image by module: {split}')
    if 'module_time_ms' in result:
        split = ', '.join(f'{k} {v:.1f}' for k, v in result['module_time_ms'].items())
        lines.append(f'{prefix}module time (ms/batch, profiled): {split}')
    return lines


def write_json(result: Dict[str, object], path: str) -> None:
    """Write ``result`` (checked for :data:`REQUIRED_KEYS`) to ``path``."""
    missing = [key for key in REQUIRED_KEYS if key not in result]
    if missing:
        raise KeyError(f'benchmark result misses keys {missing}')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(result, f, indent=2, default=str)
