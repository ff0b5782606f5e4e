"""ClothFlowWarper: a refinement-only cascaded flow head (ClothFlow-style ablation)."""
from typing import Any, List, Optional

from torch import Tensor

from vtonbox.registry import MODELS

from .cascade_flow_warper import CascadeFlowWarper


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
