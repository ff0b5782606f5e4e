"""Masked L1 metric (paired setting): error inside a region such as the worn cloth."""
from typing import Any, Optional

import numpy as np
import torch

from vtonbox.registry import METRICS

from ..functional.masked_l1 import masked_l1
from .paired_metric import PairedImageMetric


@METRICS.register_module()
class MaskedL1(PairedImageMetric):
    """Mean over images of ``|pred - gt| / 255`` inside ``mask_key`` (key ``'MaskedL1'``).

    Samples without the mask field or with an empty mask are skipped (warned once).

    Args:
        mask_key (str): data-sample field of a (1, H, W) mask, non-zero inside (e.g.
            ``gt_cloth_mask``, uint8 {0, 255}).
        Other arguments: see :class:`PairedImageMetric`.
    """

    metric_key = 'MaskedL1'

    def __init__(self, mask_key: str = 'gt_cloth_mask', pred_key: str = 'pred_tryon',
                 gt_key: str = 'gt_person', collect_device: str = 'cpu',
                 prefix: Optional[str] = None, collect_dir: Optional[str] = None) -> None:
        super().__init__(pred_key, gt_key, collect_device, prefix, collect_dir)
        self.mask_key = mask_key

    def score(self, pred: np.ndarray, gt: np.ndarray, sample: Any) -> Optional[float]:
        mask = sample.get(self.mask_key)
        if mask is None:
            self.warn_once('no_mask', f'samples without {self.mask_key!r} are skipped')
            return None
        if not isinstance(mask, torch.Tensor) or mask.ndim != 3 or mask.shape[0] != 1:
            raise ValueError(f'{self.mask_key} must be a (1, H, W) tensor, got '
                             f'{tuple(getattr(mask, "shape", ()))}')
        mask = mask[0].detach().cpu().numpy()
        if not (mask != 0).any():
            self.warn_once('empty_mask', f'samples with an empty {self.mask_key!r} are skipped')
            return None
        return masked_l1(pred, gt, mask)
