"""ClothFlowWarper: a refinement-only cascaded flow head (ClothFlow-style ablation),
and the coarse-to-fine loop it shares with :class:`StyleFlowWarper`."""
from typing import Any, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.ops.flow import apply_offset, compose_flows, resize_flow, warp
from vtonbox.models.ops.second_difference import SecondDifference
from vtonbox.registry import MODELS

from .aflownet import (
    FLOW_HEAD_CHANNELS,
    FLOW_UPSAMPLE_FACTOR,
    NEGATIVE_SLOPE,
    _like,
    flow_head,
)
from .outputs import WarpOutput, assemble_warp_output


class CascadeFlowWarper(nn.Module):
    """Base of the cascaded flow heads without correlation (not registered).

    Holds what they share with :class:`AFlowNet`: the per-level refinement nets
    ``refine_nets[i]`` (3x3 convs ``2 * in_channels -> 128 -> 64 -> 32 -> 2`` with
    LeakyReLU(0.1), upstream ``netRefine``), the fixed second-difference filters (a
    non-persistent buffer), the coarse -> fine loop with the x2 flow upsampling after
    every level (bilinear, align_corners=False) and the :class:`WarpOutput` assembly.
    Subclasses implement :meth:`_estimate_level` (and optionally :meth:`_prepare`).

    Args:
        num_levels (int): pyramid levels (5).
        in_channels (int): channels of both FPN pyramids (256).
        refine_channels (Sequence[int]): hidden widths of the refinement nets.
        negative_slope (float): LeakyReLU slope of the refinement nets.
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256,
                 refine_channels: Sequence[int] = FLOW_HEAD_CHANNELS,
                 negative_slope: float = NEGATIVE_SLOPE) -> None:
        super().__init__()
        if num_levels < 1:
            raise ValueError(f'num_levels must be >= 1, got {num_levels}')
        self.num_levels = num_levels
        self.in_channels = in_channels
        self.negative_slope = negative_slope
        self.refine_nets = nn.ModuleList(
            flow_head(2 * in_channels, refine_channels, negative_slope)
            for _ in range(num_levels))
        self.second_difference = SecondDifference()

    # -- helpers shared by the subclasses -------------------------------------------------
    @staticmethod
    def _sampling_dtype(cloth_feature: Tensor) -> Tensor:
        """The cloth feature in (at least) float32, the dtype flows are sampled in."""
        return cloth_feature.to(torch.promote_types(cloth_feature.dtype, torch.float32))

    @staticmethod
    def _prewarp(cloth_feature: Tensor, sampled: Tensor, flow: Optional[Tensor]) -> Tensor:
        """The cloth feature warped by the *detached* previous flow (border padding), back
        in the feature's dtype / memory format; the feature itself at the first level."""
        if flow is None:
            return cloth_feature
        return _like(warp(sampled, flow.detach(), 'border'), cloth_feature)

    @staticmethod
    def _compose(flow: Optional[Tensor], delta: Tensor) -> Tensor:
        """``delta`` (pixels) -> sampling grid, composed with ``flow`` if there is one."""
        grid = apply_offset(delta)
        return grid.permute(0, 3, 1, 2) if flow is None else compose_flows(flow, grid)

    def _refine(self, level: int, features: Tensor, cond_feature: Tensor,
                flow: Optional[Tensor], deltas: List[Tensor]) -> Tensor:
        """``refine_nets[level]`` on concat(cloth ``features``, condition) -> offset,
        composed with ``flow``."""
        inputs = torch.cat([_like(features, cond_feature), cond_feature], dim=1)
        delta = self.refine_nets[level](inputs)
        deltas.append(delta)
        return self._compose(flow, delta)

    # -- the cascade ---------------------------------------------------------------------
    def _prepare(self, cloth_pyramid: Sequence[Tensor], cond_pyramid: Sequence[Tensor]) -> Any:
        """Computed once before the levels (e.g. a global style vector)."""
        return None

    def _estimate_level(self, level: int, cloth_feature: Tensor, cond_feature: Tensor,
                        flow: Optional[Tensor], deltas: List[Tensor], context: Any) -> Tensor:
        """One level; returns the flow at feature resolution (before upsampling)."""
        raise NotImplementedError

    def forward(self, cloth: Tensor, cloth_mask: Tensor, cloth_pyramid: Sequence[Tensor],
                cond_pyramid: Sequence[Tensor]) -> WarpOutput:
        """Estimate the cloth-to-person flow (the :class:`AFlowNet` contract).

        Args:
            cloth (Tensor): ``(N, 3, H, W)`` masked cloth in ``[-1, 1]``.
            cloth_mask (Tensor): ``(N, 1, H, W)`` cloth mask in ``{0, 1}``.
            cloth_pyramid (Sequence[Tensor]): cloth FPN features fine -> coarse,
                ``(N, in_channels, H / 2 ** (l + 1), W / 2 ** (l + 1))``.
            cond_pyramid (Sequence[Tensor]): condition FPN features, same shapes.

        Returns:
            WarpOutput: level sizes are twice the feature sizes (16x12 ... 256x192 for a
            256x192 input).
        """
        level_flows, deltas, cond_features = self.estimate_flows(cloth_pyramid, cond_pyramid)
        return assemble_warp_output(cloth, cloth_mask, level_flows, self.second_difference,
                                    deltas, cond_features)

    def estimate_flows(self, cloth_pyramid: Sequence[Tensor], cond_pyramid: Sequence[Tensor]
                       ) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
        """The flow cascade alone (as :meth:`AFlowNet.estimate_flows`).

        Returns:
            tuple[list[Tensor], list[Tensor], list[Tensor]]: ``level_flows`` (coarse ->
            fine, ``(N, 2, h_l, w_l)``, float32), ``deltas`` and ``cond_features`` (coarse
            -> fine, see :class:`WarpOutput`).
        """
        name = type(self).__name__
        if len(cloth_pyramid) != self.num_levels or len(cond_pyramid) != self.num_levels:
            raise ValueError(f'{name} expects {self.num_levels} pyramid levels, got '
                             f'{len(cloth_pyramid)} (cloth) and {len(cond_pyramid)} (cond)')
        context = self._prepare(cloth_pyramid, cond_pyramid)
        flow = None
        level_flows, deltas, cond_features = [], [], []
        coarse_to_fine = zip(reversed(cloth_pyramid), reversed(cond_pyramid))
        for level, (cloth_feature, cond_feature) in enumerate(coarse_to_fine):
            cond_features.append(cond_feature)
            flow = self._estimate_level(level, cloth_feature, cond_feature, flow, deltas,
                                        context)
            size = [FLOW_UPSAMPLE_FACTOR * side for side in flow.shape[-2:]]
            flow = resize_flow(flow, size)
            level_flows.append(flow)
        return level_flows, deltas, cond_features


@MODELS.register_module()
class ClothFlowWarper(CascadeFlowWarper):
    """Refinement-only cascaded flow head: no correlation, no style vector.

    Per level i (coarse -> fine): the cloth feature, from level 1 on pre-warped by the
    *detached* previous flow (border), is concatenated with the condition feature;
    ``refine_nets[i]`` gives a pixel offset, turned into a sampling grid and composed with
    the previous flow (border); the flow is upsampled x2. One delta per level. An
    ablation row next to :class:`AFlowNet` and :class:`StyleFlowWarper`; its
    ``refine_nets`` have the shapes of theirs.

    Args:
        num_levels (int): pyramid levels (5).
        in_channels (int): channels of both FPN pyramids (256).
        refine_channels (Sequence[int]): hidden widths of the refinement nets.
        negative_slope (float): LeakyReLU slope.
    """

    def _estimate_level(self, level: int, cloth_feature: Tensor, cond_feature: Tensor,
                        flow: Optional[Tensor], deltas: List[Tensor], context: Any) -> Tensor:
        prewarped = self._prewarp(cloth_feature, self._sampling_dtype(cloth_feature), flow)
        return self._refine(level, prewarped, cond_feature, flow, deltas)
