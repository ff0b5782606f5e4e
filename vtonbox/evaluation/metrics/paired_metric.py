"""Base of per-image metrics against the person's own photo (paired setting).

Only paired samples (the person wears the given cloth) carry ``gt_person``; others are
skipped with a one-time warning. Each processed sample adds one float to
``self.results`` (cheap to gather across ranks); the metric is their mean. With no
paired sample at all the metric is NaN and a warning says why.
"""
import logging
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from .inception_metric import sample_image


def to_hwc_array(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) tensor -> (H, W, C) numpy array on the CPU (dtype kept)."""
    return image.detach().cpu().permute(1, 2, 0).numpy()


class PairedImageMetric(BaseMetric):
    """Mean of a per-image score of ``pred_key`` against ``gt_key``.

    Subclasses set ``metric_key`` and implement :meth:`score`.

    Args:
        pred_key (str): data-sample field of the generated image.
        gt_key (str): data-sample field of the ground truth.
        collect_device, prefix, collect_dir: see ``mmengine.evaluator.BaseMetric``.
    """

    default_prefix = ''
    metric_key = ''

    def __init__(self, pred_key: str = 'pred_tryon', gt_key: str = 'gt_person',
                 collect_device: str = 'cpu', prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.pred_key = pred_key
        self.gt_key = gt_key
        self._warned = set()

    def warn_once(self, reason: str, message: str) -> None:
        """Log ``message`` the first time ``reason`` occurs."""
        if reason not in self._warned:
            self._warned.add(reason)
            print_log(f'{type(self).__name__}: {message}', logger='current',
                      level=logging.WARNING)

    def score(self, pred: np.ndarray, gt: np.ndarray, sample: Any) -> Optional[float]:
        """Score of one pair of (H, W, 3) uint8 images; None skips the sample."""
        raise NotImplementedError

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score every paired sample of the batch."""
        for sample in data_samples:
            if sample.get(self.gt_key) is None:
                self.warn_once('unpaired', f'samples without {self.gt_key!r} (unpaired) are '
                               'skipped; this metric needs the paired setting')
                continue
            pred = sample_image(sample, self.pred_key)
            gt = sample_image(sample, self.gt_key)
            if pred.shape != gt.shape:
                raise ValueError(f'{self.pred_key} {tuple(pred.shape)} and {self.gt_key} '
                                 f'{tuple(gt.shape)} differ in size')
            value = self.score(to_hwc_array(pred), to_hwc_array(gt), sample)
            if value is not None:
                self.results.append(value)

    def compute_metrics(self, results: List[float]) -> dict:
        """Mean over scored images (NaN with a warning if there is none)."""
        if not results:
            print_log(f'{type(self).__name__}: no sample had {self.gt_key!r}, so '
                      f'{self.metric_key} is NaN. It is defined only in the paired setting '
                      '(ground truth = the person\'s own photo); evaluate a paired test set.',
                      logger='current', level=logging.WARNING)
            return {self.metric_key: float('nan')}
        return {self.metric_key: float(np.mean(results))}
