"""AffineWarper: one affine transform per sample, the smallest head that keeps the
WarpOutput contract."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.ops import SecondDifference
from vtonbox.models.warpers import WarpOutput, assemble_warp_output
from vtonbox.registry import MODELS

#: Level sizes are twice the feature sizes (the finest level is the input size).
FLOW_UPSAMPLE_FACTOR = 2
#: The affine matrix of the identity warp, row-major (2 x 3).
IDENTITY_AFFINE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@MODELS.register_module()
class AffineWarper(nn.Module):
    """Regress an affine warp from the pooled coarsest cloth and condition features.

    Args:
        num_levels (int): pyramid levels (FlowWarpModel passes it).
        in_channels (int): FPN channels (FlowWarpModel passes it).
        hidden_channels (int): width of the regressor.
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256,
                 hidden_channels: int = 128) -> None:
        super().__init__()
        self.num_levels = num_levels
        self.regressor = nn.Sequential(nn.Linear(2 * in_channels, hidden_channels),
                                       nn.ReLU(inplace=True), nn.Linear(hidden_channels, 6))
        nn.init.zeros_(self.regressor[-1].weight)  # start from the identity warp
        with torch.no_grad():
            self.regressor[-1].bias.copy_(torch.tensor(IDENTITY_AFFINE))
        self.second_difference = SecondDifference()

    def forward(self, cloth: Tensor, cloth_mask: Tensor, cloth_pyramid: Sequence[Tensor],
                cond_pyramid: Sequence[Tensor]) -> WarpOutput:
        """cloth (N, 3, H, W), cloth_mask (N, 1, H, W); pyramids fine -> coarse."""
        if len(cloth_pyramid) != self.num_levels or len(cond_pyramid) != self.num_levels:
            raise ValueError(f'AffineWarper expects {self.num_levels} pyramid levels, got '
                             f'{len(cloth_pyramid)} and {len(cond_pyramid)}')
        pooled = torch.cat([cloth_pyramid[-1].mean(dim=(2, 3)),
                            cond_pyramid[-1].mean(dim=(2, 3))], dim=1)
        theta = self.regressor(pooled).float().view(-1, 2, 3)
        level_flows = []
        # Flows are float32 even under autocast (bf16 cannot resolve sub-pixel positions).
        with torch.autocast(cloth.device.type, enabled=False):
            for feature in reversed(cloth_pyramid):  # coarse -> fine
                height, width = (FLOW_UPSAMPLE_FACTOR * side for side in feature.shape[-2:])
                grid = F.affine_grid(theta, [theta.shape[0], 2, height, width],
                                     align_corners=True)  # (N, h, w, 2), x then y
                level_flows.append(grid.permute(0, 3, 1, 2))
        return assemble_warp_output(cloth, cloth_mask, level_flows, self.second_difference,
                                    deltas=[], cond_features=list(reversed(cond_pyramid)))
