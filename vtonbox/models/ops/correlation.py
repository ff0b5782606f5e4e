"""Local correlation (cost volume) of two feature maps, pure PyTorch.

Replaces the cupy kernel of PF-AFN (``models/correlation/correlation.py``, CUDA only)
with the same semantics for ``intStride=1``, on any device, with autograd::

    out[n, k, y, x] = 1/C * sum_c first[n, c, y, x] * second[n, c, y + dy, x + dx]
    k = (dy + d) * (2d + 1) + (dx + d),  dy, dx in [-d, d]  (d = max displacement = 3)

``second`` is zero outside the image. Differences to the cupy kernel are float
summation order only.

Algorithm (chosen by measurement, see below): for every row shift ``dy`` and every block
of ``block_width`` columns, one batched GEMM multiplies the block of ``first``
``(bw, C)`` with the window of ``second`` ``(C, bw + 2d)`` of the shifted row, and the
``2d + 1`` diagonals of the ``(bw, bw + 2d)`` product are the dx-correlations. The
tensors are laid out ``(H, N, W, C)`` / ``(H + 2d, N, C, W + 2d)`` so that every operand
is a strided view (no per-shift copies). The product wastes ``(bw + 2d) / (2d + 1)``
FLOPs but runs on the GEMM units; memory is ``O(N C H W)`` (never ``N x 49 x C x H x W``).
The backward pass is written by hand with the same GEMMs (no autograd graph of 49
nodes, no 49 full-size gradient buffers). Second-order gradients are not supported.

Compute dtype: outside autocast both inputs are promoted to a common dtype and the
output has it. Under autocast the correlation is treated like a matmul (autocast's
lower-precision list): inputs are cast to the autocast dtype (bf16/fp16), products
are accumulated in float32 inside the GEMM, and the output has the autocast dtype
(its relative rounding error, ~4e-3 for bf16, is that of the convolution that consumes
it).

Measured on CPU (Xeon with AVX-512/AMX, 1 thread, process CPU time so that other jobs on
the shared machine do not distort it, min of 2-5 runs, ms), N = 4, C = 256, the pyramid
levels of a 256 x 192 input. ``shift``: 49 shifted products + channel mean (autograd);
``gemmB``: this module with ``block_width=B``; bf16 = under ``torch.autocast('cpu',
torch.bfloat16)``. (An ``F.unfold`` version was 1.3-8x slower than ``shift``; a 49-shift
loop with a hand-written backward was 2-8x slower than ``gemm96`` in training.)

======  ============================  ============================
level   forward: shift/gemm32/gemm96  fwd+bwd: shift/gemm32/gemm96
======  ============================  ============================
fp32
8x6     2.5 / 0.4 / 0.4               15 / 1.6 / 1.5
16x12   5.8 / 1.5 / 1.4               51 / 4.8 / 4.6
32x24   34 / 8.6 / 5.3                148 / 17 / 17
64x48   140 / 58 / 50                 898 / 174 / 120
128x96  1448 / 292 / 292              7003 / 831 / 865
bf16
8x6     4.0 / 0.5 / 0.5               13 / 1.7 / 1.7
16x12   7.7 / 0.9 / 0.9               39 / 3.5 / 3.2
32x24   21 / 3.8 / 3.4                145 / 11 / 10.6
64x48   69 / 36 / 14.5                839 / 129 / 54
128x96  459 / 123 / 83                4162 / 512 / 346
======  ============================  ============================

The GEMM version is about 3-16x faster than the 49-shift loop at every level and dtype;
whole-row blocks (block width >= W) are best or tied, so the default block width is 96
(whole rows up to the 128 x 96 level; larger maps are tiled to bound the wasted FLOPs).
No CUDA device was available for measurement; the same code runs there (7 batched
GEMMs per 96 columns).

Implementations: ``'gemm'`` (the above, default) and ``'shift'``, the plain formula (49
shifted products and a channel mean, autograd through plain ops). The shift version is
what ONNX export uses (the GEMM version's strided band views do not export; it is
selected automatically under ``torch.onnx.is_in_onnx_export()``) and what the benchmark's
reference graph runs; both give the same values up to float summation order.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from vtonbox.registry import MODELS

#: Upstream PF-AFN: max displacement 3 -> 7 x 7 = 49 output channels.
DEFAULT_MAX_DISPLACEMENT = 3
#: Columns per GEMM block: whole rows up to W = 96 (measured fastest, see above).
DEFAULT_BLOCK_WIDTH = 96
#: ``'gemm'``: batched GEMMs (fast); ``'shift'``: the plain 49-shift formula (exportable).
IMPLEMENTATIONS = ('gemm', 'shift')


def _layout(first: Tensor, second: Tensor, disp: int,
            block: int) -> Tuple[Tensor, Tensor]:
    """Return ``first`` as ``(H * N, Wp, C)`` and padded ``second`` as
    ``(H + 2d, N, C, Wp + 2d)``, both contiguous (``Wp`` = W rounded up to ``block``)."""
    batch, channels, height, width = first.shape
    padded_width = -(-width // block) * block
    # One copy per operand into a buffer whose padding alone is zeroed (F.pad followed by
    # a permuted copy would write every element twice and zero-fill the whole buffer).
    rows_first = first.new_empty(height, batch, padded_width, channels)
    rows_first[:, :, :width].copy_(first.permute(2, 0, 3, 1))
    rows_first[:, :, width:].zero_()
    rows_second = second.new_empty(height + 2 * disp, batch, channels,
                                   padded_width + 2 * disp)
    rows_second[disp:disp + height, :, :, disp:disp + width].copy_(second.permute(2, 0, 1, 3))
    for border in (rows_second[:disp], rows_second[disp + height:],
                   rows_second[..., :disp], rows_second[..., disp + width:]):
        border.zero_()
    return rows_first.view(height * batch, padded_width, channels), rows_second


def _band(matrix: Tensor, block: int, size: int) -> Tensor:
    """Diagonal band ``matrix[:, i, i + j]`` (j < size) of a contiguous
    ``(B, block, block + size - 1)`` tensor as a ``(B, block, size)`` view."""
    return matrix.as_strided((matrix.shape[0], block, size),
                             (matrix.stride(0), matrix.shape[2] + 1, 1))


class _LocalCorrelation(torch.autograd.Function):
    """Autograd function; see :func:`local_correlation`."""

    @staticmethod
    def forward(ctx, first: Tensor, second: Tensor, disp: int, block_width: int) -> Tensor:
        batch, channels, height, width = first.shape
        size = 2 * disp + 1
        block = min(block_width, width)
        rows_first, rows_second = _layout(first, second, disp, block)
        padded_width = rows_first.shape[1]
        out = first.new_empty(height * batch, padded_width, size, size)
        for dy in range(size):
            shifted = rows_second[dy:dy + height].view(height * batch, channels, -1)
            for x0 in range(0, padded_width, block):
                product = torch.bmm(rows_first[:, x0:x0 + block],
                                    shifted[:, :, x0:x0 + block + 2 * disp])
                out[:, x0:x0 + block, dy] = _band(product, block, size)
        ctx.save_for_backward(rows_first, rows_second)
        ctx.shape, ctx.disp, ctx.block = first.shape, disp, block
        out = out.view(height, batch, padded_width, size * size)[:, :, :width]
        return out.permute(1, 3, 0, 2).contiguous().div_(channels)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        rows_first, rows_second = ctx.saved_tensors
        batch, channels, height, width = ctx.shape
        disp, block = ctx.disp, ctx.block
        size = 2 * disp + 1
        padded_width = rows_first.shape[1]
        grad = (grad_out.to(rows_first.dtype) / channels).permute(2, 0, 3, 1)
        grad = F.pad(grad, (0, 0, 0, padded_width - width)).contiguous()
        grad = grad.view(height * batch, padded_width, size, size)
        need_first, need_second = ctx.needs_input_grad[:2]
        grad_first = torch.zeros_like(rows_first) if need_first else None
        grad_second = torch.zeros_like(rows_second) if need_second else None
        band_grad = rows_first.new_zeros(height * batch, block, block + 2 * disp)
        band = _band(band_grad, block, size)
        for dy in range(size):
            shifted = rows_second[dy:dy + height].view(height * batch, channels, -1)
            if need_second:
                grad_shifted = grad_second[dy:dy + height].view(height * batch, channels, -1)
            for x0 in range(0, padded_width, block):
                band.copy_(grad[:, x0:x0 + block, dy])
                window = slice(x0, x0 + block + 2 * disp)
                if need_first:
                    grad_first[:, x0:x0 + block].baddbmm_(
                        band_grad, shifted[:, :, window].transpose(1, 2))
                if need_second:
                    grad_shifted[:, :, window].baddbmm_(
                        rows_first[:, x0:x0 + block].transpose(1, 2), band_grad)
        if need_first:
            grad_first = grad_first.view(height, batch, padded_width, channels)[:, :, :width]
            grad_first = grad_first.permute(1, 3, 0, 2)
        if need_second:
            grad_second = grad_second[disp:disp + height, :, :, disp:disp + width]
            grad_second = grad_second.permute(1, 2, 0, 3)
        return grad_first, grad_second, None, None


def active_autocast_dtype(device_type: str) -> Optional[torch.dtype]:
    """The autocast dtype in effect for ``device_type``, or None (torch >= 2.1)."""
    if hasattr(torch, 'get_autocast_dtype'):  # torch >= 2.4
        enabled = torch.is_autocast_enabled(device_type)
        return torch.get_autocast_dtype(device_type) if enabled else None
    if device_type == 'cpu':
        return torch.get_autocast_cpu_dtype() if torch.is_autocast_cpu_enabled() else None
    if device_type == 'cuda':
        return torch.get_autocast_gpu_dtype() if torch.is_autocast_enabled() else None
    return None


def correlation_dtype(first: Tensor, second: Tensor) -> torch.dtype:
    """Compute dtype: the autocast dtype when autocast is on, else the promoted dtype."""
    autocast_dtype = active_autocast_dtype(first.device.type)
    if autocast_dtype is not None:
        return autocast_dtype
    return torch.promote_types(first.dtype, second.dtype)


def shift_correlation(first: Tensor, second: Tensor,
                      max_displacement: int = DEFAULT_MAX_DISPLACEMENT) -> Tensor:
    """The plain formula: zero-pad ``second`` by d, one shifted product per displacement,
    channel mean, stacked in ``k = (dy + d) * (2d + 1) + dx + d`` order.

    Exportable to ONNX (Pad, Slice, Mul, ReduceMean, Concat) and differentiable by
    autograd; slower than the GEMM version (see the module docstring). Inputs must share
    shape and dtype (no checks: :func:`local_correlation` does them).

    Args:
        first (Tensor): ``(N, C, H, W)``.
        second (Tensor): ``(N, C, H, W)``.
        max_displacement (int): d.

    Returns:
        Tensor: ``(N, (2d + 1) ** 2, H, W)``.
    """
    height, width = first.shape[-2:]
    size = 2 * max_displacement + 1
    padded = F.pad(second, [max_displacement] * 4)
    products = [(first * padded[:, :, dy:dy + height, dx:dx + width]).mean(1, keepdim=True)
                for dy in range(size) for dx in range(size)]
    return torch.cat(products, dim=1)


def local_correlation(first: Tensor, second: Tensor,
                      max_displacement: int = DEFAULT_MAX_DISPLACEMENT,
                      block_width: int = DEFAULT_BLOCK_WIDTH,
                      implementation: str = 'gemm') -> Tensor:
    """Local correlation of ``first`` with shifted ``second`` (upstream cost volume).

    Args:
        first (Tensor): ``(N, C, H, W)``, the (pre-warped) cloth feature (F1).
        second (Tensor): ``(N, C, H, W)``, the condition feature (F2), zero-padded.
        max_displacement (int): d; ``(2d + 1) ** 2`` output channels.
        block_width (int): columns per GEMM block (speed only, not the result).
        implementation (str): ``'gemm'`` or ``'shift'`` (see :data:`IMPLEMENTATIONS`);
            ``'shift'`` is always used while exporting to ONNX.

    Returns:
        Tensor: ``(N, (2d + 1) ** 2, H, W)``, channel ``k = (dy + d) * (2d + 1) + dx + d``,
        divided by C. Dtype: see the module docstring.
    """
    for name, value in (('first', first), ('second', second)):
        if not isinstance(value, Tensor) or value.ndim != 4:
            raise ValueError(f'{name} must be a (N, C, H, W) tensor, got '
                             f'{getattr(value, "shape", type(value).__name__)}')
    if first.shape != second.shape:
        raise ValueError(f'first and second must have the same shape, got '
                         f'{tuple(first.shape)} and {tuple(second.shape)}')
    if max_displacement < 0 or block_width < 1:
        raise ValueError(f'need max_displacement >= 0 and block_width >= 1, got '
                         f'{max_displacement} and {block_width}')
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f'implementation must be one of {IMPLEMENTATIONS}, '
                         f'got {implementation!r}')
    dtype = correlation_dtype(first, second)
    with torch.autocast(first.device.type, enabled=False):
        if implementation == 'shift' or torch.onnx.is_in_onnx_export():
            return shift_correlation(first.to(dtype), second.to(dtype), max_displacement)
        return _LocalCorrelation.apply(first.to(dtype), second.to(dtype),
                                       max_displacement, block_width)


@MODELS.register_module()
class Correlation(nn.Module):
    """Module wrapper of :func:`local_correlation` (no parameters).

    Args:
        max_displacement (int): d, default 3 (49 output channels).
        block_width (int): GEMM block width, a speed knob.
        implementation (str): ``'gemm'`` (default) or ``'shift'`` (the plain formula; the
            benchmark's reference graph). ONNX export always uses ``'shift'``.
    """

    def __init__(self, max_displacement: int = DEFAULT_MAX_DISPLACEMENT,
                 block_width: int = DEFAULT_BLOCK_WIDTH, implementation: str = 'gemm') -> None:
        super().__init__()
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(f'implementation must be one of {IMPLEMENTATIONS}, '
                             f'got {implementation!r}')
        self.max_displacement = max_displacement
        self.block_width = block_width
        self.implementation = implementation

    @property
    def out_channels(self) -> int:
        return (2 * self.max_displacement + 1) ** 2

    def forward(self, first: Tensor, second: Tensor) -> Tensor:
        """``(N, C, H, W)`` x 2 -> ``(N, (2d + 1) ** 2, H, W)``."""
        return local_correlation(first, second, self.max_displacement, self.block_width,
                                 self.implementation)

    def extra_repr(self) -> str:
        return (f'max_displacement={self.max_displacement}, block_width={self.block_width}, '
                f'implementation={self.implementation!r}')
