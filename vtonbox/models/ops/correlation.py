"""Local correlation (cost volume) of two feature maps, pure PyTorch.

Replaces the cupy kernel of PF-AFN (``models/correlation/correlation.py``, CUDA only)
with the same semantics for ``intStride=1``, on any device, with autograd::

    out[n, k, y, x] = 1/C * sum_c first[n, c, y, x] * second[n, c, y + dy, x + dx]
    k = (dy + d) * (2d + 1) + (dx + d),  dy, dx in [-d, d]  (d = max displacement = 3)

``second`` is zero outside the image. Differences to the cupy kernel are float
summation order only.

Algorithm (chosen by measurement, see below): the maps are laid out as rows of pixels
with channels last, ``first`` as ``(N, H, W, C)`` and ``second`` as ``(N, H, W, C)`` or
zero-padded ``(N, H + 2d, W + 2d, C)``. For every row shift ``dy`` and every block of
``bw`` columns one batched GEMM over the rows multiplies the window of the shifted row
of ``second`` ``(bw + 2d, C)`` with the block of ``first`` ``(C, bw)``; the ``2d + 1``
diagonals of the ``(bw + 2d, bw)`` product are the dx-correlations, copied out (and
scaled by 1/C) through a strided view. Every operand is a view (no per-shift copies);
channels-last inputs (the fast inference graph) need no copy of ``first`` at all, and
with whole-row blocks ``second`` is read in place too (rows outside the image are
skipped, the product's border rows stay zero). The product wastes ``(bw + 2d) / (2d +
1)`` FLOPs but runs on the GEMM units; memory is ``O(N C H W)`` (never ``N x 49 x C x H
x W``). Large maps are done one sample at a time (each GEMM's operands stay in cache);
small maps (:data:`MERGE_MAX_PIXELS`) and all maps on GPUs stack the samples' rows,
separated by 2d zero rows, into one GEMM per shift and block. The block width is
chosen per dtype and device (:func:`default_block_width`): 16 columns for fp32 on a CPU
(MKL runs small GEMMs well, less waste), whole rows otherwise (oneDNN's bf16 GEMMs are
slow on small or non-dense matrices). The backward pass is written by hand with the
same GEMMs (no autograd graph of 49 nodes, no 49 full-size gradient buffers) and
returns gradients in the inputs' memory format. Second-order gradients are not
supported.

Compute dtype: outside autocast both inputs are promoted to a common dtype and the
output has it. Under autocast the correlation is treated like a matmul (autocast's
lower-precision list): inputs are cast to the autocast dtype (bf16/fp16), products
are accumulated in float32 inside the GEMM, and the output has the autocast dtype
(its relative rounding error, ~4e-3 for bf16, is that of the convolution that consumes
it). The output is channels_last for channels-last inputs, NCHW otherwise.

Measured on CPU (Xeon with AMX, 1 thread, min of 3 runs, ms), N = 4, C = 256, the
pyramid levels of a 256 x 192 input, this layout against the previous one (v0.1.0:
rows of all samples in one ``(H, N, W, C)`` GEMM batch, whole-row blocks, NCHW
output). fwd+bwd: NCHW inputs. (The plain 49-shift formula took 1448 ms fp32 / 459 ms
bf16 forward at 128x96; an ``F.unfold`` version was slower still; a single
batched GEMV per pixel (no wasted FLOPs) took 186 ms fp32 but 1064 ms bf16.)

=======  ===============  ===============  ===============
level    forward NCHW     forward ch-last  fwd+bwd
         v0.1.0 / now     v0.1.0 / now     v0.1.0 / now
=======  ===============  ===============  ===============
fp32
8x6      0.8 / 2.0        0.8 / 1.5        3.8 / 3.9
16x12    2.1 / 2.0        1.3 / 1.7        5.0 / 5.8
32x24    5.4 / 7.1        4.7 / 5.2        17 / 27
64x48    33 / 30          29 / 24          136 / 108
128x96   263 / 181        277 / 122        833 / 632
sum      305 / 222        312 / 154        995 / 777
bf16
8x6      0.5 / 0.6        0.4 / 0.5        1.9 / 2.0
16x12    1.1 / 1.0        0.8 / 0.9        3.4 / 3.6
32x24    3.3 / 3.8        2.8 / 2.0        10 / 13
64x48    14 / 15          12 / 8.0         49 / 58
128x96   87 / 74          78 / 39          362 / 270
sum      106 / 94         94 / 51          426 / 346
=======  ===============  ===============  ===============

In the fast inference graph (channels_last, 2 threads, batch 4, 256 x 192) the
correlation takes 6.7 % of the warp model's time in fp32 and 9.4 % in bf16 (was 10.8 % and
13.5 %; see ``docs/benchmark.md``). No CUDA device was available for measurement; the
same code runs there with stacked samples (7 batched GEMMs per block and level).

Implementations: ``'gemm'`` (the above, default) and ``'shift'``, the plain formula (49
shifted products and a channel mean, autograd through plain ops). The shift version is
what ONNX export uses (the GEMM version's strided band views do not export; it is
selected automatically under ``torch.onnx.is_in_onnx_export()``) and what the benchmark's
reference graph runs; both give the same values up to float summation order.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from vtonbox.registry import MODELS

#: Upstream PF-AFN: max displacement 3 -> 7 x 7 = 49 output channels.
DEFAULT_MAX_DISPLACEMENT = 3
#: Columns per GEMM block for float32/float64 on a CPU: small blocks waste fewer FLOPs and
#: MKL runs them well (measured fastest, see above).
CPU_FP32_BLOCK_WIDTH = 16
#: Columns per GEMM block otherwise (bf16/fp16, GPUs): whole rows up to W = 96, because
#: oneDNN's bf16 GEMMs are slow on small matrices, and few large GEMMs suit GPUs.
WHOLE_ROW_BLOCK_WIDTH = 96
#: Pixels per block when transposing (N, H, W, C) rows to NCHW on a CPU (measured best).
TRANSPOSE_BLOCK_PIXELS = 128
#: Maps of at most this many (padded) pixels per sample are correlated with one GEMM per
#: shift and block for all samples (stacked rows); larger maps one sample at a time,
#: which keeps each GEMM's operands in cache (measured on CPU). GPUs always stack.
MERGE_MAX_PIXELS = 16 * 12
#: ``'gemm'``: batched GEMMs (fast); ``'shift'``: the plain 49-shift formula (exportable).
IMPLEMENTATIONS = ('gemm', 'shift')


def default_block_width(dtype: torch.dtype, device: torch.device) -> int:
    """The measured-best block width for a compute dtype on a device (see above)."""
    if device.type == 'cpu' and dtype in (torch.float32, torch.float64):
        return CPU_FP32_BLOCK_WIDTH
    return WHOLE_ROW_BLOCK_WIDTH


def fit_block_width(width: int, block_width: int) -> int:
    """Columns per block for a row of ``width``: the whole row when it fits, else the
    largest divisor of ``width`` in ``(block_width / 2, block_width]`` (no padded
    columns), else ``block_width`` (the last block is zero-padded)."""
    if width <= block_width:
        return width
    for block in range(block_width, block_width // 2, -1):
        if width % block == 0:
            return block
    return block_width


def _rows(tensor: Tensor, padded_width: int, extra_rows: int = 0) -> Tensor:
    """``(N, C, H, W)`` as ``(N, H + extra_rows, Wp, C)``, columns ``W..Wp`` and the extra
    rows zero. A channels-last input that needs no padding is returned as a permuted view
    (no copy)."""
    batch, channels, height, width = tensor.shape
    rows = tensor.permute(0, 2, 3, 1)
    if padded_width == width and not extra_rows and rows.is_contiguous():
        return rows
    out = tensor.new_empty(batch, height + extra_rows, padded_width, channels)
    out[:, :height, :width].copy_(rows)
    out[:, :height, width:].zero_()
    out[:, height:].zero_()
    return out


def _padded_rows(tensor: Tensor, disp: int, padded_width: int) -> Tensor:
    """``(N, C, H, W)`` as ``(N, H + 2d, Wp + 2d, C)`` with a zero border of d (and zero
    columns up to ``Wp``), written in one copy."""
    batch, channels, height, width = tensor.shape
    out = tensor.new_empty(batch, height + 2 * disp, padded_width + 2 * disp, channels)
    out[:, disp:disp + height, disp:disp + width].copy_(tensor.permute(0, 2, 3, 1))
    for border in (out[:, :disp], out[:, disp + height:], out[:, :, :disp],
                   out[:, :, disp + width:]):
        border.zero_()
    return out


def _rows_to_format(rows: Tensor, memory_format: torch.memory_format) -> Tensor:
    """``(N, H, W, C)`` rows as an ``(N, C, H, W)`` tensor in ``memory_format``.

    channels_last keeps the memory order (a plain copy). NCHW is a transposition, which
    PyTorch's generic CPU copy does slowly for many channels (measured 1 thread, 4 x 128
    x 96 x 256: 91 ms bf16 / 112 ms fp32); transposing blocks of
    :data:`TRANSPOSE_BLOCK_PIXELS` pixels at a time stays in cache (12 / 39 ms)."""
    nchw = rows.permute(0, 3, 1, 2)
    if memory_format == torch.channels_last or rows.device.type != 'cpu':
        return nchw.contiguous(memory_format=memory_format)
    batch, height, width, channels = rows.shape
    flat = rows.reshape(batch, height * width, channels)
    out = rows.new_empty(batch, channels, height * width)
    for start in range(0, height * width, TRANSPOSE_BLOCK_PIXELS):
        block = slice(start, start + TRANSPOSE_BLOCK_PIXELS)
        out[:, :, block].copy_(flat[:, block].transpose(1, 2))
    return out.view(batch, channels, height, width)


def _band(product: Tensor, block: int, size: int) -> Tensor:
    """Band ``product[:, i + j, i]`` (j < size) of a contiguous
    ``(B, block + size - 1, block)`` tensor as a ``(B, block, size)`` view."""
    return product.as_strided((product.shape[0], block, size),
                              (product.stride(0), block + 1, block))


def _output_format(tensor: Tensor) -> torch.memory_format:
    """channels_last for channels-last inputs (the fast inference graph), else NCHW."""
    if tensor.is_contiguous(memory_format=torch.channels_last) and not tensor.is_contiguous():
        return torch.channels_last
    return torch.contiguous_format


def merges_samples(device: torch.device, height: int, padded_width: int) -> bool:
    """Whether one GEMM covers the rows of all samples (see :data:`MERGE_MAX_PIXELS`)."""
    return device.type != 'cpu' or height * padded_width <= MERGE_MAX_PIXELS


def _groups(merge: bool, rows: int, row_tensors: Sequence[Optional[Tensor]],
            source_tensors: Sequence[Optional[Tensor]]) -> List[tuple]:
    """Views of ``(N, R, ...)`` tensors for each GEMM group: one group per sample, or,
    when ``merge``, one group with all samples' rows stacked.

    ``row_tensors`` hold one row per output row (stacked: their first ``rows`` rows);
    ``source_tensors`` hold the shifted rows (stacked: all of them). The 2d zero rows
    between stacked samples keep their windows apart.

    Returns:
        list[tuple]: per group, the row tensors' views followed by the source tensors'.
    """
    tensors = tuple(row_tensors) + tuple(source_tensors)
    if not merge:
        batch = next(t for t in tensors if t is not None).shape[0]
        return [tuple(None if t is None else t[n] for t in tensors) for n in range(batch)]
    stacked = [None if t is None else t.flatten(0, 1) for t in tensors]
    return [tuple(t if t is None or i >= len(row_tensors) else t[:rows]
                  for i, t in enumerate(stacked))]


class _LocalCorrelation(torch.autograd.Function):
    """Autograd function; see :func:`local_correlation`."""

    @staticmethod
    def forward(ctx, first: Tensor, second: Tensor, disp: int, block_width: int) -> Tensor:
        batch, channels, height, width = first.shape
        size = 2 * disp + 1
        block = fit_block_width(width, block_width)
        padded_width = -(-width // block) * block
        merge = merges_samples(first.device, height, padded_width)
        # Merged samples are separated by 2d zero rows (their windows never mix).
        rows_first = _rows(first, padded_width, 2 * disp if merge else 0)
        # Whole-row blocks of one sample read `second` in place: rows outside the image
        # are skipped and the GEMM fills the product's rows d..d+W, whose border rows stay
        # zero. Otherwise the GEMMs read a zero-padded copy (every window complete).
        whole_rows = block == width and not merge
        if whole_rows:
            source, row_offset, columns = _rows(second, width), -disp, slice(disp, disp + width)
        else:
            source, row_offset = _padded_rows(second, disp, padded_width), 0
            columns = slice(None)
        out = first.new_empty(batch, rows_first.shape[1], padded_width, size * size)
        rows = batch * (height + 2 * disp) - 2 * disp if merge else height
        # One product buffer for all GEMMs (a fresh multi-MB tensor per GEMM costs page
        # faults); the 1/C of the channel mean is applied while copying the band out.
        product = first.new_zeros(rows, block + 2 * disp, block)
        band = _band(product, block, size)
        for first_g, out_g, source_g in _groups(merge, rows, (rows_first, out), (source,)):
            bands = out_g.unflatten(-1, (size, size))
            for dy in range(size):
                shift = dy + row_offset  # output row y reads source row y + shift
                start = min(rows, max(0, -shift))
                stop = max(start, min(rows, source_g.shape[0] - shift))
                out_dy = bands[:, :, dy]
                if start > 0:
                    out_dy[:start].zero_()
                if stop < rows:
                    out_dy[stop:].zero_()
                if stop == start:  # a map shorter than the shift: nothing to multiply
                    continue
                shifted = source_g[start + shift:stop + shift]
                product_rows, band_rows = product[start:stop, columns], band[start:stop]
                for x0 in range(0, padded_width, block):
                    window = shifted if whole_rows else \
                        shifted[:, x0:x0 + block + 2 * disp]
                    torch.bmm(window, first_g[start:stop, x0:x0 + block].transpose(1, 2),
                              out=product_rows)
                    torch.mul(band_rows, 1.0 / channels, out=out_dy[start:stop, x0:x0 + block])
        ctx.save_for_backward(rows_first, second)
        ctx.disp, ctx.block, ctx.merge, ctx.rows = disp, block, merge, rows
        ctx.memory_format = _output_format(first)
        return out[:, :height, :width].permute(0, 3, 1, 2).contiguous(
            memory_format=ctx.memory_format)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        rows_first, second = ctx.saved_tensors
        batch, channels, height, width = second.shape
        disp, block, merge, rows = ctx.disp, ctx.block, ctx.merge, ctx.rows
        size = 2 * disp + 1
        padded_width = rows_first.shape[2]
        rows_second = _padded_rows(second.to(rows_first.dtype), disp, padded_width)
        grad = rows_first.new_zeros(batch, rows_first.shape[1], padded_width, size * size)
        grad[:, :height, :width].copy_(grad_out.permute(0, 2, 3, 1)).div_(channels)
        need_first, need_second = ctx.needs_input_grad[:2]
        grad_first = rows_first.new_zeros(rows_first.shape) if need_first else None
        grad_second = torch.zeros_like(rows_second) if need_second else None
        band_grad = rows_first.new_zeros(rows, block + 2 * disp, block)
        band = _band(band_grad, block, size)
        for first_g, grad_g, grad_first_g, second_g, grad_second_g in _groups(
                merge, rows, (rows_first, grad, grad_first), (rows_second, grad_second)):
            grad_g = grad_g.unflatten(-1, (size, size))
            for dy in range(size):
                shifted = second_g[dy:dy + rows]
                for x0 in range(0, padded_width, block):
                    band.copy_(grad_g[:, x0:x0 + block, dy])
                    window = slice(x0, x0 + block + 2 * disp)
                    if need_first:
                        grad_first_g[:, x0:x0 + block].baddbmm_(
                            band_grad.transpose(1, 2), shifted[:, window])
                    if need_second:
                        grad_second_g[dy:dy + rows, window].baddbmm_(
                            band_grad, first_g[:, x0:x0 + block])
        # Gradients in the inputs' memory format: a strided view would make every
        # consumer (autograd's accumulation, the convolution's backward) transpose it.
        if need_first:
            grad_first = _rows_to_format(grad_first[:, :height, :width], ctx.memory_format)
        if need_second:
            grad_second = _rows_to_format(
                grad_second[:, disp:disp + height, disp:disp + width], ctx.memory_format)
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
                      block_width: Optional[int] = None,
                      implementation: str = 'gemm') -> Tensor:
    """Local correlation of ``first`` with shifted ``second`` (upstream cost volume).

    Args:
        first (Tensor): ``(N, C, H, W)``, the (pre-warped) cloth feature (F1).
        second (Tensor): ``(N, C, H, W)``, the condition feature (F2), zero-padded.
        max_displacement (int): d; ``(2d + 1) ** 2`` output channels.
        block_width (int, optional): columns per GEMM block (speed only, not the
            result); None picks the measured best for the dtype and device
            (:func:`default_block_width`).
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
    if max_displacement < 0 or (block_width is not None and block_width < 1):
        raise ValueError(f'need max_displacement >= 0 and block_width >= 1, got '
                         f'{max_displacement} and {block_width}')
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f'implementation must be one of {IMPLEMENTATIONS}, '
                         f'got {implementation!r}')
    dtype = correlation_dtype(first, second)
    with torch.autocast(first.device.type, enabled=False):
        if implementation == 'shift' or torch.onnx.is_in_onnx_export():
            return shift_correlation(first.to(dtype), second.to(dtype), max_displacement)
        if block_width is None:
            block_width = default_block_width(dtype, first.device)
        return _LocalCorrelation.apply(first.to(dtype), second.to(dtype),
                                       max_displacement, block_width)


@MODELS.register_module()
class Correlation(nn.Module):
    """Module wrapper of :func:`local_correlation` (no parameters).

    Args:
        max_displacement (int): d, default 3 (49 output channels).
        block_width (int, optional): GEMM block width, a speed knob; None: the measured
            best for the dtype and device.
        implementation (str): ``'gemm'`` (default) or ``'shift'`` (the plain formula; the
            benchmark's reference graph). ONNX export always uses ``'shift'``.
    """

    def __init__(self, max_displacement: int = DEFAULT_MAX_DISPLACEMENT,
                 block_width: Optional[int] = None, implementation: str = 'gemm') -> None:
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
