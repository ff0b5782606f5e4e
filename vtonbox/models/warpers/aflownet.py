"""AFlowNet: PF-AFN's cascaded coarse-to-fine appearance-flow estimator."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.ops.flow import apply_offset, compose_flows, resize_flow, warp
from vtonbox.models.ops.second_difference import SecondDifference
from vtonbox.registry import MODELS

from .outputs import WarpOutput, assemble_warp_output

#: Hidden widths of upstream netMain / netRefine (49 or 512 -> 128 -> 64 -> 32 -> 2).
FLOW_HEAD_CHANNELS = (128, 64, 32)
#: Slope of every LeakyReLU in AFlowNet (after the correlation and in the heads).
NEGATIVE_SLOPE = 0.1
#: Flows are estimated at feature resolution and upsampled by this factor per level.
FLOW_UPSAMPLE_FACTOR = 2


def _like(tensor: Tensor, reference: Tensor) -> Tensor:
    """``tensor`` in the dtype and memory format (channels_last or not) of ``reference``.

    ``grid_sample`` returns float32 NCHW whatever its input; without this, a channels_last
    (bf16) branch pays a layout reorder in every following convolution. A no-op (no copy)
    when dtype and format already match.
    """
    channels_last = reference.dim() == 4 and not reference.is_contiguous() and \
        reference.is_contiguous(memory_format=torch.channels_last)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    return tensor.to(dtype=reference.dtype, memory_format=memory_format)


def flow_head(in_channels: int, hidden_channels: Sequence[int],
              negative_slope: float) -> nn.Sequential:
    """3x3 convs with LeakyReLUs ending in a 2-channel (x, y) pixel offset.

    Convs sit at Sequential indices 0, 2, 4, 6 (upstream ``netMain.i.0`` ...).
    """
    layers = []
    for out_channels in hidden_channels:
        layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1),
                   nn.LeakyReLU(negative_slope)]
        in_channels = out_channels
    layers.append(nn.Conv2d(in_channels, 2, 3, padding=1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class AFlowNet(nn.Module):
    """Cascaded appearance-flow head of PF-AFN (upstream ``AFlowNet``).

    Per level i (coarse -> fine): pre-warp the cloth feature with the detached previous
    flow (border), correlate it with the condition feature, LeakyReLU(0.1), ``main_nets[i]``
    -> pixel offset, compose with the previous flow; warp the un-pre-warped cloth feature
    with the new flow, concatenate the condition feature, ``refine_nets[i]`` -> offset,
    compose again; upsample the flow x2 (bilinear, align_corners=False). Flows are
    absolute normalised grids, float32.

    ``main_nets`` / ``refine_nets`` mirror upstream ``aflow_net.netMain`` /
    ``aflow_net.netRefine`` keys; the second-difference filters are a non-persistent
    buffer (upstream's extra ``aflow_net.weight`` key is not expected).

    Args:
        num_levels (int): pyramid levels (5).
        in_channels (int): channels of both FPN pyramids (256).
        correlation (dict): config of the local correlation (49 channels for d = 3).
        hidden_channels (Sequence[int]): widths of the flow heads.
        negative_slope (float): LeakyReLU slope.
        prewarp_features (bool): pre-warp the cloth feature with the previous flow
            before the correlation (upstream ``warp_feature=True``).
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256,
                 correlation: Optional[dict] = None,
                 hidden_channels: Sequence[int] = FLOW_HEAD_CHANNELS,
                 negative_slope: float = NEGATIVE_SLOPE,
                 prewarp_features: bool = True) -> None:
        super().__init__()
        if num_levels < 1:
            raise ValueError(f'num_levels must be >= 1, got {num_levels}')
        self.num_levels = num_levels
        self.in_channels = in_channels
        self.negative_slope = negative_slope
        self.prewarp_features = prewarp_features
        self.correlation = MODELS.build(
            correlation if correlation is not None else dict(type='Correlation'))
        self.main_nets = nn.ModuleList(
            flow_head(self.correlation.out_channels, hidden_channels, negative_slope)
            for _ in range(num_levels))
        self.refine_nets = nn.ModuleList(
            flow_head(2 * in_channels, hidden_channels, negative_slope)
            for _ in range(num_levels))
        self.second_difference = SecondDifference()

    def _estimate_level(self, level: int, cloth_feature: Tensor, cond_feature: Tensor,
                        flow: Optional[Tensor], deltas: List[Tensor]) -> Tensor:
        """One cascade level; returns the composed flow at feature resolution."""
        # grid_sample runs in (at least) float32, the flows' dtype: cast a low-precision
        # cloth feature once for both warps below (a no-op in float32)
        sampled = cloth_feature.to(torch.promote_types(cloth_feature.dtype, torch.float32))
        if flow is not None and self.prewarp_features:
            # go back to the feature dtype (and memory format) of the branch
            prewarped = _like(warp(sampled, flow.detach(), 'border'), cond_feature)
        else:
            prewarped = cloth_feature
        cost = F.leaky_relu(self.correlation(prewarped, cond_feature), self.negative_slope)
        delta = self.main_nets[level](cost)
        deltas.append(delta)
        grid = apply_offset(delta)
        flow = grid.permute(0, 3, 1, 2) if flow is None else compose_flows(flow, grid)

        warped = warp(sampled, flow, 'border')
        features = torch.cat([_like(warped, cond_feature), cond_feature], dim=1)
        delta = self.refine_nets[level](features)
        deltas.append(delta)
        return compose_flows(flow, apply_offset(delta))

    def forward(self, cloth: Tensor, cloth_mask: Tensor, cloth_pyramid: Sequence[Tensor],
                cond_pyramid: Sequence[Tensor]) -> WarpOutput:
        """Estimate the cloth-to-person flow.

        Args:
            cloth (Tensor): ``(N, 3, H, W)`` masked cloth in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` cloth mask in ``{0, 1}``.
            cloth_pyramid (Sequence[Tensor]): cloth FPN features fine -> coarse,
                ``(N, in_channels, H / 2 ** (l + 1), W / 2 ** (l + 1))``.
            cond_pyramid (Sequence[Tensor]): condition FPN features, same shapes.

        Returns:
            WarpOutput: level sizes are twice the feature sizes (16x12 ... 256x192 for
            256x192 input); 2 deltas per level.
        """
        level_flows, deltas, cond_features = self.estimate_flows(cloth_pyramid, cond_pyramid)
        return assemble_warp_output(cloth, cloth_mask, level_flows, self.second_difference,
                                    deltas, cond_features)

    def estimate_flows(self, cloth_pyramid: Sequence[Tensor], cond_pyramid: Sequence[Tensor]
                       ) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
        """The flow cascade alone, without the per-level training outputs of ``forward``
        (fast inference paths need only ``level_flows[-1]``).

        Args:
            cloth_pyramid, cond_pyramid (Sequence[Tensor]): as in :meth:`forward`.

        Returns:
            tuple[list[Tensor], list[Tensor], list[Tensor]]: ``level_flows`` (coarse ->
            fine, ``(N, 2, h_l, w_l)``, float32), ``deltas`` and ``cond_features`` (see
            :class:`WarpOutput`).
        """
        if len(cloth_pyramid) != self.num_levels or len(cond_pyramid) != self.num_levels:
            raise ValueError(f'AFlowNet expects {self.num_levels} pyramid levels, got '
                             f'{len(cloth_pyramid)} (cloth) and {len(cond_pyramid)} (cond)')
        flow = None
        level_flows, deltas, cond_features = [], [], []
        coarse_to_fine = zip(reversed(cloth_pyramid), reversed(cond_pyramid))
        for level, (cloth_feature, cond_feature) in enumerate(coarse_to_fine):
            cond_features.append(cond_feature)
            flow = self._estimate_level(level, cloth_feature, cond_feature, flow, deltas)
            size = [FLOW_UPSAMPLE_FACTOR * side for side in flow.shape[-2:]]
            flow = resize_flow(flow, size)
            level_flows.append(flow)
        return level_flows, deltas, cond_features
