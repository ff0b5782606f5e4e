"""Mean intersection over union of parsing label maps.

Pure functions (``parsing_confusion``, ``iou_from_confusion``) do the counting; the
registered ``ParsingMIoU`` stores one confusion matrix per sample, so results gathered
from several processes sum exactly, and reduces them over the whole dataset.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from vtonbox.registry import METRICS

ArrayLike = Union[np.ndarray, torch.Tensor]


def _as_int_array(name: str, value: ArrayLike) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise TypeError(f'{name} must be a numpy array or a torch.Tensor, '
                        f'got {type(value).__name__}')
    if not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f'{name} must hold integer label ids, got dtype {value.dtype}')
    return value.astype(np.int64, copy=False)


def parsing_confusion(pred: ArrayLike, gt: ArrayLike, num_classes: int,
                      ignore_index: Optional[int] = 255) -> np.ndarray:
    """Confusion matrix of two label maps.

    Args:
        pred (ndarray | Tensor): predicted ids, any shape, values in [0, num_classes).
        gt (ndarray | Tensor): ground-truth ids, same shape; pixels equal to
            ``ignore_index`` are not counted.
        num_classes (int): number of classes C.
        ignore_index (int, optional): ground-truth id to skip; None counts every pixel.

    Returns:
        np.ndarray: (C, C) int64, entry [g, p] = pixels with ground truth g predicted p.
    """
    pred = _as_int_array('pred', pred)
    gt = _as_int_array('gt', gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got {pred.shape} and '
                         f'{gt.shape}')
    valid = gt != ignore_index if ignore_index is not None else np.ones(gt.shape, bool)
    pred, gt = pred[valid], gt[valid]
    for name, ids in (('pred', pred), ('gt', gt)):
        if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(f'{name} ids must be in [0, {num_classes}), got range '
                             f'[{ids.min()}, {ids.max()}]')
    counts = np.bincount(gt * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def iou_from_confusion(confusion: np.ndarray) -> Tuple[float, np.ndarray]:
    """Per-class IoU and their mean from a confusion matrix.

    A class absent from both prediction and ground truth (empty union) has IoU NaN and
    is left out of the mean.

    Args:
        confusion (np.ndarray): (C, C) counts, [ground truth, prediction].

    Returns:
        tuple: mean IoU (float, NaN when no class occurs) and (C,) float64 IoUs.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    intersection = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - intersection
    present = union > 0
    iou = np.full(confusion.shape[0], np.nan)
    iou[present] = intersection[present] / union[present]
    mean = float(iou[present].mean()) if present.any() else float('nan')
    return mean, iou


@METRICS.register_module()
class ParsingMIoU(BaseMetric):
    """Dataset-level mean IoU of predicted parsing maps.

    Reads ``pred_parsing`` and ``gt_parsing`` ((1, H, W) integer ids) from each data
    sample (``HumanParser`` sets both in predict mode). If a sample has no
    ``gt_parsing``, the target is taken from ``data_batch['inputs'][gt_input_key]``.

    Reports ``mIoU`` (mean over the classes present in prediction or ground truth),
    ``aAcc`` (pixel accuracy) and ``IoU.<class name>`` for every present class, all as
    fractions in [0, 1].

    Args:
        num_classes (int): number of parsing classes.
        ignore_index (int, optional): ground-truth id left out of the counts.
        class_names (Sequence[str], optional): names for the per-class keys; default:
            ``dataset_meta['parsing_classes']`` when it has ``num_classes`` entries,
            else ``class_<id>``.
        gt_input_key (str): ``inputs`` key of the target when samples carry none.
        collect_device (str): device for collecting results across processes.
        prefix (str, optional): prefix of the metric names.
    """

    default_prefix = ''  # metric names without a prefix: mIoU, aAcc, IoU.<name>

    def __init__(self,
                 num_classes: int = 14,
                 ignore_index: Optional[int] = 255,
                 class_names: Optional[Sequence[str]] = None,
                 gt_input_key: str = 'parsing',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'class_names must have num_classes = {num_classes} entries, '
                             f'got {len(class_names)}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.class_names = tuple(class_names) if class_names is not None else None
        self.gt_input_key = gt_input_key

    def process(self, data_batch: Optional[dict], data_samples: Sequence[dict]) -> None:
        """Store the confusion matrix of every sample of the batch."""
        for index, sample in enumerate(data_samples):
            if 'pred_parsing' not in sample:
                raise KeyError('ParsingMIoU needs "pred_parsing" in every data sample')
            gt = sample.get('gt_parsing')
            if gt is None:
                try:
                    gt = data_batch['inputs'][self.gt_input_key][index]
                except (KeyError, TypeError, IndexError) as error:
                    raise KeyError(
                        'ParsingMIoU needs "gt_parsing" in the data samples or '
                        f'data_batch["inputs"][{self.gt_input_key!r}]') from error
            self.results.append(parsing_confusion(sample['pred_parsing'], gt, self.num_classes,
                                                  self.ignore_index))

    def _names(self) -> Sequence[str]:
        if self.class_names is not None:
            return self.class_names
        meta_names = (self.dataset_meta or {}).get('parsing_classes')
        if meta_names is not None and len(meta_names) == self.num_classes:
            return tuple(meta_names)
        return tuple(f'class_{i}' for i in range(self.num_classes))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Sum the per-sample confusion matrices and reduce them to IoUs."""
        confusion = np.sum(np.stack(results), axis=0)
        mean, per_class = iou_from_confusion(confusion)
        total = confusion.sum()
        metrics = dict(mIoU=mean,
                       aAcc=float(np.trace(confusion) / total) if total else float('nan'))
        for name, value in zip(self._names(), per_class):
            if not np.isnan(value):
                metrics[f'IoU.{name}'] = float(value)
        return metrics
