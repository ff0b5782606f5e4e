"""Training benchmark: images/s of the full train step of a config's stage (teacher,
losses, backward, optimizer update) with real data loading from synthetic data in the
layout of the config's training dataset (VITON, VITON-HD, DressCode).

Weights that a real run loads from files (the frozen teacher, VGG19, the previous
stage's ``init_cfg``) are random here: the speed does not depend on them, and the
benchmark runs on a machine without those files.
"""
import copy
import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from torch import nn

from vtonbox.deploy import resolve_precision
from vtonbox.registry import MODELS
from vtonbox.utils.model_loading import offline_model_config

from .data import build_train_loader, endless, samples_needed, write_synthetic_train_data
from .flops import count_flops
from .inference import environment
from .timing import (
    call_memory_mb,
    current_memory_mb,
    load_average,
    peak_memory_mb,
    percentile_of,
    reset_peak_memory,
    synchronize,
)

MS_PER_S = 1000.0
#: Networks that ``--compile`` wraps in ``torch.compile`` when the model has them.
COMPILED_NETWORKS = ('warp_model', 'generator')
#: Optimizer wrapper types replaced for mixed precision.
PLAIN_WRAPPERS = ('OptimWrapper', 'AmpOptimWrapper', 'CPUAutocastOptimWrapper')
AUTOCAST_DTYPE_NAMES = {'bf16': 'bfloat16', 'fp16': 'float16'}


@dataclass
class TrainOptions:
    """What to run (see ``tools/analysis/benchmark.py --help``)."""

    batch_size: int = 4
    height: int = 256
    width: int = 192
    iters: int = 3
    warmup: int = 1
    device: str = 'cpu'
    precision: str = 'fp32'
    channels_last: bool = False
    compile: bool = False
    num_workers: int = 1
    data_root: Optional[str] = None
    flops: bool = True
    seed: int = 0


def benchmark_model_config(model_cfg: dict) -> dict:
    """The training model config with random weights instead of external files (teacher
    checkpoint, pretrained VGG19, partial initialisation), teacher and losses kept."""
    return offline_model_config(model_cfg, keep_training_parts=True)


def optim_wrapper_config(optim_cfg: dict, precision: str, device: torch.device) -> dict:
    """``optim_cfg`` with the mixed-precision wrapper of ``precision`` on ``device``."""
    cfg = copy.deepcopy(dict(optim_cfg))
    if precision == 'fp32':
        return cfg
    if cfg.get('type', 'OptimWrapper') not in PLAIN_WRAPPERS:
        raise ValueError(f"cannot switch optim_wrapper type {cfg['type']!r} to {precision}")
    dtype = AUTOCAST_DTYPE_NAMES[precision]
    if device.type == 'cuda':
        cfg.update(type='AmpOptimWrapper', dtype=dtype,
                   loss_scale='dynamic' if precision == 'fp16' else 1.0)
    else:
        cfg.update(type='CPUAutocastOptimWrapper', dtype=dtype)
    return cfg


def compile_networks(model: nn.Module, names: Sequence[str] = COMPILED_NETWORKS) -> list:
    """Replace ``model.<name>`` by ``torch.compile(model.<name>)``; returns the names."""
    compiled = []
    for name in names:
        module = getattr(model, name, None)
        if isinstance(module, nn.Module):
            setattr(model, name, torch.compile(module))
            compiled.append(name)
    return compiled


def run_train_benchmark(cfg: Config, options: TrainOptions) -> Dict[str, object]:
    """Time ``options.iters`` train steps of ``cfg``'s model after ``options.warmup``.

    Args:
        cfg (Config): the training config (``model``, ``optim_wrapper`` and
            ``train_dataloader`` are used).
        options (TrainOptions): batch size, size, device, precision, steps ...

    Returns:
        dict: ``images_per_s``, ``latency_ms_p50`` / ``p95`` (per step), ``peak_mem_mb``,
        ``gflop_per_image`` (forward + backward), ``data_wait_fraction`` (time blocked on
        the dataloader) and the common keys (device, precision, batch_size ...).
    """
    device = torch.device(options.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    precision = resolve_precision(options.precision, device)
    torch.manual_seed(options.seed)
    model = MODELS.build(benchmark_model_config(cfg.model)).to(device)
    if options.channels_last:
        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.channels_last = True
    if device.type == 'cuda':
        model.data_preprocessor._non_blocking = True
    compiled = compile_networks(model) if options.compile else []
    model.train()
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # the optimizer constructor logs every parameter
    try:
        optim_wrapper = build_optim_wrapper(
            model, optim_wrapper_config(cfg.optim_wrapper, precision, device))
    finally:
        logger.setLevel(level)
    result = dict(mode='train', model=type(model).__name__, options=asdict(options),
                  load_avg_start=load_average(), device=str(device),
                  batch_size=options.batch_size, precision=precision,
                  requested_precision=options.precision, channels_last=options.channels_last,
                  compile=options.compile, compiled_networks=compiled,
                  **environment(device))
    steps = options.warmup + options.iters + (1 if options.flops else 0)
    with tempfile.TemporaryDirectory(prefix='vtonbox_bench_') as tmp:
        data_root = options.data_root or tmp
        if options.data_root is None:
            result['synthetic_layout'] = write_synthetic_train_data(
                tmp, cfg.train_dataloader['dataset'], samples_needed(options.batch_size, steps),
                options.seed, (options.height, options.width))
        loader = build_train_loader(cfg.train_dataloader, data_root,
                                    (options.height, options.width), options.batch_size,
                                    options.num_workers, device.type == 'cuda', options.seed)
        result.update(_time_steps(model, optim_wrapper, endless(loader), options, device))
    result['load_avg_end'] = load_average()
    return result


def _time_steps(model, optim_wrapper, batches, options: TrainOptions,
                device: torch.device) -> Dict[str, object]:
    start = time.perf_counter()
    for _ in range(options.warmup):
        model.train_step(next(batches), optim_wrapper)
    synchronize(device)
    warmup_s = time.perf_counter() - start
    reset_peak_memory(device)
    start_mem = current_memory_mb(device)
    step_s, wait_s = [], []
    cpu_start = time.process_time()
    for _ in range(options.iters):
        start = time.perf_counter()
        batch = next(batches)
        fetched = time.perf_counter()
        model.train_step(batch, optim_wrapper)
        synchronize(device)
        step_s.append(time.perf_counter() - start)
        wait_s.append(fetched - start)
    cpu_s = time.process_time() - cpu_start
    peak, peak_kind = peak_memory_mb(device)
    total = sum(step_s)
    images = options.iters * options.batch_size
    result = dict(images_per_s=images / total, images_per_cpu_s=images / cpu_s,
                  latency_ms_p50=MS_PER_S * percentile_of(step_s, 50),
                  latency_ms_p95=MS_PER_S * percentile_of(step_s, 95),
                  latency_ms_mean=MS_PER_S * total / options.iters,
                  data_wait_fraction=sum(wait_s) / total, warmup_s=warmup_s,
                  peak_mem_mb=peak, peak_mem_kind=peak_kind, start_mem_mb=start_mem,
                  call_mem_mb=call_memory_mb(peak, start_mem))
    result['gflop_per_image'] = None
    if options.flops:
        batch = next(batches)
        count = count_flops(lambda: model.train_step(batch, optim_wrapper), model)
        result['gflop_per_image'] = count.per_item(options.batch_size)
        result['gflop_per_s'] = result['gflop_per_image'] * result['images_per_s']
    return result
