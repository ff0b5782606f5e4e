"""StyleGAN2-style modulated convolution with equalised learning rate (FS-VTON's flow head).

A style vector ``z`` (N, style_channels) is mapped by an equalised-lr linear layer to a
per-sample, per-input-channel scale ``s`` (N, C_in). The convolution weight is scaled by
``s`` (``w' = s * w``, no "+1") and demodulated per sample and output channel,
``d = rsqrt(sum_{C_in, kh, kw} w'^2 + eps)``; the stored bias is added after the
convolution. Two numerically equivalent forms:

* **static** (default): ``conv(x * s, w) * d + bias`` -- the weight stays a constant
  of the graph and only activations depend on the sample, so it exports to ONNX and runs
  under bf16 autocast like any convolution;
* **grouped**: one weight per sample, all samples in a single grouped convolution
  (``groups = N``), the classic StyleGAN2 formulation.

Parameter names (``weight``, ``bias``, ``mlp_class_std.linear.weight_orig`` /
``.bias``) follow the released FS-VTON checkpoints, so their keys load with a prefix
rename only.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.registry import MODELS

#: Added to the squared weight norm before the demodulation rsqrt.
DEMODULATION_EPS = 1e-5
#: Gain of the equalised-lr scaling (He initialisation for (leaky) ReLUs).
EQUALIZED_LR_GAIN = 2.0
#: LeakyReLU slope of the modulated layers and their output gain (StyleGAN2's "fused"
#: LeakyReLU keeps the activation variance with the factor sqrt(2)).
STYLE_NEGATIVE_SLOPE = 0.2
STYLE_ACTIVATION_GAIN = math.sqrt(2.0)


def scaled_leaky_relu(x: Tensor, negative_slope: float = STYLE_NEGATIVE_SLOPE,
                      gain: float = STYLE_ACTIVATION_GAIN) -> Tensor:
    """``leaky_relu(x, negative_slope) * gain`` (the activation after modulated convs)."""
    return F.leaky_relu(x, negative_slope) * gain


class EqualizedLinear(nn.Module):
    """Linear layer whose stored weight ``weight_orig`` is N(0, 1) and is used times
    ``sqrt(gain / in_features)`` (equalised learning rate); zero-initialised bias.

    Args:
        in_features (int): input width (the style vector).
        out_features (int): output width.
        gain (float): numerator of the runtime scale.
    """

    def __init__(self, in_features: int, out_features: int,
                 gain: float = EQUALIZED_LR_GAIN) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.scale = math.sqrt(gain / in_features)
        self.weight_orig = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    @property
    def weight(self) -> Tensor:
        """The effective weight ``weight_orig * scale``."""
        return self.weight_orig * self.scale

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f'in_features={self.in_features}, out_features={self.out_features}'


class StyleAffine(nn.Module):
    """Style vector -> per-input-channel modulation scales (wraps the equalised linear
    as ``linear``, matching the checkpoint sub-keys ``mlp_class_std.linear.*``)."""

    def __init__(self, style_channels: int, out_channels: int) -> None:
        super().__init__()
        self.linear = EqualizedLinear(style_channels, out_channels)

    def forward(self, style: Tensor) -> Tensor:
        return self.linear(style)


@MODELS.register_module()
class ModulatedConv2d(nn.Module):
    """Modulated + demodulated convolution with equalised learning rate.

    Stored ``weight`` ``(C_out, C_in, k, k)`` is N(0, 1) and used times
    ``sqrt(2 / (C_in * k * k))``; ``bias`` ``(1, C_out, 1, 1)`` is zero-initialised;
    ``mlp_class_std`` maps the style vector to the scales ``s`` ``(N, C_in)``. Zero
    padding ``k // 2``.

    Args:
        in_channels (int): input channels ``C_in``.
        out_channels (int): output channels ``C_out``.
        style_channels (int): width of the style vector (256 in FS-VTON).
        kernel_size (int): odd square kernel (3).
        demodulate (bool): divide by the per-sample weight norm (always on in FS-VTON).
        eps (float): added under the demodulation rsqrt.
        grouped (bool): default forward form (False: static weight; True: per-sample
            weights in one grouped convolution). Both give the same result.

    Example:
        >>> conv = ModulatedConv2d(8, 4, style_channels=16)
        >>> conv(torch.randn(2, 8, 5, 5), torch.randn(2, 16)).shape
        torch.Size([2, 4, 5, 5])
    """

    def __init__(self, in_channels: int, out_channels: int, style_channels: int = 256,
                 kernel_size: int = 3, demodulate: bool = True,
                 eps: float = DEMODULATION_EPS, grouped: bool = False) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.style_channels = style_channels
        self.kernel_size = kernel_size
        self.padding = kernel_size // 2
        self.demodulate = demodulate
        self.eps = eps
        self.grouped = grouped
        self.scale = math.sqrt(EQUALIZED_LR_GAIN / (in_channels * kernel_size ** 2))
        self.weight = nn.Parameter(
            torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))
        self.mlp_class_std = StyleAffine(style_channels, in_channels)

    def _check(self, x: Tensor, style: Tensor) -> None:
        if torch.jit.is_tracing():  # shapes are traced values; checked when run eagerly
            return
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'x must have shape (N, {self.in_channels}, H, W), '
                             f'got {tuple(x.shape)}')
        if style.shape != (x.shape[0], self.style_channels):
            raise ValueError(f'style must have shape ({x.shape[0]}, {self.style_channels}), '
                             f'got {tuple(style.shape)}')

    def demodulation(self, scales: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        """``d`` ``(N, C_out)`` = rsqrt(sum over C_in, kh, kw of (s * w)^2 + eps), from the
        scales ``s`` ``(N, C_in)`` and the (scaled) weight, without forming ``s * w``."""
        if weight is None:
            weight = self.weight * self.scale
        # sum_{i,k} (s_i w_oik)^2 = sum_i s_i^2 (sum_k w_oik^2)
        energy = scales.pow(2) @ weight.pow(2).sum(dim=(2, 3)).t()
        return torch.rsqrt(energy + self.eps)

    def forward(self, x: Tensor, style: Tensor, grouped: Optional[bool] = None) -> Tensor:
        """Modulated convolution of ``x`` ``(N, C_in, H, W)`` with style ``(N, S)``.

        Args:
            grouped (bool, optional): override the form chosen at construction.

        Returns:
            Tensor: ``(N, C_out, H, W)``.
        """
        grouped = self.grouped if grouped is None else grouped
        return self.forward_grouped(x, style) if grouped else self.forward_static(x, style)

    def forward_static(self, x: Tensor, style: Tensor) -> Tensor:
        """``conv(x * s, w) * d + bias``: static weight, per-sample activations."""
        self._check(x, style)
        scales = self.mlp_class_std(style)
        weight = self.weight * self.scale
        out = F.conv2d(x * scales[:, :, None, None].to(x.dtype), weight,
                       padding=self.padding)
        if self.demodulate:
            out = out * self.demodulation(scales, weight)[:, :, None, None].to(out.dtype)
        return out + self.bias.to(out.dtype)

    def forward_grouped(self, x: Tensor, style: Tensor) -> Tensor:
        """Per-sample weights ``w'' = s * w * d`` in one grouped convolution."""
        self._check(x, style)
        batch, _, height, width = x.shape
        scales = self.mlp_class_std(style)
        weight = self.weight[None] * self.scale * scales[:, None, :, None, None]
        if self.demodulate:
            norm = weight.pow(2).sum(dim=(2, 3, 4)) + self.eps
            weight = weight * torch.rsqrt(norm)[:, :, None, None, None]
        weight = weight.reshape(batch * self.out_channels, self.in_channels,
                                self.kernel_size, self.kernel_size)
        out = F.conv2d(x.reshape(1, batch * self.in_channels, height, width), weight,
                       padding=self.padding, groups=batch)
        out = out.reshape(batch, self.out_channels, height, width)
        return out + self.bias.to(out.dtype)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'style_channels={self.style_channels}, demodulate={self.demodulate}')
