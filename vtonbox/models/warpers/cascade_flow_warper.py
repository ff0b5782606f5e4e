"""CascadeFlowWarper: the coarse-to-fine flow cascade shared by AFlowNet, StyleFlowWarper
and ClothFlowWarper."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.ops.flow import apply_offset, compose_flows, resize_flow, warp
from vtonbox.models.ops.second_difference import SecondDifference

from .outputs import WarpOutput, assemble_warp_output

#: Hidden widths of the flow heads (upstream netMain / netRefine: 49 or 512 -> 128 -> 64
#: -> 32 -> 2).
FLOW_HEAD_CHANNELS = (128, 64, 32)
#: Slope of the LeakyReLUs of the flow heads (and of AFlowNet's correlation).
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


class CascadeFlowWarper(nn.Module):
    """Base of the cascaded flow heads (not registered).

    Holds what they share: the per-level refinement nets ``refine_nets[i]`` (3x3 convs
    ``2 * in_channels -> 128 -> 64 -> 32 -> 2`` with LeakyReLU(0.1), upstream
    ``netRefine``), the fixed second-difference filters (a non-persistent buffer), the
    coarse -> fine loop with the x2 flow upsampling after every level (bilinear,
    align_corners=False) and the :class:`WarpOutput` assembly. Subclasses implement
    :meth:`_estimate_level` (and optionally :meth:`_prepare`).

    Args:
        num_levels (int): pyramid levels (5).
        in_channels (int): channels of both FPN pyramids (256).
        refine_channels (Sequence[int]): hidden widths of the refinement nets.
        negative_slope (float): LeakyReLU slope of the refinement nets.
        leading_modules (dict[str, nn.Module], optional): submodules of the subclass
            registered *before* ``refine_nets``, so that their state-dict keys and
            parameters come first (AFlowNet: upstream ``netMain`` precedes ``netRefine``
            in the released files and in optimizer states).
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256,
                 refine_channels: Sequence[int] = FLOW_HEAD_CHANNELS,
                 negative_slope: float = NEGATIVE_SLOPE,
                 leading_modules: Optional[Dict[str, nn.Module]] = None) -> None:
        super().__init__()
        if num_levels < 1:
            raise ValueError(f'num_levels must be >= 1, got {num_levels}')
        self.num_levels = num_levels
        self.in_channels = in_channels
        self.negative_slope = negative_slope
        for name, module in (leading_modules or {}).items():
            self.add_module(name, module)
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
    def _prewarp(cloth_feature: Tensor, sampled: Tensor, flow: Optional[Tensor],
                 like: Optional[Tensor] = None) -> Tensor:
        """The cloth feature warped by the *detached* previous flow (border padding), back
        in the dtype / memory format of ``like`` (default: the cloth feature); the feature
        itself at the first level."""
        if flow is None:
            return cloth_feature
        return _like(warp(sampled, flow.detach(), 'border'),
                     cloth_feature if like is None else like)

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
        """One level; appends its offsets to ``deltas`` and returns the flow at feature
        resolution (before upsampling)."""
        raise NotImplementedError

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
            WarpOutput: level sizes are twice the feature sizes (16x12 ... 256x192 for a
            256x192 input).
        """
        level_flows, deltas, cond_features = self.estimate_flows(cloth_pyramid, cond_pyramid)
        return assemble_warp_output(cloth, cloth_mask, level_flows, self.second_difference,
                                    deltas, cond_features)

    def estimate_flows(self, cloth_pyramid: Sequence[Tensor], cond_pyramid: Sequence[Tensor]
                       ) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
        """The flow cascade alone, without the per-level training outputs of
        :meth:`forward` (fast inference paths need only ``level_flows[-1]``).

        Args:
            cloth_pyramid, cond_pyramid (Sequence[Tensor]): as in :meth:`forward`.

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
