"""DM-VTON's MobileNetV2 feature pyramid: a light replacement of PF-AFN's encoder + FPN.

One pyramid per branch (garment, person). MobileNetV2 stem and seven inverted residuals,
1x1 laterals on the five stride-2 blocks (strides 2 .. 32), a globally pooled top,
a bilinear top-down sum and ONE 3x3 smoothing conv shared by all five levels. Output:
5 levels of ``out_channels``, fine -> coarse, as :class:`RefinePyramid` returns them, so
``AFlowNet`` consumes it unchanged. No layer depends on the input size.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.registry import MODELS

#: Stem width (3x3 conv, stride 1).
STEM_CHANNELS = 32
#: (expansion t, channels c, stride s) of the seven inverted residuals, one block each.
PYRAMID_BLOCKS: Tuple[Tuple[int, int, int], ...] = (
    (1, 16, 1), (6, 24, 2), (6, 32, 2), (6, 64, 2), (6, 96, 2), (6, 160, 2), (6, 320, 1))
#: Indices of the blocks whose outputs get a lateral (the stride-2 ones), fine -> coarse.
LATERAL_BLOCKS = (1, 2, 3, 4, 5)
#: Pyramid width of DM-VTON.
DMVTON_PYRAMID_CHANNELS = 256

#: Official ``MobileAFWM`` key prefixes -> ``FlowWarpModel(backbone=MobileNetV2Pyramid)``
#: prefixes (plus AFlowNet's ``aflow_net.netMain`` / ``netRefine`` renames of PF-AFN).
#: The official files repeat the shared smoothing conv as ``smooth_layers.0..4``: a
#: converter maps ``smooth_layers.0`` to ``smooth_layer`` and must check that copies 1..4
#: equal copy 0 before dropping them (:data:`SHARED_SMOOTH_COPIES`).
DMVTON_PYRAMID_PREFIX_RENAMES = (
    ('image_mobile.', 'cloth_backbone.'),
    ('cond_mobile.', 'cond_backbone.'),
)
#: Inside one pyramid: the official name of the shared conv's first copy -> this module's.
DMVTON_SMOOTH_RENAME = ('smooth_layers.0.', 'smooth_layer.')
#: The official names of the repeated copies (must equal ``smooth_layers.0``).
SHARED_SMOOTH_COPIES = tuple(f'smooth_layers.{i}.' for i in range(1, len(LATERAL_BLOCKS)))


class InvertedResidual(nn.Module):
    """MobileNetV2 inverted residual: [1x1 expand + BN + ReLU6], 3x3 depthwise (stride)
    + BN + ReLU6, 1x1 project + BN; identity shortcut when stride 1 and in == out.

    ``conv`` indices: with the expansion conv 0/1/2 expand, 3/4/5 depthwise, 6/7 project;
    without it 0/1/2 depthwise, 3/4 project (the official layouts).

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        stride (int): depthwise stride (1 or 2).
        expand_ratio (int): expansion t; hidden width ``in_channels * t``.
        force_expand (bool): keep the expansion conv when ``t == 1`` (the pyramid's
            layout); otherwise ``t == 1`` has no expansion conv (the U-Net's).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int,
                 force_expand: bool = False) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}')
        hidden = in_channels * expand_ratio
        self.use_shortcut = stride == 1 and in_channels == out_channels
        layers: List[nn.Module] = []
        if expand_ratio != 1 or force_expand:
            layers += [nn.Conv2d(in_channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6(inplace=True)]
        layers += [
            nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """x (Tensor): (N, in, H, W) -> (N, out, H / stride, W / stride)."""
        out = self.conv(x)
        return x + out if self.use_shortcut else out


def conv_bn_relu6(in_channels: int, out_channels: int, kernel_size: int,
                  stride: int = 1) -> nn.Sequential:
    """Bias-free conv + BN + ReLU6 (keys ``0`` conv, ``1`` BN)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                  padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU6(inplace=True))


@MODELS.register_module()
class MobileNetV2Pyramid(nn.Module):
    """DM-VTON's MobileNetV2 FPN (official ``MobileNetV2_dynamicFPN``), 5 levels.

    Module names equal the official ones inside ``image_mobile`` / ``cond_mobile``
    (``first_layer``, ``inverted_residual_blocks.<i>.0``, ``lateral_layers``,
    ``top_layer``) except the shared smoothing conv: ``smooth_layer`` here, repeated as
    ``smooth_layers.0..4`` in the official files (see
    :data:`DMVTON_PYRAMID_PREFIX_RENAMES`).

    Args:
        in_channels (int): input channels (3 for the garment or the person photo).
        out_channels (int): pyramid width (256 in DM-VTON).

    Example:
        >>> pyramid = MobileNetV2Pyramid(in_channels=3)
        >>> [f.shape[-2:] for f in pyramid(torch.randn(1, 3, 256, 192))]  # doctest: +SKIP
        [(128, 96), (64, 48), (32, 24), (16, 12), (8, 6)]
    """

    def __init__(self, in_channels: int = 3,
                 out_channels: int = DMVTON_PYRAMID_CHANNELS) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_levels = len(LATERAL_BLOCKS)
        self.first_layer = conv_bn_relu6(in_channels, STEM_CHANNELS, 3)
        blocks, block_channels, channels = [], [], STEM_CHANNELS
        for expand_ratio, block_out, stride in PYRAMID_BLOCKS:
            # one block per stage, wrapped as the official Sequential (key `<i>.0.conv`)
            blocks.append(nn.Sequential(
                InvertedResidual(channels, block_out, stride, expand_ratio, force_expand=True)))
            block_channels.append(block_out)
            channels = block_out
        self.inverted_residual_blocks = nn.ModuleList(blocks)
        self.lateral_layers = nn.ModuleList(
            nn.Conv2d(block_channels[i], out_channels, 1) for i in LATERAL_BLOCKS)
        self.top_layer = nn.Conv2d(channels, out_channels, 1)
        # one module for all levels (the official code applies the same conv five times)
        self.smooth_layer = nn.Conv2d(out_channels, out_channels, 3, padding=1)

    @property
    def size_divisor(self) -> int:
        """Strides of the levels: 2 .. 2 ** num_levels."""
        return 2 ** self.num_levels

    def forward(self, x: Tensor) -> List[Tensor]:
        """Pyramid of ``x``.

        Args:
            x (Tensor): ``(N, in_channels, H, W)``, H and W multiples of 32.

        Returns:
            list[Tensor]: fine -> coarse, level l ``(N, out_channels, H / 2 ** (l + 1),
            W / 2 ** (l + 1))``.
        """
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'expected (N, {self.in_channels}, H, W), got {tuple(x.shape)}')
        x = self.first_layer(x)
        features = []
        for block in self.inverted_residual_blocks:
            x = block(x)
            features.append(x)
        laterals = [lateral(features[i]) for lateral, i in zip(self.lateral_layers,
                                                                 LATERAL_BLOCKS)]
        running = self.top_layer(F.adaptive_avg_pool2d(x, 1))
        sums = []
        for lateral in reversed(laterals):
            running = lateral + F.interpolate(running, size=lateral.shape[-2:],
                                              mode='bilinear', align_corners=False)
            sums.append(running)
        return [self.smooth_layer(s) for s in reversed(sums)]


def rename_official_pyramid_key(key: str) -> Optional[str]:
    """One official ``MobileAFWM`` pyramid key -> this module tree's key; None for the
    repeated copies ``smooth_layers.1..4`` (check them with
    :func:`shared_smooth_copies_agree` first). Other keys are returned unchanged."""
    for old, new in DMVTON_PYRAMID_PREFIX_RENAMES:
        if key.startswith(old):
            rest = key[len(old):]
            if rest.startswith(SHARED_SMOOTH_COPIES):
                return None
            if rest.startswith(DMVTON_SMOOTH_RENAME[0]):
                rest = DMVTON_SMOOTH_RENAME[1] + rest[len(DMVTON_SMOOTH_RENAME[0]):]
            return new + rest
    return key


def shared_smooth_copies_agree(state: dict, prefixes: Sequence[str] = (
        'image_mobile.', 'cond_mobile.')) -> bool:
    """True when every ``<prefix>smooth_layers.<i>.*`` tensor equals ``smooth_layers.0``'s
    (what a converter checks before keeping one copy)."""
    for prefix in prefixes:
        first = {k[len(prefix) + len(DMVTON_SMOOTH_RENAME[0]):]: v for k, v in state.items()
                 if k.startswith(prefix + DMVTON_SMOOTH_RENAME[0])}
        for copy in SHARED_SMOOTH_COPIES:
            for name, value in first.items():
                other = state.get(prefix + copy + name)
                if other is None or not torch.equal(other, value):
                    return False
    return True
