"""StyleFlowWarper: FS-VTON's style-based global appearance-flow head."""
from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.models.ops.flow import warp
from vtonbox.models.ops.modulated_conv import ModulatedConv2d, scaled_leaky_relu
from vtonbox.registry import MODELS

from .cascade_flow_warper import FLOW_HEAD_CHANNELS, NEGATIVE_SLOPE, CascadeFlowWarper

#: Released FS-VTON warp-checkpoint key prefixes of the flow head -> FlowWarpModel
#: prefixes. The sub-keys after the prefix are identical (e.g. ``.0.conv1.weight``,
#: ``.3.conv0.mlp_class_std.linear.weight_orig``); the encoder / FPN keys have PF-AFN's
#: names and renames.
OFFICIAL_KEY_RENAMES = (
    ('aflow_net.cond_style.', 'warper.cond_style.'),
    ('aflow_net.image_style.', 'warper.cloth_style.'),
    ('aflow_net.netStyle.', 'warper.style_nets.'),
    ('aflow_net.netF.', 'warper.flow_nets.'),
    ('aflow_net.netRefine.', 'warper.refine_nets.'),
)
#: Keys of released files that carry no learnt weights (fixed smoothness filters).
OFFICIAL_IGNORED_KEYS = ('aflow_net.weight',)
#: Kernel of the style convs = the coarsest FPN map of a 256 x 192 input.
STYLE_KERNEL_SIZE = (8, 6)
#: Output channels of each of the two style convs (the style vector is twice this).
STYLE_CHANNELS = 128
#: Width of the modulated style nets (as in the released checkpoints).
STYLE_NET_CHANNELS = 49
#: Hidden width of the modulated flow nets.
FLOW_NET_CHANNELS = 128


class ModulatedConvPair(nn.Module):
    """Two modulated 3x3 convs ``conv0``, ``conv1`` sharing one style vector, each
    followed by LeakyReLU(0.2) * sqrt(2) except, if ``activate_output`` is False, the last.

    Args:
        in_channels, hidden_channels, out_channels (int): widths.
        style_channels (int): style-vector width.
        activate_output (bool): activation after ``conv1`` too.
        grouped (bool): per-sample grouped form of the modulated convs (see
            :class:`ModulatedConv2d`; same result).
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 style_channels: int, activate_output: bool, grouped: bool = False) -> None:
        super().__init__()
        self.conv0 = ModulatedConv2d(in_channels, hidden_channels, style_channels,
                                     grouped=grouped)
        self.conv1 = ModulatedConv2d(hidden_channels, out_channels, style_channels,
                                     grouped=grouped)
        self.activate_output = activate_output

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        x = self.conv1(scaled_leaky_relu(self.conv0(x, style)), style)
        return scaled_leaky_relu(x) if self.activate_output else x


def style_head(in_channels: int, out_channels: int, kernel_size: Tuple[int, int],
               negative_slope: float) -> nn.Sequential:
    """Valid conv with the size of the (pooled) coarsest map + LeakyReLU -> (N, C, 1, 1)
    (Sequential index 0 = upstream ``cond_style.0`` / ``image_style.0``)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size),
                         nn.LeakyReLU(negative_slope))


