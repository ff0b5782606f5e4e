"""SSIM metric (paired setting), scikit-image protocol, grayscale by default."""
from typing import Any, Optional

import numpy as np

from vtonbox.registry import METRICS

from ..functional.ssim import SSIM_VARIANTS, ssim
from .paired_metric import PairedImageMetric


@METRICS.register_module()
class SSIM(PairedImageMetric):
    """Mean SSIM of generated images vs. the person's own photo.

    Key ``'SSIM'`` for the default grayscale protocol, ``'SSIM-RGB'`` for ``variant='rgb'``
    (see ``vtonbox.evaluation.functional.ssim.SSIM_VARIANTS``).

    Args:
        variant (str): ``'gray'`` or ``'rgb'``.
        Other arguments: see :class:`PairedImageMetric`.
    """

    def __init__(self, variant: str = 'gray', pred_key: str = 'pred_tryon',
                 gt_key: str = 'gt_person', collect_device: str = 'cpu',
                 prefix: Optional[str] = None, collect_dir: Optional[str] = None) -> None:
        if variant not in SSIM_VARIANTS:
            raise ValueError(f'variant must be one of {sorted(SSIM_VARIANTS)}, got {variant!r}')
        super().__init__(pred_key, gt_key, collect_device, prefix, collect_dir)
        self.variant = variant
        self.metric_key = 'SSIM' if variant == 'gray' else 'SSIM-RGB'

    def score(self, pred: np.ndarray, gt: np.ndarray, sample: Any) -> float:
        return ssim(pred, gt, self.variant)
