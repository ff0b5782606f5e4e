"""Loss of the try-on generator (docs/advanced_guides/losses.md), as named
weighted terms."""
from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vtonbox.registry import MODELS


@MODELS.register_module()
class TryOnGeneratorLoss(nn.Module):
    """``l1 * L1(tryon) + vgg * VGG(tryon) + rendered_l1 * L1(rendered) + rendered_vgg *
    VGG(rendered) + mask * mean|1 - m| + skin_l1 * L1(rendered*skin) + skin_vgg *
    VGG(rendered*skin)`` against the real person photo.

    The skin terms (PF-AFN stage 4) supervise the region that was cloth in the tutor
    but is skin in the real photo; :class:`LossWeightSwitchHook` raises their weights at
    an epoch boundary as upstream does (30, 2 -> 60, 4).

    Args:
        vgg_loss (dict | nn.Module | None): perceptual loss (a shared instance is
            allowed); None drops every perceptual term (e.g. CPU configs without the
            VGG19 weights).
        l1_weight, vgg_weight (float): try-on terms (upstream 5, 1).
        rendered_l1_weight, rendered_vgg_weight (float): rendered-person terms (5, 1).
        mask_weight (float): composition-mask term ``mean|1 - m|`` (1).
        skin_l1_weight, skin_vgg_weight (float): skin terms (0 = off; stage 4: 30, 2).
        prefix (str): prefix of the returned keys.
    """

    def __init__(self, vgg_loss: Union[dict, nn.Module, None] = dict(type='VGGPerceptualLoss'),
                 l1_weight: float = 5.0, vgg_weight: float = 1.0,
                 rendered_l1_weight: float = 5.0, rendered_vgg_weight: float = 1.0,
                 mask_weight: float = 1.0, skin_l1_weight: float = 0.0,
                 skin_vgg_weight: float = 0.0, prefix: str = 'loss_gen') -> None:
        super().__init__()
        self.vgg_loss = vgg_loss if isinstance(vgg_loss, nn.Module) or vgg_loss is None \
            else MODELS.build(vgg_loss)
        self.l1_weight = l1_weight
        self.vgg_weight = vgg_weight
        self.rendered_l1_weight = rendered_l1_weight
        self.rendered_vgg_weight = rendered_vgg_weight
        self.mask_weight = mask_weight
        self.skin_l1_weight = skin_l1_weight
        self.skin_vgg_weight = skin_vgg_weight
        self.prefix = prefix

    def forward(self, tryon: Tensor, rendered: Tensor, composite_mask: Tensor, target: Tensor,
                skin_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute the terms.

        Args:
            tryon (Tensor): (N, 3, H, W) in [-1, 1].
            rendered (Tensor): (N, 3, H, W) in [-1, 1], the generator's rendered person.
            composite_mask (Tensor): (N, 1, H, W) in [0, 1].
            target (Tensor): (N, 3, H, W) in [-1, 1], the real person photo.
            skin_mask (Tensor, optional): (N, 1, H, W); required when a skin weight is > 0.

        Returns:
            dict[str, Tensor]: weighted scalar terms; their sum is the generator loss.
        """
        p = self.prefix
        losses = {
            f'{p}_l1': self.l1_weight * F.l1_loss(tryon.float(), target.float()),
            f'{p}_rendered_l1': self.rendered_l1_weight * F.l1_loss(rendered.float(),
                                                                    target.float()),
            f'{p}_mask': self.mask_weight * torch.mean(torch.abs(1 - composite_mask.float())),
        }
        if self.vgg_loss is not None:
            losses[f'{p}_vgg'] = self.vgg_weight * self.vgg_loss(tryon, target)
            losses[f'{p}_rendered_vgg'] = self.rendered_vgg_weight * self.vgg_loss(rendered,
                                                                                   target)
        if self.skin_l1_weight or self.skin_vgg_weight:
            if skin_mask is None:
                raise ValueError('skin loss weights are set but no skin_mask was given')
            skin_pred, skin_target = rendered * skin_mask, target * skin_mask
            losses[f'{p}_skin_l1'] = self.skin_l1_weight * F.l1_loss(skin_pred.float(),
                                                                     skin_target.float())
            if self.vgg_loss is not None:
                losses[f'{p}_skin_vgg'] = self.skin_vgg_weight * self.vgg_loss(skin_pred,
                                                                               skin_target)
        return losses
