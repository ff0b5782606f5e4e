"""AFlowNet: PF-AFN's cascaded coarse-to-fine appearance-flow estimator."""
from typing import Any, List, Optional, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.ops.flow import warp
from vtonbox.registry import MODELS

from .cascade_flow_warper import (
    FLOW_HEAD_CHANNELS,
    NEGATIVE_SLOPE,
    CascadeFlowWarper,
    flow_head,
)


@MODELS.register_module()
class AFlowNet(CascadeFlowWarper):
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
        correlation = MODELS.build(
            correlation if correlation is not None else dict(type='Correlation'))
        main_nets = nn.ModuleList(
            flow_head(correlation.out_channels, hidden_channels, negative_slope)
            for _ in range(num_levels))
        super().__init__(num_levels, in_channels, hidden_channels, negative_slope,
                         leading_modules=dict(correlation=correlation, main_nets=main_nets))
        self.prewarp_features = prewarp_features

    def _estimate_level(self, level: int, cloth_feature: Tensor, cond_feature: Tensor,
                        flow: Optional[Tensor], deltas: List[Tensor], context: Any) -> Tensor:
        # grid_sample runs in (at least) float32, the flows' dtype: cast a low-precision
        # cloth feature once for both warps below (a no-op in float32)
        sampled = self._sampling_dtype(cloth_feature)
        prewarped = (self._prewarp(cloth_feature, sampled, flow, like=cond_feature)
                     if self.prewarp_features else cloth_feature)
        cost = F.leaky_relu(self.correlation(prewarped, cond_feature), self.negative_slope)
        delta = self.main_nets[level](cost)
        deltas.append(delta)
        flow = self._compose(flow, delta)
        return self._refine(level, warp(sampled, flow, 'border'), cond_feature, flow, deltas)
