"""CP-VTON baseline (Wang et al., ECCV 2018): a TPS geometric matching warp and a
try-on generator, both conditioned on the cloth-agnostic person representation.

Given as a baseline row next to PF-AFN, trained by the same runner and losses. The
agnostic representation is CP-VTON's: 18 pose channels, a blurry body-shape mask
(the person silhouette downsampled ``shape_downsample`` times and upsampled back) and
the RGB of face and hair; 22 channels.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from vtonbox.models.generators.composition import TryOnComposition, compose_tryon
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample

from .base_tryon import BaseTryOnModel, cloth_targets, inference_only, share_vgg

#: Channels of the agnostic representation: pose 18 + body shape 1 + face/hair RGB 3.
AGNOSTIC_CHANNELS = 22


def cloth_agnostic(inputs: Dict[str, Tensor], shape_downsample: int = 16) -> Tensor:
    """CP-VTON's person representation (N, 22, H, W) (no cloth information).

    Args:
        inputs (dict): ``pose`` (N, 18, H, W), ``parsing`` (N, 1, H, W) ids (0 =
            background), ``face_mask`` (N, 1, H, W), ``person`` (N, 3, H, W).
        shape_downsample (int): blur factor of the body shape (CP-VTON: 16).
    """
    body = (inputs['parsing'] > 0).float()
    height, width = body.shape[-2:]
    small = F.interpolate(body, size=(max(height // shape_downsample, 1),
                                      max(width // shape_downsample, 1)), mode='bilinear',
                          align_corners=False)
    shape = F.interpolate(small, size=(height, width), mode='bilinear', align_corners=False)
    head = inputs['person'] * inputs['face_mask']
    return torch.cat([inputs['pose'], shape * 2 - 1, head], dim=1)


@MODELS.register_module()
class CPVTONBaseline(BaseTryOnModel):
    """CP-VTON: ``FlowWarpModel`` with a ``TPSWarper`` (22 condition channels) and a
    ``ResUnetGenerator`` on ``[agnostic (22), warped cloth (3)]`` (25 channels).

    Args:
        warp_model (dict): warp with ``cond_channels=22`` (any warping head works).
        generator (dict): generator with 25 input channels.
        warp_loss (dict, optional): e.g. ``MultiScaleWarpLoss``; None for inference.
        gen_loss (dict, optional): ``TryOnGeneratorLoss``; None for inference.
        warp_loss_weight (float): weight of the warp terms in the joint loss.
        shape_downsample (int): body-shape blur factor.
        **kwargs: see :class:`BaseTryOnModel`.
    """

    def __init__(self, warp_model: dict, generator: dict, warp_loss: Optional[dict] = None,
                 gen_loss: Optional[dict] = None, warp_loss_weight: float = 1.0,
                 shape_downsample: int = 16, **kwargs) -> None:
        super().__init__(**kwargs)
        self.warp_model = MODELS.build(warp_model)
        self.generator = MODELS.build(generator)
        self.warp_loss = MODELS.build(warp_loss) if warp_loss else None
        self.gen_loss = MODELS.build(gen_loss) if gen_loss else None
        share_vgg(self.warp_loss, self.gen_loss)
        self.warp_loss_weight = warp_loss_weight
        self.shape_downsample = shape_downsample

    def warp(self, inputs: Dict[str, Tensor], person: Optional[Tensor] = None) -> WarpOutput:
        """TPS-warp the (masked) paired cloth onto the agnostic representation ->
        ``WarpOutput`` (``person`` is not used)."""
        mask = inputs['cloth_mask']
        return self.warp_model(cloth_agnostic(inputs, self.shape_downsample),
                               inputs['cloth'] * mask, mask)

    def render(self, inputs: Dict[str, Tensor], out: WarpOutput,
               cloth_region: Optional[Tensor] = None,
               person: Optional[Tensor] = None) -> TryOnComposition:
        """Generator on ``[agnostic, warped cloth]`` + composition (CP-VTON composes
        everywhere: ``cloth_region`` and ``person`` are not used)."""
        agnostic = cloth_agnostic(inputs, self.shape_downsample)
        gen_output = self.generator(torch.cat([agnostic, out.warped_cloth], dim=1))
        return compose_tryon(gen_output, out.warped_cloth, out.warped_mask)

    def run(self, inputs: Dict[str, Tensor]) -> Tuple[WarpOutput, TryOnComposition]:
        """Warp and render -> (WarpOutput, TryOnComposition)."""
        out = self.warp(inputs)
        return out, self.render(inputs, out)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.warp_loss is None or self.gen_loss is None:
            raise inference_only(type(self).__name__)
        out, comp = self.run(inputs)
        losses = {k: self.warp_loss_weight * v
                  for k, v in self.warp_loss(out, *cloth_targets(inputs)).items()}
        losses.update(self.gen_loss(comp.tryon, comp.rendered, comp.composite_mask,
                                    inputs['person']))
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out, comp = self.run(inputs)
        return self.pack_tryon(data_samples, inputs, out, comp)
