"""PF-AFN's feature pyramid network (FPN) on top of an encoder pyramid."""
from typing import List, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.registry import MODELS

#: FPN width of PF-AFN.
PFAFN_FPN_CHANNELS = 256


@MODELS.register_module()
class RefinePyramid(nn.Module):
    """Top-down FPN: coarse -> fine, 1x1 lateral conv + nearest x2 of the previous
    (smoothed) output, then a 3x3 smoothing conv; every level has ``out_channels``.

    ``adaptive`` / ``smooth`` are in upstream order (index 0 = coarsest level), so the
    upstream keys ``image_FPN.adaptive.0.weight`` map by a prefix rename.

    Args:
        in_channels (Sequence[int]): encoder channels fine -> coarse, e.g.
            ``[64, 128, 256, 256, 256]`` (the encoder's ``out_channels``).
        out_channels (int): FPN width (256 upstream).
    """

    def __init__(self, in_channels: Sequence[int],
                 out_channels: int = PFAFN_FPN_CHANNELS) -> None:
        super().__init__()
        self.in_channels = list(in_channels)
        self.out_channels = out_channels
        self.adaptive = nn.ModuleList(
            nn.Conv2d(cin, out_channels, 1) for cin in reversed(self.in_channels))
        self.smooth = nn.ModuleList(
            nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in self.in_channels)

    def forward(self, features: Sequence[Tensor]) -> List[Tensor]:
        """Refine an encoder pyramid.

        Args:
            features (Sequence[Tensor]): fine -> coarse, level l ``(N, in_channels[l],
                h_l, w_l)`` with ``h_l = 2 * h_{l + 1}``.

        Returns:
            list[Tensor]: fine -> coarse, level l ``(N, out_channels, h_l, w_l)``.
        """
        if len(features) != len(self.in_channels):
            raise ValueError(f'expected {len(self.in_channels)} pyramid levels, '
                             f'got {len(features)}')
        outputs = []
        previous = None
        for lateral, smooth, feature in zip(self.adaptive, self.smooth, reversed(features)):
            feature = lateral(feature)
            if previous is not None:
                feature = feature + F.interpolate(previous, scale_factor=2, mode='nearest')
            previous = smooth(feature)
            outputs.append(previous)
        return outputs[::-1]
