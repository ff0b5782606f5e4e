"""DM-VTON's MobileNetV2 U-Net try-on generator (7 -> 4 channels).

A MobileNetV2 encoder (strides 2 .. 32, then a 1x1 conv to 512) and a decoder of
transposed convs and inverted residuals on ``[skip, upsampled]`` concatenations. Its raw
output (render 3 + mask logit 1) is composed by :func:`compose_tryon` like the Res-UNet's.
Module names equal the official ``MobileNetV2_unet`` keys (``backbone.features.*``,
``dconv1..4``, ``invres1..4``, ``conv_last``), so its file loads without renames.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.backbones.mobilenet_v2_pyramid import InvertedResidual, conv_bn_relu6
from vtonbox.registry import MODELS

#: Stem width (3x3 conv, stride 2).
STEM_CHANNELS = 32
#: (expansion t, channels c, stride s) of the encoder's inverted residuals (features[1:8]).
ENCODER_BLOCKS: Tuple[Tuple[int, int, int], ...] = (
    (1, 16, 1), (6, 24, 2), (6, 32, 2), (6, 64, 2), (6, 96, 1), (6, 160, 2), (6, 320, 1))
#: Width of the last 1x1 conv (features[8]), the bottleneck at 1/32.
BOTTLENECK_CHANNELS = 512
#: ``features`` slices whose outputs are the skips x1 (1/2), x2 (1/4), x3 (1/8), x4
#: (1/16) and the bottleneck (1/32).
SKIP_SLICES = ((0, 2), (2, 3), (3, 4), (4, 6), (6, 9))
#: Decoder widths: dconv1..4 outputs (= the channels of skips x4, x3, x2, x1).
DECODER_CHANNELS = (96, 32, 24, 16)
#: Expansion of the decoder's inverted residuals.
DECODER_EXPANSION = 6
#: Input sides must be multiples of this (5 stride-2 stages).
SIZE_DIVISOR = 32


class MobileNetV2Features(nn.Module):
    """The encoder, keys ``features.<i>...`` (official ``backbone``)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        layers = [conv_bn_relu6(in_channels, STEM_CHANNELS, 3, stride=2)]
        channels = STEM_CHANNELS
        for expand_ratio, out_channels, stride in ENCODER_BLOCKS:
            layers.append(InvertedResidual(channels, out_channels, stride, expand_ratio))
            channels = out_channels
        layers.append(conv_bn_relu6(channels, BOTTLENECK_CHANNELS, 1))
        self.features = nn.Sequential(*layers)


@MODELS.register_module()
class MobileUNetGenerator(nn.Module):
    """MobileNetV2 U-Net (official ``MobileNetV2_unet``).

    Args:
        in_channels (int): input channels (7: person, warped cloth, warped mask).
        out_channels (int): output channels (4: rendered RGB + composition-mask logit).

    Example:
        >>> gen = MobileUNetGenerator(7, 4)
        >>> gen(torch.randn(1, 7, 256, 192)).shape  # doctest: +SKIP
        torch.Size([1, 4, 256, 192])
    """

    def __init__(self, in_channels: int = 7, out_channels: int = 4) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.backbone = MobileNetV2Features(in_channels)
        skip_channels = (DECODER_CHANNELS[0], DECODER_CHANNELS[1], DECODER_CHANNELS[2],
                         DECODER_CHANNELS[3])  # x4, x3, x2, x1
        previous = BOTTLENECK_CHANNELS
        for i, (channels, skip) in enumerate(zip(DECODER_CHANNELS, skip_channels), 1):
            setattr(self, f'dconv{i}', nn.ConvTranspose2d(previous, channels, 4, stride=2,
                                                          padding=1))
            setattr(self, f'invres{i}', InvertedResidual(channels + skip, channels, 1,
                                                         DECODER_EXPANSION))
            previous = channels
        self.conv_last = nn.Conv2d(previous, out_channels, 3, padding=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """x (Tensor): ``(N, in_channels, H, W)``, H and W multiples of 32 ->
        ``(N, out_channels, H, W)`` raw output (compose with :func:`compose_tryon`)."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'expected (N, {self.in_channels}, H, W), got {tuple(x.shape)}')
        if x.shape[-2] % SIZE_DIVISOR or x.shape[-1] % SIZE_DIVISOR:
            raise ValueError(f'input size {tuple(x.shape[-2:])} is not supported: height and '
                             f'width must be multiples of {SIZE_DIVISOR}')
        features = self.backbone.features
        skips = []
        for begin, end in SKIP_SLICES:
            for layer in features[begin:end]:
                x = layer(x)
            skips.append(x)
        x = skips.pop()  # bottleneck, 1/32
        for i, skip in enumerate(reversed(skips), 1):  # x4, x3, x2, x1
            x = getattr(self, f'dconv{i}')(x)
            # the skip first, then the upsampled map (the official channel order)
            x = getattr(self, f'invres{i}')(torch.cat([skip, x], dim=1))
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        return self.conv_last(x)
