"""A torchvision ResNet-18 trunk with the 5-level pyramid contract of FeatureEncoder."""
from typing import List, Sequence

from torch import Tensor, nn

from vtonbox.registry import MODELS

from .feature_encoder import PFAFN_ENCODER_CHANNELS

#: Channels of the ResNet-18 stages at strides 2 (stem), 4, 8, 16, 32.
RESNET18_STAGE_CHANNELS = (64, 64, 128, 256, 512)


@MODELS.register_module()
class ResNetEncoder(nn.Module):
    """ResNet-18 (random init, never downloaded) as a drop-in pyramid encoder.

    Levels: stem (conv1-bn-relu, stride 2), layer1 (after max-pool, stride 4), layer2
    (8), layer3 (16), layer4 (32). A 1x1 convolution projects a level whose channels
    differ from ``channels``; levels that already match are passed through. The stem
    convolution takes ``in_channels`` so any condition can be encoded.

    Args:
        in_channels (int): input channels.
        channels (Sequence[int]): 5 output channels, fine -> coarse (defaults match
            :class:`FeatureEncoder`, so the FPN and warpers need no change).
    """

    def __init__(self, in_channels: int,
                 channels: Sequence[int] = PFAFN_ENCODER_CHANNELS) -> None:
        super().__init__()
        if len(channels) != len(RESNET18_STAGE_CHANNELS):
            raise ValueError(f'ResNetEncoder has {len(RESNET18_STAGE_CHANNELS)} levels, '
                             f'got channels={list(channels)}')
        self.in_channels = in_channels
        self.out_channels = list(channels)
        from torchvision.models import resnet18  # only when built: keeps imports light
        trunk = resnet18(weights=None)
        stem_conv = nn.Conv2d(in_channels, RESNET18_STAGE_CHANNELS[0], 7, stride=2,
                              padding=3, bias=False)
        self.stages = nn.ModuleList([
            nn.Sequential(stem_conv, trunk.bn1, trunk.relu),
            nn.Sequential(trunk.maxpool, trunk.layer1),
            trunk.layer2, trunk.layer3, trunk.layer4])
        self.projections = nn.ModuleList(
            nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)
            for cin, cout in zip(RESNET18_STAGE_CHANNELS, self.out_channels))

    @property
    def strides(self) -> List[int]:
        """Stride of each output level relative to the input."""
        return [2 ** (i + 1) for i in range(len(self.out_channels))]

    def forward(self, x: Tensor) -> List[Tensor]:
        """Encode an image into a feature pyramid.

        Args:
            x (Tensor): ``(N, in_channels, H, W)``, H and W divisible by 32.

        Returns:
            list[Tensor]: fine -> coarse, level s ``(N, channels[s], H / 2 ** (s + 1),
            W / 2 ** (s + 1))``.
        """
        features = []
        for stage, projection in zip(self.stages, self.projections):
            x = stage(x)
            features.append(projection(x))
        return features
