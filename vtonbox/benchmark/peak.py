"""Measured peak convolution throughput of this machine (the "100 %" of GFLOP/s).

A 3x3, 256 -> 256 channel convolution at 64 x 48 (batch 4) is the bulk shape of PF-AFN
(encoder, FPN and generator middle levels). Its best-of-N throughput in a given dtype
and memory format is what the model's achieved GFLOP/s is compared with.
"""
import time
from typing import Dict, Tuple

import torch
from torch import nn

from .timing import synchronize

#: (batch, channels, height, width) and kernel of the microbenchmark.
PEAK_SHAPE = (4, 256, 64, 48)
PEAK_KERNEL = 3
PEAK_REPEATS = 10
FLOPS_PER_MAC = 2


def conv_peak_gflops(dtype: torch.dtype = torch.float32, channels_last: bool = True,
                     device: str = 'cpu', repeats: int = PEAK_REPEATS,
                     shape: Tuple[int, int, int, int] = PEAK_SHAPE) -> float:
    """Best GFLOP/s (wall clock) of the reference convolution.

    Args:
        dtype (torch.dtype): float32, bfloat16 or float16.
        channels_last (bool): memory format of input and weight.
        device (str): ``'cpu'`` or ``'cuda'``.
        repeats (int): timed calls; the fastest counts.
        shape (tuple[int, int, int, int]): ``(N, C, H, W)`` of the input (output has
            the same shape).

    Returns:
        float: GFLOP/s.
    """
    device = torch.device(device)
    batch, channels, height, width = shape
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    conv = nn.Conv2d(channels, channels, PEAK_KERNEL, padding=PEAK_KERNEL // 2, bias=False)
    conv = conv.to(device=device, dtype=dtype, memory_format=memory_format).eval()
    x = torch.randn(shape, device=device).to(dtype).contiguous(memory_format=memory_format)
    flops = FLOPS_PER_MAC * batch * height * width * channels * channels * PEAK_KERNEL ** 2
    best = float('inf')
    with torch.inference_mode():
        conv(x)
        for _ in range(repeats):
            synchronize(device)
            start = time.perf_counter()
            conv(x)
            synchronize(device)
            best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def machine_peaks(device: str = 'cpu', channels_last: bool = True) -> Dict[str, float]:
    """Peak GFLOP/s of fp32 and of the low-precision dtype the device runs natively."""
    peaks = {'fp32': conv_peak_gflops(torch.float32, channels_last, device)}
    peaks['bf16'] = conv_peak_gflops(torch.bfloat16, channels_last, device)
    if torch.device(device).type == 'cuda':
        peaks['fp16'] = conv_peak_gflops(torch.float16, channels_last, device)
    return peaks
