"""ParsingUNet: a small U-Net that maps a person image to per-pixel class logits."""
from typing import List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from vtonbox.registry import MODELS


class DoubleConv(nn.Sequential):
    """Two 3x3 conv -> norm -> activation layers (bias-free when normalised).

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels of both convs.
        norm_cfg (dict | None): norm layer config (e.g. ``dict(type='BN')``).
        act_cfg (dict | None): activation config (e.g. ``dict(type='ReLU')``).
    """

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: Optional[dict],
                 act_cfg: Optional[dict]) -> None:
        super().__init__(
            ConvModule(in_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg,
                       act_cfg=act_cfg),
            ConvModule(out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg,
                       act_cfg=act_cfg))


@MODELS.register_module()
class ParsingUNet(BaseModule):
    """U-Net for human parsing: ``depth`` max-pool downsamplings, bilinear upsampling,
    skip concatenation, and a 1x1 classifier.

    Level ``i`` (0 = full resolution) has ``min(base_channels * 2**i, max_channels)``
    channels. Input sides must be multiples of ``2**depth``.

    Args:
        in_channels (int): image channels.
        num_classes (int): parsing classes (logit channels).
        base_channels (int): channels at full resolution.
        depth (int): number of downsamplings (>= 1).
        max_channels (int): cap on the channels of the deep levels.
        norm_cfg (dict | None): norm layer of every conv block.
        act_cfg (dict | None): activation of every conv block.
        init_cfg (dict | list | None): MMEngine weight initialisation.
    """

    def __init__(self,
                 in_channels: int = 3,
                 num_classes: int = 14,
                 base_channels: int = 32,
                 depth: int = 4,
                 max_channels: int = 256,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.depth = depth
        channels = [min(base_channels * 2 ** i, max_channels) for i in range(depth + 1)]
        self.encoders = nn.ModuleList([DoubleConv(in_channels, channels[0], norm_cfg, act_cfg)])
        self.encoders.extend(
            DoubleConv(channels[i - 1], channels[i], norm_cfg, act_cfg)
            for i in range(1, depth + 1))
        # decoders[i] fuses the upsampled level i + 1 with the skip of level i.
        self.decoders = nn.ModuleList(
            DoubleConv(channels[i + 1] + channels[i], channels[i], norm_cfg, act_cfg)
            for i in range(depth))
        self.classifier = nn.Conv2d(channels[0], num_classes, 1)

    @property
    def size_divisor(self) -> int:
        """Both input sides must be multiples of this."""
        return 2 ** self.depth

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Per-pixel class logits.

        Args:
            image (Tensor): (N, in_channels, H, W), H and W multiples of ``2**depth``.

        Returns:
            Tensor: (N, num_classes, H, W) logits.
        """
        if image.ndim != 4 or image.shape[1] != self.in_channels:
            raise ValueError(f'image must have shape (N, {self.in_channels}, H, W), '
                             f'got {tuple(image.shape)}')
        height, width = image.shape[-2:]
        if height % self.size_divisor or width % self.size_divisor:
            raise ValueError(f'image sides must be multiples of 2**depth = {self.size_divisor}, '
                             f'got {height}x{width}')
        skips = []
        x = image
        for level, encoder in enumerate(self.encoders):
            x = encoder(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for level in reversed(range(self.depth)):
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
            x = self.decoders[level](torch.cat([x, skips.pop()], dim=1))
        return self.classifier(x)
