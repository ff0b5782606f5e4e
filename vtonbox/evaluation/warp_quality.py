"""How close a warped cloth is to the cloth the person really wears.

On paired data with parsing (e.g. the synthetic test split) the worn cloth is
``person * upper_cloth_mask``. The score is the mean absolute error (images in [0, 1])
inside that region between it and (a) the model's warped cloth and (b) the *identity
warp*, i.e. the flat product cloth left where it is. A warp that learned anything
scores lower than the identity. Computed from the model's predictions (what
``predict`` returns), so it works for every algorithm alike.
"""
from typing import Dict, Iterable

import torch
from torch import Tensor

#: Keys of the result.
WARP_L1 = 'warped_cloth_l1'
IDENTITY_L1 = 'identity_warp_l1'


def predicted_warped_cloth(model: torch.nn.Module, inputs: Dict[str, Tensor]) -> Tensor:
    """The warped cloth a try-on model predicts for a preprocessed batch, (N, 3, H, W)
    in [-1, 1]: ``pred_warped_cloth`` of what ``model(..., mode='predict')`` returns
    (any vtonbox algorithm; uint8 images, so within 1/255 of the float warp)."""
    samples = model(inputs, None, mode='predict')
    if not samples or 'pred_warped_cloth' not in samples[0]:
        raise KeyError(f'{type(model).__name__} predicts no `pred_warped_cloth`')
    warped = torch.stack([sample.pred_warped_cloth for sample in samples])
    return warped.to(inputs['person'].device, torch.float32) / 127.5 - 1


def region_l1_sums(pred: Tensor, target: Tensor, region: Tensor):
    """Sum of |pred - target| inside ``region`` (images in [-1, 1] -> [0, 1]) and the
    number of region values summed over."""
    diff = (pred.float() - target.float()).abs() * 0.5 * region
    return diff.sum().item(), (region.expand_as(diff)).sum().item()


@torch.no_grad()
def evaluate_warp_quality(model, batches: Iterable[dict]) -> Dict[str, float]:
    """Mean region L1 of the model's warp and of the identity warp over ``batches``.

    Args:
        model: a vtonbox try-on algorithm in eval mode.
        batches: dataloader batches holding ``person``, ``cloth``, ``cloth_mask`` and
            ``upper_cloth_mask`` (paired data with parsing).

    Returns:
        dict: ``warped_cloth_l1``, ``identity_warp_l1`` and ``num_images``.
    """
    totals = {WARP_L1: 0.0, IDENTITY_L1: 0.0}
    count, images = 0.0, 0
    for batch in batches:
        inputs = model.data_preprocessor(batch, False)['inputs']
        if 'upper_cloth_mask' not in inputs:
            raise KeyError('warp quality needs `upper_cloth_mask` (load the parsing and '
                           'add ParsingToRegionMasks to the pipeline)')
        region = inputs['upper_cloth_mask']
        target = inputs['person'] * region
        warped = predicted_warped_cloth(model, inputs)
        identity = inputs['cloth'] * inputs['cloth_mask']
        warp_sum, n = region_l1_sums(warped * region, target, region)
        identity_sum, _ = region_l1_sums(identity * region, target, region)
        totals[WARP_L1] += warp_sum
        totals[IDENTITY_L1] += identity_sum
        count += n
        images += len(region)
    if count == 0:
        raise ValueError('no cloth region in the data: cannot score the warp')
    return {**{k: v / count for k, v in totals.items()}, 'num_images': images}
