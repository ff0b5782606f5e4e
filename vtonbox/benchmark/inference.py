"""Inference benchmark: throughput, latency, memory, FLOPs and the time split of one
graph, optionally side by side with the reference graph, an ONNX Runtime model and the
same graph of other models (e.g. the mobile student beside PF-AFN)."""
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from vtonbox.deploy import OnnxTryOn, cpu_bf16_support, max_abs_diff_vs_pytorch

from .accuracy import compare_outputs
from .data import random_tryon_inputs
from .flops import FlopCount, count_flops
from .graphs import build_graph
from .peak import machine_peaks
from .profiling import correlation_share_of_warp, module_groups_of, module_time_split
from .timing import (
    call_memory_mb,
    current_memory_mb,
    load_average,
    peak_memory_mb,
    percentile_of,
    reset_peak_memory,
    time_callables,
)

MS_PER_S = 1000.0
#: Percentiles reported for the per-batch latency.
LATENCY_PERCENTILES = (50, 95)


@dataclass
class InferenceOptions:
    """What to run (see ``tools/analysis/benchmark.py --help``)."""

    batch_size: int = 4
    height: int = 256
    width: int = 192
    iters: int = 5
    warmup: int = 2
    device: str = 'cpu'
    precision: str = 'fp32'
    channels_last: bool = False
    compile: bool = False
    graph: str = 'fast'
    reference: bool = False
    compare_fp32: bool = False
    compare_eager: bool = False
    onnx: Optional[str] = None
    threads: Optional[int] = None
    profile: bool = True
    flops: bool = True
    peak: bool = False
    seed: int = 0


def _as_inputs(inputs: Dict[str, Tensor], channels_last: bool) -> Tuple[Tensor, ...]:
    args = (inputs['person'], inputs['cloth'], inputs['cloth_mask'])
    if channels_last:
        args = tuple(t.contiguous(memory_format=torch.channels_last) for t in args)
    return args


def measure(calls: Dict[str, Callable[[], object]], options: InferenceOptions,
            device: torch.device) -> Dict[str, Dict[str, float]]:
    """Time every no-argument call, interleaved (see :func:`time_callables`).

    Per call: images/s, latency percentiles, CPU time, the duration of the first call
    (compilation, lazy initialisation) and the peak memory of one call after warm-up.
    """
    results = {name: {} for name in calls}
    with torch.inference_mode():
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            results[name]['first_call_s'] = time.perf_counter() - start
        for name, call in calls.items():
            reset_peak_memory(device)
            start_mem = current_memory_mb(device)
            call()
            peak, results[name]['peak_mem_kind'] = peak_memory_mb(device)
            results[name].update(peak_mem_mb=peak, start_mem_mb=start_mem,
                                 call_mem_mb=call_memory_mb(peak, start_mem))
        timings = time_callables(calls, options.iters, max(options.warmup - 1, 0),
                                 options.batch_size, device)
    for name, timing in timings.items():
        results[name]['latencies_ms'] = [MS_PER_S * t for t in timing.latencies_s]
        results[name].update(
            images_per_s=timing.items_per_s, images_per_cpu_s=timing.items_per_cpu_s,
            images_per_s_median=options.batch_size * MS_PER_S / timing.latency_ms(50),
            cpu_ms_per_image=MS_PER_S * timing.cpu_s / (options.iters * options.batch_size),
            latency_ms_mean=MS_PER_S * timing.wall_s / options.iters)
        for percentile in LATENCY_PERCENTILES:
            results[name][f'latency_ms_p{percentile}'] = timing.latency_ms(percentile)
    return results


def median_ratio(slow: Dict[str, object], fast: Dict[str, object]) -> float:
    """Median over iterations of ``slow`` latency / ``fast`` latency of the same
    (interleaved) iteration: the speed-up least disturbed by other jobs on the machine."""
    ratios = [a / b for a, b in zip(slow['latencies_ms'], fast['latencies_ms'])]
    return percentile_of(ratios, 50)


def _split(built, args, device) -> Dict[str, object]:
    if built.profile_root is None:
        return {}
    with torch.inference_mode():
        split = module_time_split(lambda: built.fn(*args), built.profile_root, device=device)
    return dict(module_time_ms=split, correlation_share_of_warp=correlation_share_of_warp(split))


def model_flop_count(model: nn.Module, inputs: Dict[str, Tensor]) -> FlopCount:
    """FLOPs of the model as defined (fp32 ``tensor_forward``: convolutions, matmuls and
    the correlation counted analytically), split by the module groups it has
    (:func:`~vtonbox.benchmark.profiling.module_groups_of`)."""
    with torch.inference_mode():
        return count_flops(lambda: model.tensor_forward(inputs), model,
                           module_groups_of(model))


