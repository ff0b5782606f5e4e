"""Parser-based AFN (the PF-AFN teacher): stage 1 trains the warp, stage 2 trains warp
and generator end to end; frozen, stage 2 is the teacher of the student stages.

The parser-based warp sees the person's layout instead of the person photo:
``cond = [face_mask, other_clothes_mask, densepose one-hot (25), pose (18)]`` = 45
channels (20 without DensePose). Its generator sees the regions to preserve and the
DensePose arm region to repaint. DensePose part ids are arguments with the upstream
values as defaults, so another part set is a config change. See
``docs/advanced_guides/distillation.md`` (the teacher) for the inputs in detail.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from vtonbox.models.generators.composition import TryOnComposition, compose_tryon
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample

from .base_tryon import BaseTryOnModel, cloth_targets, inference_only, share_vgg

#: DensePose part ids of the two hands (upstream's choice).
DENSEPOSE_HAND_IDS = (3, 4)
#: DensePose part ids of upper and lower arms, both sides (upstream's choice).
DENSEPOSE_ARM_IDS = tuple(range(15, 23))


def ids_mask(label_map: Tensor, ids: Sequence[int]) -> Tensor:
    """Float {0, 1} mask of the pixels whose id is in ``ids``.

    Args:
        label_map (Tensor): (N, 1, H, W) integer (or integral float) ids.
    """
    wanted = torch.as_tensor(tuple(ids), device=label_map.device)
    return torch.isin(label_map.long(), wanted).to(torch.float32)


def teacher_condition(inputs: Dict[str, Tensor], use_densepose: bool = True) -> Tensor:
    """Condition input of the parser-based warp.

    Returns:
        Tensor: (N, 45, H, W) = face, other clothes, DensePose one-hot, pose;
        (N, 20, H, W) when ``use_densepose`` is False.
    """
    parts = [inputs['face_mask'], inputs['other_clothes_mask']]
    if use_densepose:
        parts.append(inputs['densepose_onehot'])
    parts.append(inputs['pose'])
    return torch.cat(parts, dim=1)


def preserve_region(inputs: Dict[str, Tensor],
                    hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS) -> Tensor:
    """Person pixels the generator must keep: face/hair, other clothes and hands.

    Returns:
        Tensor: (N, 3, H, W) person image in [-1, 1], 0 outside the kept regions.
    """
    hands = inputs['arm_mask'] * ids_mask(inputs['densepose'], hand_ids)
    keep = inputs['face_mask'] + inputs['other_clothes_mask'] + hands
    return inputs['person'] * keep


def teacher_generator_input(inputs: Dict[str, Tensor], warped_cloth: Tensor,
                            warped_mask: Tensor, cloth_region: Tensor,
                            hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS,
                            arm_ids: Sequence[int] = DENSEPOSE_ARM_IDS) -> Tensor:
    """Input of the parser-based generator (8 channels).

    Args:
        warped_cloth (Tensor): (N, 3, H, W) in [-1, 1].
        warped_mask (Tensor): (N, 1, H, W) in [0, 1].
        cloth_region (Tensor): (N, 1, H, W): where the new cloth will be — the ground-truth
            upper-cloth mask in training, the warped mask for tutor images.

    Returns:
        Tensor: (N, 8, H, W) = preserve region, warped cloth, warped mask, arm region
        outside the cloth.
    """
    arms = ids_mask(inputs['densepose'], arm_ids) * (1 - cloth_region)
    return torch.cat([preserve_region(inputs, hand_ids), warped_cloth, warped_mask, arms],
                     dim=1)


def parser_based_render(generator: nn.Module, inputs: Dict[str, Tensor], warp_out,
                        cloth_region: Optional[Tensor] = None,
                        hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS,
                        arm_ids: Sequence[int] = DENSEPOSE_ARM_IDS):
    """Run the parser-based generator on a warp output and compose the try-on.

    Args:
        generator (nn.Module): ``ResUnetGenerator`` with 8 input channels.
        warp_out: ``WarpOutput`` of the parser-based warp.
        cloth_region (Tensor, optional): (N, 1, H, W) ground-truth cloth mask, used in
            training (composition restricted to it); None at test time
            and for tutor images, where the warped mask marks the cloth region.

    Returns:
        TryOnComposition: ``(tryon, rendered, composite_mask)``.
    """
    region = warp_out.warped_mask if cloth_region is None else cloth_region
    gen_input = teacher_generator_input(inputs, warp_out.warped_cloth, warp_out.warped_mask,
                                        region, hand_ids, arm_ids)
    return compose_tryon(generator(gen_input), warp_out.warped_cloth, warp_out.warped_mask,
                         cloth_region)


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

    def condition(self, inputs: Dict[str, Tensor]) -> Tensor:
        """The person's layout the warp is conditioned on, (N, 45 or 20, H, W)."""
        return teacher_condition(inputs, self.use_densepose)

    def warp(self, inputs: Dict[str, Tensor], person: Optional[Tensor] = None) -> WarpOutput:
        """Warp the (masked) paired cloth to the person's layout -> ``WarpOutput``
        (``person`` is not used: the condition is parsing, DensePose and pose)."""
        mask = inputs['cloth_mask']
        return self.warp_model(self.condition(inputs), inputs['cloth'] * mask, mask)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.warp_loss is None:
            raise inference_only(type(self).__name__)
        return self.warp_loss(self.warp(inputs), *cloth_targets(inputs))

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        out = self.warp(inputs)
        return self.pack_tryon(data_samples, inputs, out)


@MODELS.register_module()
class ParserBasedTryOn(ParserBasedWarp):
    """Stage 2: PB-AFN warp + Res-UNet generator trained end to end.

    Loss = ``warp_loss_weight * warp loss + gen_loss_weight * generator loss``
    (upstream 0.5 and 1). The warp's 0.2x learning rate is a ``paramwise_cfg`` of
    the optimizer (see ``configs/pbafn_tryon.py``).

    Args:
        generator (dict): ``ResUnetGenerator`` with 8 input channels.
        gen_loss (dict, optional): ``TryOnGeneratorLoss``; None for inference-only.
        warp_loss_weight, gen_loss_weight (float): stage weights.
        hand_ids, arm_ids (Sequence[int]): DensePose part ids (upstream defaults).
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
               cloth_region: Optional[Tensor] = None,
               person: Optional[Tensor] = None) -> TryOnComposition:
        """Generator + composition for a warp output -> ``TryOnComposition`` (the
        preserved regions come from ``inputs``; ``person`` is not used)."""
        return parser_based_render(self.generator, inputs, out, cloth_region, self.hand_ids,
                                   self.arm_ids)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        if self.warp_loss is None or self.gen_loss is None:
            raise inference_only(type(self).__name__)
        out = self.warp(inputs)
        target_cloth, target_mask = cloth_targets(inputs)
        # Training composes inside the person's real cloth region (as upstream).
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
        comp = self.render(inputs, out)
        return self.pack_tryon(data_samples, inputs, out, comp)