@MODELS.register_module()
class StyleFlowWarper(CascadeFlowWarper):
    """Style-based global appearance-flow head of FS-VTON (upstream style ``AFlowNet``).

    **Style vector** (once per forward): the coarsest condition and cloth FPN maps are
    adaptively average-pooled to ``style_kernel_size`` (a no-op when they already have it,
    i.e. for 256 x 192 inputs) and reduced by ``cond_style`` / ``cloth_style`` (a conv
    with that kernel, no padding, + LeakyReLU(0.1)) to ``(N, style_channels)`` each;
    ``style = concat(cond, cloth)``, ``(N, 2 * style_channels)``, shared by all levels.

    **Per level i** (coarse -> fine): the cloth feature, from level 1 on pre-warped by the
    *detached* previous flow (border), goes through ``style_nets[i]`` (two modulated 3x3
    convs ``in -> 49 -> 49``) and ``flow_nets[i]`` (``49 -> 128 -> 2``) -> pixel offset ->
    sampling grid, composed with the previous flow (border); the un-pre-warped cloth
    feature warped by that flow and concatenated with the condition feature gives
    ``refine_nets[i]``'s offset, composed the same way; the flow is upsampled x2
    (bilinear, align_corners=False). No correlation. Two deltas per level (style flow,
    refine), flows float32 absolute grids, as :class:`AFlowNet`.

    State-dict keys map 1:1 onto the released ``aflow_net.*`` keys by the prefix renames
    of :data:`OFFICIAL_KEY_RENAMES` (same shapes with the defaults).

    Args:
        num_levels (int): pyramid levels (5).
        in_channels (int): channels of both FPN pyramids (256).
        style_channels (int): output channels of each style conv (128).
        style_kernel_size (tuple[int, int]): kernel of the style convs, and the size the
            coarsest maps are pooled to (8, 6).
        style_net_channels (int): width of the modulated style nets (49).
        flow_net_channels (int): hidden width of the modulated flow nets (128).
        refine_channels (Sequence[int]): hidden widths of the refinement nets.
        negative_slope (float): LeakyReLU slope of the style convs and refinement nets.
        grouped_modulation (bool): run the modulated convs in their per-sample grouped
            form (same result; the default static form exports to ONNX).
    """

    def __init__(self, num_levels: int = 5, in_channels: int = 256,
                 style_channels: int = STYLE_CHANNELS,
                 style_kernel_size: Union[int, Sequence[int]] = STYLE_KERNEL_SIZE,
                 style_net_channels: int = STYLE_NET_CHANNELS,
                 flow_net_channels: int = FLOW_NET_CHANNELS,
                 refine_channels: Sequence[int] = FLOW_HEAD_CHANNELS,
                 negative_slope: float = NEGATIVE_SLOPE,
                 grouped_modulation: bool = False) -> None:
        super().__init__(num_levels, in_channels, refine_channels, negative_slope)
        if isinstance(style_kernel_size, int):
            style_kernel_size = (style_kernel_size, style_kernel_size)
        self.style_kernel_size = tuple(int(s) for s in style_kernel_size)
        if len(self.style_kernel_size) != 2 or min(self.style_kernel_size) < 1:
            raise ValueError(f'style_kernel_size must be two positive ints, '
                             f'got {style_kernel_size}')
        self.style_dim = 2 * style_channels
        self.cond_style = style_head(in_channels, style_channels, self.style_kernel_size,
                                     negative_slope)
        self.cloth_style = style_head(in_channels, style_channels, self.style_kernel_size,
                                      negative_slope)
        self.style_nets = nn.ModuleList(
            ModulatedConvPair(in_channels, style_net_channels, style_net_channels,
                              self.style_dim, activate_output=True,
                              grouped=grouped_modulation)
            for _ in range(num_levels))
        self.flow_nets = nn.ModuleList(
            ModulatedConvPair(style_net_channels, flow_net_channels, 2, self.style_dim,
                              activate_output=False, grouped=grouped_modulation)
            for _ in range(num_levels))

    def pool_style_input(self, feature: Tensor) -> Tensor:
        """Adaptive average pooling of a coarsest FPN map to ``style_kernel_size`` (the
        map itself when it already has that size).

        The two whole-multiple cases are written as what adaptive pooling computes there,
        in operators ONNX exports: a map k times the kernel (512x384: 16x12) is average-
        pooled in k x k blocks, a map 1/k of it (128x96: 4x3) is repeated k times.
        """
        size, target = tuple(feature.shape[-2:]), self.style_kernel_size
        if size == target:
            return feature
        if all(s % t == 0 for s, t in zip(size, target)):
            block = tuple(s // t for s, t in zip(size, target))
            return F.avg_pool2d(feature, block, block)
        if all(t % s == 0 for s, t in zip(size, target)):
            repeats = [t // s for s, t in zip(size, target)]
            return feature.repeat_interleave(repeats[0], dim=-2).repeat_interleave(
                repeats[1], dim=-1)
        return F.adaptive_avg_pool2d(feature, target)

    def style_vector(self, cloth_pyramid: Sequence[Tensor],
                     cond_pyramid: Sequence[Tensor]) -> Tensor:
        """The global style ``(N, 2 * style_channels)`` = concat(condition, cloth) codes
        of the coarsest (last) pyramid maps."""
        cond = self.cond_style(self.pool_style_input(cond_pyramid[-1]))
        cloth = self.cloth_style(self.pool_style_input(cloth_pyramid[-1]))
        return torch.cat([cond.flatten(1), cloth.flatten(1)], dim=1)

    def _prepare(self, cloth_pyramid: Sequence[Tensor], cond_pyramid: Sequence[Tensor]
                 ) -> Tensor:
        return self.style_vector(cloth_pyramid, cond_pyramid)

    def _estimate_level(self, level: int, cloth_feature: Tensor, cond_feature: Tensor,
                        flow: Optional[Tensor], deltas: List[Tensor], context: Any) -> Tensor:
        style = context
        sampled = self._sampling_dtype(cloth_feature)
        prewarped = self._prewarp(cloth_feature, sampled, flow)
        delta = self.flow_nets[level](self.style_nets[level](prewarped, style), style)
        deltas.append(delta)
        flow = self._compose(flow, delta)
        return self._refine(level, warp(sampled, flow, 'border'), cond_feature, flow, deltas)
