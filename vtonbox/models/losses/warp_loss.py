"""Multi-scale warping loss of PF-AFN / PB-AFN (docs/advanced_guides/losses.md), one
configurable module.

For each warper level l (coarse -> fine) the person's cloth region and its mask are
resized (bilinear, ``align_corners=False``) to the level size, and

``level_w[l] * (w_l1 * L1(cloth_l) + w_vgg * VGG(cloth_l) + w_mask * L1(mask_l)
+ w_smooth * smooth(diffs_l))`` is accumulated, plus ``w_tv * sum TV(deltas)``.
"""
import copy
from collections.abc import Mapping
from typing import Any, Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS

#: Upstream level weights ``num + 1`` for the 5 levels, coarse -> fine.
DEFAULT_LEVEL_WEIGHTS = (1.0, 2.0, 3.0, 4.0, 5.0)
#: Fields of the warper output read here (see ``vtonbox.models.warpers.outputs``).
LEVEL_FIELDS = ('level_warped_cloths', 'level_warped_masks', 'level_flow_diffs')
DELTAS_FIELD = 'deltas'

#: Default sub-losses (upstream's).
DEFAULT_VGG_LOSS = dict(type='VGGPerceptualLoss')
DEFAULT_SMOOTH_LOSS = dict(type='SecondOrderSmoothLoss')
DEFAULT_TV_LOSS = dict(type='TotalVariationLoss')

LossCfg = Optional[Union[dict, nn.Module]]


def _build(cfg: LossCfg) -> Optional[nn.Module]:
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    if isinstance(cfg, dict):
        return MODELS.build(copy.deepcopy(cfg))
    raise TypeError(f'a sub-loss must be a config dict, an nn.Module or None, got {type(cfg)}')


def _field(warp_output, name: str):
    """Read ``name`` from a WarpOutput-like object (attribute) or a mapping (key)."""
    if isinstance(warp_output, Mapping):
        if name in warp_output:
            return warp_output[name]
    elif hasattr(warp_output, name):
        return getattr(warp_output, name)
    raise TypeError(f'warp_output has no field {name!r}; MultiScaleWarpLoss needs '
                    f'{list(LEVEL_FIELDS) + [DELTAS_FIELD]} (a WarpOutput)')


def _resize(image: torch.Tensor, size: torch.Size) -> torch.Tensor:
    if image.shape[-2:] == size:
        return image
    return F.interpolate(image, size=tuple(size), mode='bilinear', align_corners=False)


