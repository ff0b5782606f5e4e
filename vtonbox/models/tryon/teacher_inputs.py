"""Inputs of the parser-based (teacher) networks, built from the data contract.

The parser-based warp sees the person's layout instead of the person photo:
``cond = [face_mask, other_clothes_mask, densepose one-hot (25), pose (18)]`` = 45
channels (20 without DensePose). Its generator sees the regions to preserve and the
DensePose arm region to repaint (reference §3.3). DensePose part ids are arguments
with the reference's values as defaults, so a different part set only needs a config
change.
"""
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor

from vtonbox.models.generators.composition import compose_tryon

#: DensePose part ids of the two hands (reference §1.3).
DENSEPOSE_HAND_IDS = (3, 4)
#: DensePose part ids of upper and lower arms, both sides (reference §1.3).
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
    """Input of the parser-based generator (8 channels, reference §3.3 / §3.4).

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


def parser_based_render(generator: torch.nn.Module, inputs: Dict[str, Tensor], warp_out,
                        cloth_region: Optional[Tensor] = None,
                        hand_ids: Sequence[int] = DENSEPOSE_HAND_IDS,
                        arm_ids: Sequence[int] = DENSEPOSE_ARM_IDS):
    """Run the parser-based generator on a warp output and compose the try-on.

    Args:
        generator (nn.Module): ``ResUnetGenerator`` with 8 input channels.
        warp_out: ``WarpOutput`` of the parser-based warp.
        cloth_region (Tensor, optional): (N, 1, H, W) ground-truth cloth mask, used in
            training (composition restricted to it, reference §2.3); None at test time
            and for tutor images, where the warped mask marks the cloth region.

    Returns:
        TryOnComposition: ``(tryon, rendered, composite_mask)``.
    """
    region = warp_out.warped_mask if cloth_region is None else cloth_region
    gen_input = teacher_generator_input(inputs, warp_out.warped_cloth, warp_out.warped_mask,
                                        region, hand_ids, arm_ids)
    return compose_tryon(generator(gen_input), warp_out.warped_cloth, warp_out.warped_mask,
                         cloth_region)
