"""Parser-based AFN (the PF-AFN teacher): stage 1 trains the warp, stage 2 trains warp
and generator end to end (reference §3.2, §3.3)."""
from typing import Dict, List, Optional, Sequence

from torch import Tensor

from vtonbox.models.generators.composition import TryOnComposition
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample

from .base_tryon import BaseTryOnModel
from .teacher_inputs import (
    DENSEPOSE_ARM_IDS,
    DENSEPOSE_HAND_IDS,
    parser_based_render,
    teacher_condition,
)


def cloth_targets(inputs: Dict[str, Tensor]):
    """The worn cloth of the real photo: ``(person * upper_cloth_mask, upper_cloth_mask)``."""
    mask = inputs['upper_cloth_mask']
    return inputs['person'] * mask, mask


def inference_only(model_name: str) -> RuntimeError:
    """The error of calling ``loss`` on a model built without losses."""
    return RuntimeError(f'{model_name} was built for inference (no losses/teacher); '
                        'build it from the training config to train it')


def share_vgg(warp_loss, gen_loss) -> None:
    """Let both losses use one frozen VGG19 (half the memory and start-up time)."""
    if getattr(warp_loss, 'vgg_loss', None) is not None and hasattr(gen_loss, 'vgg_loss'):
        gen_loss.vgg_loss = warp_loss.vgg_loss


@MODELS.register_module()
class ParserBasedWarp(BaseTryOnModel):
    """Stage 1: PB-AFN warping conditioned on parsing, DensePose and pose.

    Args:
        warp_model (dict): ``FlowWarpModel`` with 45 condition channels (20 without
            DensePose).
        warp_loss (dict, optional): ``MultiScaleWarpLoss``; None builds an
            inference-only model.
        use_densepose (bool): include the DensePose one-hot in the condition.
        **kwargs: see :class:`BaseTryOnModel`.
    """

    def __init__(self, warp_model: dict, warp_loss: Optional[dict] = None,
                 use_densepose: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.warp_model = MODELS.build(warp_model)
        self.warp_loss = MODELS.build(warp_loss) if warp_loss else None
        self.use_densepose = use_densepose

    def warp(self, inputs: Dict[str, Tensor]) -> WarpOutput:
        """Warp the (masked) paired cloth to the person's layout -> ``WarpOutput``."""
        mask = inputs['cloth_mask']
        cond = teacher_condition(inputs, self.use_densepose)
        return self.warp_model(cond, inputs['cloth'] * mask, mask)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.warp_loss is None:
            raise inference_only(type(self).__name__)
        return self.warp_loss(self.warp(inputs), *cloth_targets(inputs))

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out = self.warp(inputs)
        return self.pack_predictions(data_samples, len(inputs['person']),
                                     person=inputs['person'], cloth=inputs['cloth'],
                                     pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask)


@MODELS.register_module()
class ParserBasedTryOn(ParserBasedWarp):
    """Stage 2: PB-AFN warp + Res-UNet generator trained end to end.

    Loss = ``warp_loss_weight * warp loss + gen_loss_weight * generator loss``
    (reference 0.5 and 1). The warp's 0.2x learning rate is a ``paramwise_cfg`` of
    the optimizer (see ``configs/pbafn_tryon.py``).

    Args:
        generator (dict): ``ResUnetGenerator`` with 8 input channels.
        gen_loss (dict, optional): ``TryOnGeneratorLoss``; None for inference-only.
        warp_loss_weight, gen_loss_weight (float): stage weights.
        hand_ids, arm_ids (Sequence[int]): DensePose part ids (reference defaults).
    """

    def __init__(self, warp_model: dict, generator: dict,
                 warp_loss: Optional[dict] = None, gen_loss: Optional[dict] = None,
                 warp_loss_weight: float = 0.5, gen_loss_weight: float = 1.0,
                 hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS,
                 arm_ids: Sequence[int] = DENSEPOSE_ARM_IDS, **kwargs) -> None:
        super().__init__(warp_model, warp_loss, **kwargs)
        self.generator = MODELS.build(generator)
        self.gen_loss = MODELS.build(gen_loss) if gen_loss else None
        share_vgg(self.warp_loss, self.gen_loss)
        self.warp_loss_weight = warp_loss_weight
        self.gen_loss_weight = gen_loss_weight
        self.hand_ids = tuple(hand_ids)
        self.arm_ids = tuple(arm_ids)

    def render(self, inputs: Dict[str, Tensor], out: WarpOutput,
               cloth_region: Optional[Tensor]) -> TryOnComposition:
        """Generator + composition for a warp output -> ``TryOnComposition``."""
        return parser_based_render(self.generator, inputs, out, cloth_region, self.hand_ids,
                                   self.arm_ids)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.warp_loss is None or self.gen_loss is None:
            raise inference_only(type(self).__name__)
        out = self.warp(inputs)
        target_cloth, target_mask = cloth_targets(inputs)
        # Training composes inside the person's real cloth region (reference §2.3).
        comp = self.render(inputs, out, cloth_region=target_mask)
        losses = {k: self.warp_loss_weight * v
                  for k, v in self.warp_loss(out, target_cloth, target_mask).items()}
        losses.update({k: self.gen_loss_weight * v for k, v in self.gen_loss(
            comp.tryon, comp.rendered, comp.composite_mask, inputs['person']).items()})
        return losses

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out = self.warp(inputs)
        # At test time the composition uses the warped cloth as the cloth region.
        comp = self.render(inputs, out, cloth_region=None)
        return self.pack_predictions(data_samples, len(inputs['person']),
                                     person=inputs['person'], cloth=inputs['cloth'],
                                     pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask,
                                     pred_rendered=comp.rendered, pred_tryon=comp.tryon)
