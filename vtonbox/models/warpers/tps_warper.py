"""TPSWarper: CP-VTON's geometric matching module (GMM) as a warping head."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.ops.second_difference import SecondDifference
from vtonbox.registry import MODELS

from .outputs import WarpOutput, assemble_warp_output

#: CP-VTON correlates 16 x 12 features of a 256 x 192 input (192 correlation channels).
DEFAULT_CORRELATION_SIZE = (16, 12)
#: Widths of CP-VTON's FeatureRegression convolutions.
REGRESSOR_CHANNELS = (512, 256, 128, 64)
#: Level sizes (and the full-resolution flow) are twice the feature sizes.
FLOW_UPSAMPLE_FACTOR = 2
#: Added under the square root of the L2 normalisation.
L2_NORM_EPS = 1e-6


def l2_normalize(features: Tensor, eps: float = L2_NORM_EPS) -> Tensor:
    """Divide each feature vector by its L2 norm over channels (CP-VTON FeatureL2Norm)."""
    features = features.float()
    return features / torch.sqrt(features.pow(2).sum(1, keepdim=True) + eps)


def global_correlation(first: Tensor, second: Tensor) -> Tensor:
    """All-pairs dot products (CP-VTON FeatureCorrelation).

    Args:
        first (Tensor): ``(N, C, h, w)`` condition features (A).
        second (Tensor): ``(N, C, h, w)`` cloth features (B).

    Returns:
        Tensor: ``(N, h * w, h, w)``; channel ``x * h + y`` (column-major position of A)
        at spatial ``(i, j)`` is ``<A[:, y, x], B[:, i, j]>``.
    """
    batch, channels, height, width = first.shape
    first = first.transpose(2, 3).reshape(batch, channels, height * width)
    second = second.reshape(batch, channels, height * width).transpose(1, 2)
    product = torch.bmm(second, first)  # (N, hw of B, hw of A)
    return product.transpose(1, 2).reshape(batch, height * width, height, width)


def regressor(in_channels: int, channels: Sequence[int]) -> nn.Sequential:
    """CP-VTON FeatureRegression convs: 2 x (4x4 s2 conv-BN-ReLU), then 3x3 conv-BN-ReLUs."""
    layers = []
    for index, out_channels in enumerate(channels):
        strided = index < 2
        layers += [nn.Conv2d(in_channels, out_channels, 4 if strided else 3,
                             stride=2 if strided else 1, padding=1),
                   nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
        in_channels = out_channels
    return nn.Sequential(*layers)


@MODELS.register_module()
class TPSWarper(nn.Module):
    """CP-VTON GMM head: L2-normalised features of one coarse pyramid level -> global
    correlation -> conv regressor + linear -> displaced 5 x 5 TPS control points -> grid.

    Consumes the same pyramids and returns the same :class:`WarpOutput` as
    :class:`AFlowNet`, so ``warper=dict(type='TPSWarper')`` is a drop-in swap.
    Deviations from CP-VTON (documented choices): the features are resized to
    ``correlation_size`` so one model serves every input size; the linear layer predicts
    control-point *offsets* and is zero-initialised, so the initial warp is the identity
    (CP-VTON regresses absolute points through tanh from a random init).

    Args:
        num_levels (int): pyramid levels (to check the input).
        in_channels (int): pyramid channels (unused by the computation; accepted so
            :class:`FlowWarpModel` can pass it to any warper).
        level (int): pyramid index, fine -> coarse, of the correlated level (3 = stride
            16, CP-VTON's 16 x 12 for 256 x 192).
        correlation_size (tuple[int, int]): ``(h, w)`` the level is resized to (multiples
            of 4).
        regressor_channels (Sequence[int]): widths of the regressor convs (>= 2 entries).
        grid_size (int): TPS control points per side.
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256, level: int = 3,
                 correlation_size: Tuple[int, int] = DEFAULT_CORRELATION_SIZE,
                 regressor_channels: Sequence[int] = REGRESSOR_CHANNELS,
                 grid_size: int = 5) -> None:
        super().__init__()
        if not 0 <= level < num_levels:
            raise ValueError(f'level must be in [0, {num_levels}), got {level}')
        height, width = correlation_size
        if height % 4 or width % 4 or len(regressor_channels) < 2:
            raise ValueError(f'correlation_size must be multiples of 4 and '
                             f'regressor_channels have >= 2 entries, got {correlation_size}, '
                             f'{regressor_channels}')
        self.num_levels = num_levels
        self.in_channels = in_channels
        self.level = level
        self.correlation_size = (height, width)
        self.regressor = regressor(height * width, regressor_channels)
        self.grid_generator = MODELS.build(dict(type='TPSGridGenerator', grid_size=grid_size))
        num_points = self.grid_generator.num_points
        self.linear = nn.Linear(regressor_channels[-1] * (height // 4) * (width // 4),
                                2 * num_points)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.second_difference = SecondDifference()

    def control_points(self, cloth_feature: Tensor, cond_feature: Tensor) -> Tensor:
        """Regress the TPS target points.

        Args:
            cloth_feature (Tensor): ``(N, C, h, w)`` cloth feature of ``self.level``.
            cond_feature (Tensor): ``(N, C, h, w)`` condition feature of the same level.

        Returns:
            Tensor: ``(N, K, 2)`` normalised (x, y) positions, float32.
        """
        features = []
        for feature in (cond_feature, cloth_feature):
            if tuple(feature.shape[-2:]) != self.correlation_size:
                feature = F.interpolate(feature, size=self.correlation_size, mode='bilinear',
                                        align_corners=False)
            features.append(l2_normalize(feature))
        cost = global_correlation(*features)
        regressed = self.linear(self.regressor(cost).flatten(1)).float()
        offsets = regressed.view(-1, 2, self.grid_generator.num_points).transpose(1, 2)
        return self.grid_generator.control_points + offsets

    def forward(self, cloth: Tensor, cloth_mask: Tensor, cloth_pyramid: Sequence[Tensor],
                cond_pyramid: Sequence[Tensor]) -> WarpOutput:
        """Warp the cloth with a thin-plate spline.

        Args:
            cloth (Tensor): ``(N, 3, H, W)`` masked cloth in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` cloth mask.
            cloth_pyramid (Sequence[Tensor]): cloth FPN features, fine -> coarse.
            cond_pyramid (Sequence[Tensor]): condition FPN features, fine -> coarse.

        Returns:
            WarpOutput: level flows are the TPS evaluated on each level's grid (twice the
            feature size); ``deltas`` is empty.
        """
        if len(cloth_pyramid) != self.num_levels or len(cond_pyramid) != self.num_levels:
            raise ValueError(f'TPSWarper expects {self.num_levels} pyramid levels, got '
                             f'{len(cloth_pyramid)} (cloth) and {len(cond_pyramid)} (cond)')
        targets = self.control_points(cloth_pyramid[self.level], cond_pyramid[self.level])
        level_flows = [
            self.grid_generator(targets, [FLOW_UPSAMPLE_FACTOR * s for s in f.shape[-2:]])
            for f in reversed(cloth_pyramid)]
        flow: Optional[Tensor] = None
        if level_flows[-1].shape[-2:] != cloth.shape[-2:]:
            flow = self.grid_generator(targets, cloth.shape[-2:])
        return assemble_warp_output(cloth, cloth_mask, level_flows, self.second_difference,
                                    [], list(reversed(cond_pyramid)), flow)
