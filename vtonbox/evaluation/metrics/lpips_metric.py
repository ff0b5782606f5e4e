"""LPIPS metric (paired setting): ``lpips`` AlexNet v0.1, trunk weights from a local file."""
from typing import Any, Optional, Sequence

import numpy as np
import torch

from vtonbox.registry import METRICS

from ..functional.lpips import (
    build_lpips_alex,
    lpips_distance,
    lpips_metric_key,
    lpips_provenance,
    resolve_alexnet_weights,
)
from .inception_metric import sample_image
from .paired_metric import PairedImageMetric


@METRICS.register_module()
class LPIPS(PairedImageMetric):
    """Mean LPIPS (AlexNet, v0.1 heads) of generated images vs. the person's own photo.

    Key ``'LPIPS'`` at full resolution (default), ``'LPIPS@128x128'`` for HR-VITON's
    ``resize=(128, 128)`` (PIL bilinear, see ``vtonbox.evaluation.functional.lpips``).
    The weights file is checked when the metric is built; the network is built on the
    device of the first images.

    Args:
        backbone_weights (str, optional): torchvision AlexNet file
            (``alexnet-owt-7be5be79.pth``); None = the torch hub cache. Never downloaded.
        resize ((int, int), optional): (H, W) both images are resized to first.
        Other arguments: see :class:`PairedImageMetric`.
    """

    record_name = 'LPIPS'

    def __init__(self, backbone_weights: Optional[str] = None,
                 resize: Optional[Sequence[int]] = None, pred_key: str = 'pred_tryon',
                 gt_key: str = 'gt_person', collect_device: str = 'cpu',
                 prefix: Optional[str] = None, collect_dir: Optional[str] = None) -> None:
        if resize is not None:
            resize = tuple(int(s) for s in resize)
            if len(resize) != 2 or min(resize) <= 0:
                raise ValueError(f'resize must be (H, W) of positive ints or None, got {resize}')
        super().__init__(pred_key, gt_key, collect_device, prefix, collect_dir)
        self.weights_path = resolve_alexnet_weights(backbone_weights)
        self.resize = resize
        self.metric_key = lpips_metric_key(resize)
        self._model = self._model_device = None
        self._device = torch.device('cpu')

    @property
    def provenance(self) -> dict:
        """What the value depends on (for the JSON record)."""
        return lpips_provenance(self.weights_path, self.resize)

    def model(self) -> torch.nn.Module:
        """The network on the device of the images (built on first use)."""
        if self._model is None or self._model_device != self._device:
            self._model = build_lpips_alex(self.weights_path, self._device)
            self._model_device = self._device
        return self._model

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            if sample.get(self.pred_key) is not None:
                self._device = sample_image(sample, self.pred_key).device
                break
        super().process(data_batch, data_samples)

    def score(self, pred: np.ndarray, gt: np.ndarray, sample: Any) -> float:
        return lpips_distance(self.model(), pred, gt, self.resize)
