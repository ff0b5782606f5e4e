"""Inference benchmark: throughput, latency, memory, FLOPs and the time split of one
graph, optionally side by side with the reference graph and an ONNX Runtime model."""
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.fuse import cpu_bf16_support

from .accuracy import compare_outputs
from .data import random_tryon_inputs
from .flops import count_flops
from .graphs import build_graph
from .peak import machine_peaks
from .profiling import correlation_share_of_warp, module_time_split
from .timing import load_average, peak_memory_mb, reset_peak_memory, time_callable

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


def measure(fn: Callable[..., object], args: Tuple, options: InferenceOptions,
            device: torch.device) -> Dict[str, float]:
    """Time ``fn(*args)``; images/s, latency percentiles, CPU time and peak memory."""
    first_call = {}

    def call():
        return fn(*args)

    with torch.inference_mode():
        reset_peak_memory(device)
        start = time.perf_counter()
        call()  # first call separately: it includes compilation / lazy initialisation
        first_call['s'] = time.perf_counter() - start
        timing = time_callable(call, options.iters, max(options.warmup - 1, 0),
                               options.batch_size, device)
        peak, peak_kind = peak_memory_mb(device)
    result = dict(images_per_s=timing.items_per_s,
                  images_per_cpu_s=timing.items_per_cpu_s,
                  cpu_ms_per_image=MS_PER_S * timing.cpu_s / (options.iters * options.batch_size),
                  latency_ms_mean=MS_PER_S * timing.wall_s / options.iters,
                  first_call_s=first_call['s'], peak_mem_mb=peak, peak_mem_kind=peak_kind)
    for percentile in LATENCY_PERCENTILES:
        result[f'latency_ms_p{percentile}'] = timing.latency_ms(percentile)
    return result


def _split(root: Optional[nn.Module], fn, args, device) -> Dict[str, object]:
    if root is None:
        return {}
    with torch.inference_mode():
        split = module_time_split(lambda: fn(*args), root, device=device)
    return dict(module_time_ms=split, correlation_share_of_warp=correlation_share_of_warp(split))


def model_flops(model: nn.Module, inputs: Dict[str, Tensor]) -> float:
    """GFLOP per image of the model as defined (fp32 ``tensor_forward``: convolutions,
    matmuls and the correlation counted analytically)."""
    with torch.inference_mode():
        count = count_flops(lambda: model.tensor_forward(inputs), model)
    return count.per_item(inputs['person'].shape[0])


def environment(device: torch.device) -> Dict[str, object]:
    """Machine facts recorded with every result."""
    support = cpu_bf16_support()
    info = dict(torch=torch.__version__, threads=torch.get_num_threads(),
                cpu_capability=support.capability, native_bf16=support.native,
                native_bf16_flags=list(support.flags))
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info


def run_inference_benchmark(model: nn.Module, options: InferenceOptions) -> Dict[str, object]:
    """Benchmark ``model`` (a parser-free try-on in eval mode on ``options.device``).

    Returns:
        dict: the JSON result: ``images_per_s``, ``latency_ms_p50``, ``latency_ms_p95``,
        ``peak_mem_mb``, ``gflop_per_image``, ``gflop_per_s``, ``device``, ``precision``,
        ``batch_size`` and more (see docs/benchmark.md); ``reference`` / ``onnx``
        sub-results with speed-ups when requested.
    """
    device = torch.device(options.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    inputs = random_tryon_inputs(options.batch_size, options.height, options.width, device,
                                 options.seed)
    result = dict(mode='inference', options=asdict(options), load_avg_start=load_average(),
                  device=str(device), batch_size=options.batch_size,
                  **environment(device))
    gflop = model_flops(model, inputs) if options.flops else None

    built = build_graph(model, options.graph, options.precision, options.channels_last,
                        options.compile)
    args = _as_inputs(inputs, built.channels_last)
    result.update(graph=options.graph, precision=built.precision,
                  requested_precision=options.precision,
                  channels_last=built.channels_last, compile=options.compile)
    result.update(measure(built.fn, args, options, device))
    if options.profile:
        result.update(_split(built.profile_root, built.fn, args, device))
    result['gflop_per_image'] = gflop
    if gflop is not None:
        result['gflop_per_s'] = gflop * result['images_per_s']
        if built.flops_root is not None and options.graph == 'fast':
            with torch.inference_mode():
                executed = count_flops(lambda: built.fn(*args), built.flops_root)
            result['gflop_per_image_executed'] = executed.per_item(options.batch_size)

    if options.reference:
        reference = build_graph(model, 'reference', 'fp32', False, False)
        ref_args = _as_inputs(inputs, False)
        ref = measure(reference.fn, ref_args, options, device)
        if options.profile:
            ref.update(_split(reference.profile_root, reference.fn, ref_args, device))
        if gflop is not None:
            ref['gflop_per_s'] = gflop * ref['images_per_s']
        result['reference'] = ref
        result['speedup_vs_reference'] = result['images_per_s'] / ref['images_per_s']
        result['speedup_vs_reference_cpu_time'] = \
            result['images_per_cpu_s'] / ref['images_per_cpu_s']
        result['equality_vs_reference'] = compare_outputs(
            built.fn, reference.fn, [dict(zip(('person', 'cloth', 'cloth_mask'), args))])

    if options.onnx:
        result['onnx'] = _onnx_result(options, inputs, device, gflop, result)

    if options.peak:
        peaks = machine_peaks(options.device, channels_last=True)
        result['peak_gflop_per_s'] = peaks
        if gflop is not None and built.precision in peaks:
            result['fraction_of_peak'] = result['gflop_per_s'] / peaks[built.precision]
            if 'reference' in result:
                result['reference']['fraction_of_peak'] = \
                    result['reference']['gflop_per_s'] / peaks['fp32']
    result['load_avg_end'] = load_average()
    return result


def _onnx_result(options: InferenceOptions, inputs: Dict[str, Tensor], device,
                 gflop: Optional[float], result: Dict[str, object]) -> Dict[str, object]:
    from vtonbox.deploy import OnnxTryOn

    runner = OnnxTryOn(options.onnx, threads=options.threads)
    args = _as_inputs({k: v.cpu() for k, v in inputs.items()}, False)
    feeds = {name: tensor.numpy() for name, tensor in zip(('person', 'cloth', 'cloth_mask'),
                                                          args)}
    onnx = measure(lambda **_: runner.run_numpy(feeds), (), options, torch.device('cpu'))
    onnx.update(path=options.onnx, precision='fp32', backend='onnxruntime')
    if gflop is not None:
        onnx['gflop_per_s'] = gflop * onnx['images_per_s']
    if 'reference' in result:
        onnx['speedup_vs_reference'] = onnx['images_per_s'] / \
            result['reference']['images_per_s']
    return onnx
