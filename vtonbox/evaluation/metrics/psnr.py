"""PSNR metric (paired setting) on uint8 images."""
from typing import Any

import numpy as np

from vtonbox.registry import METRICS

from ..functional.psnr import psnr
from .paired_metric import PairedImageMetric


@METRICS.register_module()
class PSNR(PairedImageMetric):
    """Mean over images of the per-image PSNR (dB, data range 255); key ``'PSNR'``.

    A pixel-identical image has PSNR ``inf`` (as scikit-image), which makes the mean inf.
    Arguments: see :class:`PairedImageMetric`.
    """

    metric_key = 'PSNR'

    def score(self, pred: np.ndarray, gt: np.ndarray, sample: Any) -> float:
        return psnr(pred, gt)