@MODELS.register_module()
class MultiScaleWarpLoss(nn.Module):
    """Warping loss over all warper levels, returned as named, weighted terms.

    Args:
        vgg_loss (dict | nn.Module | None): perceptual loss on each level's warped cloth;
            default ``dict(type='VGGPerceptualLoss')``. None disables the term. An
            ``nn.Module`` may be passed to share one VGG between losses.
        smooth_loss (dict | nn.Module | None): second-order flow smoothness on each
            level's ``level_flow_diffs``; default ``dict(type='SecondOrderSmoothLoss')``.
        tv_loss (dict | nn.Module | None): total variation summed over ``deltas``;
            default ``dict(type='TotalVariationLoss')``.
        l1_weight (float): cloth L1 weight (upstream 1).
        vgg_weight (float): cloth perceptual weight (upstream 0.2).
        mask_weight (float): cloth-mask L1 weight (upstream 2).
        smooth_weight (float): second-order smoothness weight (upstream 6).
        tv_weight (float): TV weight (upstream 0.01; not level-weighted).
        level_weights (Sequence[float]): per-level factors, coarse -> fine (upstream
            ``num + 1`` = 1..5); its length must equal the number of warper levels.
        prefix (str): prefix of the returned keys.
    """

    def __init__(self, vgg_loss: LossCfg = DEFAULT_VGG_LOSS,
                 smooth_loss: LossCfg = DEFAULT_SMOOTH_LOSS,
                 tv_loss: LossCfg = DEFAULT_TV_LOSS,
                 l1_weight: float = 1.0, vgg_weight: float = 0.2, mask_weight: float = 2.0,
                 smooth_weight: float = 6.0, tv_weight: float = 0.01,
                 level_weights: Sequence[float] = DEFAULT_LEVEL_WEIGHTS,
                 prefix: str = 'loss_warp') -> None:
        super().__init__()
        self.vgg_loss = _build(vgg_loss)
        self.smooth_loss = _build(smooth_loss)
        self.tv_loss = _build(tv_loss)
        self.l1_weight = l1_weight
        self.vgg_weight = vgg_weight
        self.mask_weight = mask_weight
        self.smooth_weight = smooth_weight
        self.tv_weight = tv_weight
        self.level_weights = tuple(float(w) for w in level_weights)
        self.prefix = prefix

    def forward(self, warp_output: Union[WarpOutput, Mapping[str, Any]],
                target_cloth: torch.Tensor,
                target_mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute the weighted terms.

        Args:
            warp_output (WarpOutput | Mapping): a ``WarpOutput`` (or any object / mapping
                with its fields): ``level_warped_cloths`` list of (N, 3, h_l, w_l),
                ``level_warped_masks`` list of (N, 1, h_l, w_l), ``level_flow_diffs``
                list of (N, 2, 4, h_l - 2, w_l - 2), ``deltas`` list of (N, 2, h, w).
            target_cloth (Tensor): (N, 3, H, W) in [-1, 1], the person image masked to
                the worn upper cloth.
            target_mask (Tensor): (N, 1, H, W) in {0, 1}, that cloth's mask.

        Returns:
            dict[str, Tensor]: scalars ``<prefix>_l1``, ``<prefix>_vgg``,
            ``<prefix>_mask``, ``<prefix>_smooth``, ``<prefix>_tv`` (terms whose
            sub-loss is None are absent, as is TV when there are no ``deltas``),
            already weighted; their sum is the warp loss.
        """
        cloths, masks, diffs = (list(_field(warp_output, name)) for name in LEVEL_FIELDS)
        if not (len(cloths) == len(masks) == len(diffs) == len(self.level_weights)):
            raise ValueError(
                f'level_weights has {len(self.level_weights)} entries; warp_output has '
                f'{len(cloths)} warped cloths, {len(masks)} masks, {len(diffs)} flow diffs')
        if target_cloth.ndim != 4 or target_mask.ndim != 4 \
                or target_cloth.shape[-2:] != target_mask.shape[-2:]:
            raise ValueError('target_cloth (N, 3, H, W) and target_mask (N, 1, H, W) '
                             f'expected, got {tuple(target_cloth.shape)} and '
                             f'{tuple(target_mask.shape)}')
        zero = target_cloth.new_zeros((), dtype=torch.float32)
        l1 = vgg = mask = smooth = zero
        for weight, cloth, cloth_mask, flow_diffs in zip(self.level_weights, cloths, masks,
                                                        diffs):
            level_target = _resize(target_cloth, cloth.shape[-2:])
            level_mask = _resize(target_mask, cloth_mask.shape[-2:])
            l1 = l1 + weight * F.l1_loss(cloth.float(), level_target.float())
            mask = mask + weight * F.l1_loss(cloth_mask.float(), level_mask.float())
            if self.vgg_loss is not None:
                vgg = vgg + weight * self.vgg_loss(cloth, level_target.to(cloth.dtype))
            if self.smooth_loss is not None:
                smooth = smooth + weight * self.smooth_loss(flow_diffs)
        losses = {f'{self.prefix}_l1': self.l1_weight * l1}
        if self.vgg_loss is not None:
            losses[f'{self.prefix}_vgg'] = self.vgg_weight * vgg
        losses[f'{self.prefix}_mask'] = self.mask_weight * mask
        if self.smooth_loss is not None:
            losses[f'{self.prefix}_smooth'] = self.smooth_weight * smooth
        deltas = list(_field(warp_output, DELTAS_FIELD))
        # Heads without flow increments (the TPS warper) have no TV term.
        if self.tv_loss is not None and deltas:
            losses[f'{self.prefix}_tv'] = self.tv_weight * self.tv_loss(deltas)
        return losses