def model_flops(model: nn.Module, inputs: Dict[str, Tensor]) -> float:
    """GFLOP per image of the model as defined (see :func:`model_flop_count`)."""
    return model_flop_count(model, inputs).per_item(inputs['person'].shape[0])


def environment(device: torch.device) -> Dict[str, object]:
    """Machine facts recorded with every result."""
    support = cpu_bf16_support()
    info = dict(torch=torch.__version__, threads=torch.get_num_threads(),
                cpu_capability=support.capability, native_bf16=support.native,
                native_bf16_flags=list(support.flags))
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info


def run_inference_benchmark(model: nn.Module, options: InferenceOptions,
                            compare_models: Optional[Dict[str, nn.Module]] = None
                            ) -> Dict[str, object]:
    """Benchmark ``model`` (a parser-free try-on in eval mode on ``options.device``).

    The graph under test, the reference graph (``options.reference``), the ONNX Runtime
    model (``options.onnx``) and the same graph of every model of ``compare_models``
    are timed interleaved on the same inputs.

    Args:
        model (nn.Module): the model under test.
        options (InferenceOptions): what to run.
        compare_models (dict[str, nn.Module], optional): name (e.g. its config) ->
            another try-on model on the same device; its ``options.graph`` is timed
            beside the one under test with the same precision and memory format.

    Returns:
        dict: the JSON result: ``images_per_s``, ``latency_ms_p50``, ``latency_ms_p95``,
        ``peak_mem_mb``, ``gflop_per_image``, ``gflop_per_image_by_group``,
        ``gflop_per_s``, ``device``, ``precision``, ``batch_size`` and more (see
        docs/benchmark.md); ``reference`` / ``onnx`` sub-results with speed-ups when
        requested; ``compare`` (name -> the same metrics and ``speedup_of_main``).
    """
    device = torch.device(options.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    inputs = random_tryon_inputs(options.batch_size, options.height, options.width, device,
                                 options.seed)
    result = dict(mode='inference', options=asdict(options), load_avg_start=load_average(),
                  device=str(device), batch_size=options.batch_size,
                  **environment(device))
    peaks = machine_peaks(options.device) if options.peak else None
    flop_count = model_flop_count(model, inputs) if options.flops else None
    gflop = None if flop_count is None else flop_count.per_item(options.batch_size)

    graphs = {'main': build_graph(model, options.graph, options.precision,
                                  options.channels_last, options.compile)}
    for name, spec in _baseline_specs(options).items():
        graphs[name] = build_graph(model, *spec)
    for name, other in (compare_models or {}).items():
        graphs[COMPARE_PREFIX + name] = build_graph(
            other, options.graph, options.precision, options.channels_last, options.compile)
    graph_args = {name: _as_inputs(inputs, g.channels_last) for name, g in graphs.items()}
    calls = {name: (lambda fn=g.fn, args=graph_args[name]: fn(*args))
             for name, g in graphs.items()}
    if options.onnx:
        onnx_runner, feeds = _onnx_runner(options, inputs)
        calls['onnx'] = lambda: onnx_runner.run_numpy(feeds)
    measured = measure(calls, options, device)
    built, args = graphs['main'], graph_args['main']
    compared = {name: (other, graphs[COMPARE_PREFIX + name], graph_args[COMPARE_PREFIX + name])
                for name, other in (compare_models or {}).items()}
    compare_results = {name: measured.pop(COMPARE_PREFIX + name) for name in compared}

    result.update(graph=options.graph, precision=built.precision,
                  requested_precision=options.precision, channels_last=built.channels_last,
                  compile=options.compile, **measured['main'])
    if options.profile:
        result.update(_split(built, args, device))
    result['gflop_per_image'] = gflop
    if gflop is not None:
        result['gflop_per_image_by_group'] = flop_count.per_item_by_group(options.batch_size)
        _add_flop_rates(result, measured, gflop, built, args, options)
    if options.reference:
        reference = graphs['reference']
        if options.profile:
            measured['reference'].update(_split(reference, graph_args['reference'], device))
        result['equality_vs_reference'] = compare_outputs(
            built.fn, reference.fn, [dict(zip(('person', 'cloth', 'cloth_mask'), args))])
    for name in BASELINES:
        if name in measured:
            result[name] = measured[name]
            result.update(_speedups(measured['main'], measured[name], name))
    if options.onnx:
        onnx = measured['onnx']
        onnx.update(path=options.onnx, precision='fp32', backend='onnxruntime',
                    max_abs_diff_vs_model=max_abs_diff_vs_pytorch(onnx_runner, model, inputs))
        if options.reference:
            onnx['speedup_vs_reference'] = \
                onnx['images_per_s'] / measured['reference']['images_per_s']
        result['onnx'] = onnx
    if peaks is not None:
        _add_fractions_of_peak(result, measured, peaks, gflop, built.precision, options.device)
    if compared:
        result['compare'] = {
            name: _compared_result(measured['main'], compare_results[name], *compared[name],
                                   inputs, options, result.get('peak_gflop_per_s'))
            for name in compared}
    result['load_avg_end'] = load_average()
    return result


#: Prefix of the timed calls of ``compare_models``.
COMPARE_PREFIX = 'compare/'


def _compared_result(main: Dict[str, object], measured: Dict[str, object],
                     model: nn.Module, built, args, inputs: Dict[str, Tensor],
                     options: InferenceOptions,
                     peaks: Optional[Dict[str, float]]) -> Dict[str, object]:
    """One compared model's metrics (its own FLOPs, split and fraction of peak) and how
    much faster the model under test is (``speedup_of_main``, ``_median``)."""
    out = dict(measured, precision=built.precision)
    if options.flops:
        count = model_flop_count(model, inputs)
        out['gflop_per_image'] = count.per_item(options.batch_size)
        out['gflop_per_image_by_group'] = count.per_item_by_group(options.batch_size)
        out['gflop_per_s'] = out['gflop_per_image'] * out['images_per_s']
        if peaks is not None and built.precision in peaks:
            out['fraction_of_peak'] = out['gflop_per_s'] / peaks[built.precision]
    if options.profile:
        out.update(_split(built, args, torch.device(options.device)))
    out['speedup_of_main'] = main['images_per_s'] / out['images_per_s']
    out['speedup_of_main_median'] = median_ratio(out, main)
    return out


#: Graphs timed beside the one under test, whose speed-ups the result reports.
BASELINES = ('reference', 'fast_fp32', 'eager')


def _baseline_specs(options: InferenceOptions) -> Dict[str, Tuple[str, str, bool, bool]]:
    """The :data:`BASELINES` that ``options`` asks for: name -> ``build_graph``'s
    ``(graph, precision, channels_last, compile)``."""
    specs = {}
    if options.reference:  # the upstream-style graph, fp32 NCHW
        specs['reference'] = ('reference', 'fp32', False, False)
    if options.compare_fp32:  # the eager fp32 fast graph: baseline of bf16 and compile
        specs['fast_fp32'] = ('fast', 'fp32', options.channels_last, False)
    if options.compare_eager and options.compile:  # same graph and precision, eager
        specs['eager'] = (options.graph, options.precision, options.channels_last, False)
    return specs


def _speedups(main: Dict[str, float], baseline: Dict[str, float],
              name: str) -> Dict[str, float]:
    """Speed-ups of ``main`` over ``baseline``: images/s, CPU-time and median ratios."""
    return {f'speedup_vs_{name}': main['images_per_s'] / baseline['images_per_s'],
            f'speedup_vs_{name}_cpu_time': main['images_per_cpu_s']
            / baseline['images_per_cpu_s'],
            f'speedup_vs_{name}_median': median_ratio(baseline, main)}


def _add_flop_rates(result: dict, measured: dict, gflop: float, built, args,
                    options: InferenceOptions) -> None:
    """GFLOP/s of every timed graph, and the GFLOP the fast graph really executes."""
    for part in measured.values():
        part['gflop_per_s'] = gflop * part['images_per_s']
    result['gflop_per_s'] = measured['main']['gflop_per_s']
    if built.flops_root is not None and options.graph == 'fast':
        with torch.inference_mode():
            executed = count_flops(lambda: built.fn(*args), built.flops_root)
        result['gflop_per_image_executed'] = executed.per_item(options.batch_size)


def _add_fractions_of_peak(result: dict, measured: dict, peaks: Dict[str, float],
                           gflop: Optional[float], precision: str, device: str) -> None:
    """The machine's peaks (best of before and after the run) and each graph's share."""
    later = machine_peaks(device)
    peaks = {key: max(value, later[key]) for key, value in peaks.items()}
    result['peak_gflop_per_s'] = peaks
    if gflop is not None and precision in peaks:
        result['fraction_of_peak'] = result['gflop_per_s'] / peaks[precision]
        for part in measured.values():
            if part is not measured['main']:
                part['fraction_of_peak'] = part['gflop_per_s'] / peaks['fp32']


def _onnx_runner(options: InferenceOptions, inputs: Dict[str, Tensor]):
    runner = OnnxTryOn(options.onnx, threads=options.threads)
    feeds = {name: inputs[name].detach().float().cpu().numpy()
             for name in ('person', 'cloth', 'cloth_mask')}
    return runner, feeds
