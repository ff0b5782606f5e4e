"""WarpOutput: the one output contract of every warping head (AFlowNet, TPSWarper)."""
import dataclasses
from dataclasses import dataclass, fields
from typing import Callable, List, Optional

from torch import Tensor

from vtonbox.models.ops.flow import resize_flow, resize_image, warp


@dataclass
class WarpOutput:
    """Everything a warping model produces, for losses, distillation and generators.

    Levels are ordered coarse -> fine; for a 256 x 192 input and 5 pyramid levels the
    level sizes ``h_l x w_l`` are 16x12, 32x24, 64x48, 128x96, 256x192 (twice the
    feature size of the level). Flows are absolute normalised sampling grids (x, y),
    ``align_corners=True`` convention, float32.

    Attributes:
        warped_cloth (Tensor): ``(N, 3, H, W)`` cloth warped with ``flow`` (bilinear,
            border padding).
        warped_mask (Tensor): ``(N, 1, H, W)`` cloth mask warped with ``flow`` (bilinear,
            zeros padding).
        flow (Tensor): ``(N, 2, H, W)`` final sampling grid, channel-first.
        level_flows (list[Tensor]): ``(N, 2, h_l, w_l)`` flow of each level
            (upstream ``last_flow_all``); the last one equals ``flow``.
        level_warped_cloths (list[Tensor]): ``(N, 3, h_l, w_l)`` cloth bilinearly resized
            to the level and warped with its flow, border (upstream ``x_all``).
        level_warped_masks (list[Tensor]): ``(N, 1, h_l, w_l)`` same for the mask, zeros
            padding (upstream ``x_edge_all``).
        level_flow_diffs (list[Tensor]): ``(N, 2, 4, h_l - 2, w_l - 2)`` second
            differences (horizontal, vertical, diagonal, anti-diagonal) of the x and y
            channels of ``level_flows[l]`` (upstream ``delta_x_all`` / ``delta_y_all``
            stacked on dim 1, x first), float32.
        deltas (list[Tensor]): raw flow increments ``(N, 2, h, w)`` in pixels of their
            level, main / refine alternating, coarse -> fine (AFlowNet: 2 per level;
            TPSWarper: empty).
        cond_features (list[Tensor]): ``(N, C, h, w)`` condition FPN features, coarse ->
            fine (targets of feature distillation).
        cloth_features (list[Tensor]): ``(N, C, h, w)`` cloth (garment) pyramid the flow
            was estimated from, coarse -> fine, as ``cond_features`` (targets of DM-VTON's
            garment-side distillation); filled by ``FlowWarpModel``, empty when a warping
            head is called on its own.
    """

    warped_cloth: Tensor
    warped_mask: Tensor
    flow: Tensor
    level_flows: List[Tensor]
    level_warped_cloths: List[Tensor]
    level_warped_masks: List[Tensor]
    level_flow_diffs: List[Tensor]
    deltas: List[Tensor]
    cond_features: List[Tensor]
    cloth_features: List[Tensor] = dataclasses.field(default_factory=list)

    @property
    def num_levels(self) -> int:
        """Number of pyramid levels."""
        return len(self.level_flows)

    def detach(self) -> 'WarpOutput':
        """A copy whose tensors are detached (e.g. teacher outputs for distillation)."""
        values = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Tensor):
                values[field.name] = value.detach()
            else:
                values[field.name] = [item.detach() for item in value]
        return WarpOutput(**values)


def assemble_warp_output(cloth: Tensor, cloth_mask: Tensor, level_flows: List[Tensor],
                         second_difference: Callable[[Tensor], Tensor],
                         deltas: List[Tensor], cond_features: List[Tensor],
                         flow: Optional[Tensor] = None) -> WarpOutput:
    """Fill a :class:`WarpOutput` from the per-level flows (shared by all warpers).

    For each level the cloth and mask are bilinearly resized to the flow size
    (``align_corners=False``, as upstream) and warped with it (border / zeros padding),
    and the flow's second differences are taken.

    Args:
        cloth (Tensor): ``(N, 3, H, W)`` full-resolution (masked) cloth.
        cloth_mask (Tensor): ``(N, 1, H, W)`` cloth mask in ``[0, 1]``.
        level_flows (list[Tensor]): ``(N, 2, h_l, w_l)`` coarse -> fine.
        second_difference (callable): ``(N, 2, h, w) -> (N, 2, 4, h - 2, w - 2)``.
        deltas (list[Tensor]): see :class:`WarpOutput`.
        cond_features (list[Tensor]): see :class:`WarpOutput`.
        flow (Tensor, optional): ``(N, 2, H, W)`` final flow; default: the last level
            flow, bilinearly resized to ``(H, W)`` if it has another size.

    Returns:
        WarpOutput: the assembled outputs.
    """
    level_cloths, level_masks, level_diffs = [], [], []
    for level_flow in level_flows:
        size = level_flow.shape[-2:]
        level_cloths.append(warp(resize_image(cloth, size), level_flow, 'border'))
        level_masks.append(warp(resize_image(cloth_mask, size), level_flow, 'zeros'))
        level_diffs.append(second_difference(level_flow))
    full_size = cloth.shape[-2:]
    if flow is None and level_flows[-1].shape[-2:] == full_size:
        flow = level_flows[-1]
        warped_cloth, warped_mask = level_cloths[-1], level_masks[-1]
    else:
        if flow is None:
            flow = resize_flow(level_flows[-1], full_size)
        warped_cloth = warp(cloth, flow, 'border')
        warped_mask = warp(cloth_mask, flow, 'zeros')
    return WarpOutput(
        warped_cloth=warped_cloth, warped_mask=warped_mask, flow=flow,
        level_flows=list(level_flows), level_warped_cloths=level_cloths,
        level_warped_masks=level_masks, level_flow_diffs=level_diffs, deltas=list(deltas),
        cond_features=list(cond_features))
