"""PF-AFN's pyramid feature encoder (pre-activation residual stages)."""
from typing import List, Sequence

from torch import Tensor, nn

from vtonbox.registry import MODELS

#: Output channels of the 5 upstream stages (strides 2, 4, 8, 16, 32).
PFAFN_ENCODER_CHANNELS = (64, 128, 256, 256, 256)


class DownSample(nn.Module):
    """BN -> ReLU -> 3x3 conv stride 2 (no bias). Pre-activation: the first op is a BN
    on the raw input. ``block`` indices (BN 0, conv 2) mirror upstream state-dict keys.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W)`` -> ``(N, C_out, H / 2, W / 2)``."""
        return self.block(x)


class ResBlock(nn.Module):
    """Pre-activation residual block: x + conv(relu(bn(conv(relu(bn(x)))))).

    No activation after the sum; convs have no bias. ``block`` indices (BN 0, conv 2,
    BN 3, conv 5) mirror upstream state-dict keys.

    Args:
        channels (int): input = output channels.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, H, W)`` -> ``(N, C, H, W)``."""
        return self.block(x) + x


@MODELS.register_module()
class FeatureEncoder(nn.Module):
    """Pyramid encoder of PF-AFN's AFWM: per stage DownSample + 2 ResBlocks.

    ``encoders.<stage>.<0: DownSample | 1, 2: ResBlock>`` mirrors upstream keys
    (``image_features.encoders.0.0.block.2.weight`` -> ``<prefix>.encoders.0.0.block.2.weight``).

    Args:
        in_channels (int): input channels (3 for the cloth, 45 / 20 / 3 for conditions).
        channels (Sequence[int]): output channels per stage; stage s has stride 2 ** (s + 1).

    Example:
        >>> enc = FeatureEncoder(3)
        >>> [f.shape[1:] for f in enc(torch.zeros(1, 3, 256, 192))]  # doctest: +SKIP
        [(64, 128, 96), (128, 64, 48), (256, 32, 24), (256, 16, 12), (256, 8, 6)]
    """

    def __init__(self, in_channels: int,
                 channels: Sequence[int] = PFAFN_ENCODER_CHANNELS) -> None:
        super().__init__()
        if in_channels < 1 or len(channels) == 0:
            raise ValueError(f'need in_channels >= 1 and at least one stage, got '
                             f'in_channels={in_channels}, channels={channels}')
        self.in_channels = in_channels
        self.out_channels = list(channels)
        stage_inputs = [in_channels] + self.out_channels[:-1]
        self.encoders = nn.ModuleList(
            nn.Sequential(DownSample(cin, cout), ResBlock(cout), ResBlock(cout))
            for cin, cout in zip(stage_inputs, self.out_channels))

    @property
    def strides(self) -> List[int]:
        """Stride of each output level relative to the input."""
        return [2 ** (i + 1) for i in range(len(self.out_channels))]

    def forward(self, x: Tensor) -> List[Tensor]:
        """Encode an image into a feature pyramid.

        Args:
            x (Tensor): ``(N, in_channels, H, W)``; H, W divisible by ``2 ** num_stages``.

        Returns:
            list[Tensor]: fine -> coarse, level s is ``(N, channels[s], H / 2 ** (s + 1),
            W / 2 ** (s + 1))``.
        """
        features = []
        for encoder in self.encoders:
            x = encoder(x)
            features.append(x)
        return features
