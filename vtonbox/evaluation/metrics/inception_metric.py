"""Base of the Inception-feature metrics (FID, KID): streams fake features, finds real ones.

``process`` stores one pool3 feature vector (2048 float32) per generated image in
``self.results``; MMEngine's ``collect_results`` gathers them from all ranks, and only
rank 0 runs ``compute_metrics``. The real set is either

* a folder (``real_dir``, optionally restricted by ``real_list``): its features and
  (mu, sigma) are computed once by rank 0 and cached on disk (see ``real_statistics``), or
* ``real_dir=None``: the photos at each sample's ``person_path`` (as on disk, read like
  pytorch-fid), featurised in ``process`` and de-duplicated by path. Nothing is cached.
"""
import logging
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..feature_extractor import DEFAULT_BATCH_SIZE, InceptionFeatureExtractor
from ..image_io import real_image_files
from ..inception_plan import image_counts, small_sample_warning
from ..real_statistics import RealStatistics, load_or_compute_real_statistics


def sample_image(sample: Any, key: str) -> torch.Tensor:
    """The (3, H, W) uint8 image ``key`` of a data sample (dict or TryOnDataSample)."""
    image = sample.get(key)
    if image is None:
        raise KeyError(f'data sample has no {key!r} (keys: {sorted(sample.keys())})')
    if not isinstance(image, torch.Tensor) or image.dtype != torch.uint8 or (
            image.ndim != 3 or image.shape[0] != 3):
        raise ValueError(f'{key} must be a (3, H, W) uint8 tensor, got '
                         f'{getattr(image, "dtype", type(image).__name__)} '
                         f'{tuple(getattr(image, "shape", ()))}')
    return image


class InceptionMetric(BaseMetric):
    """Shared machinery of :class:`FID` and :class:`KID`.

    Args:
        real_dir (str, optional): folder of real images; None = each sample's ``person_path``.
        real_list (str | list[str], optional): list file or names restricting ``real_dir``.
        inception_weights (str, optional): FID Inception weights
            (``pt_inception-2015-12-05-6726825d.pth``); None = torch hub cache.
        batch_size (int): images per Inception forward pass.
        cache_dir (str, optional): folder of the real-statistics cache.
        use_cache (bool): whether to cache real statistics on disk.
        pred_key (str): data-sample field of the generated image.
        collect_device, prefix, collect_dir: see ``mmengine.evaluator.BaseMetric``.

    Attributes:
        image_counts (dict | None): after ``compute_metrics`` (rank 0): ``generated``,
            ``real`` and ``min_reliable`` image counts of the value.
        warnings (list[str]): after ``compute_metrics``: the warning about too few images
            (see :func:`~vtonbox.evaluation.inception_plan.small_sample_warning`), if any.
    """

    default_prefix = ''
    #: Name of the metric in records and in ``--require`` (FID, KID).
    record_name = 'FID'

    def __init__(self, real_dir: Optional[str] = None,
                 real_list: Optional[Union[str, Sequence[str]]] = None,
                 inception_weights: Optional[str] = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, cache_dir: Optional[str] = None,
                 use_cache: bool = True, pred_key: str = 'pred_tryon',
                 collect_device: str = 'cpu', prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        if real_list is not None and real_dir is None:
            raise ValueError('real_list needs real_dir (names are relative to it)')
        self.real_dir = real_dir
        self.real_list = real_list
        self.extractor = InceptionFeatureExtractor(inception_weights, batch_size)
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self.pred_key = pred_key
        self._device = torch.device('cpu')
        self.image_counts: Optional[Dict[str, int]] = None
        self.warnings: List[str] = []

    @property
    def weights_path(self) -> str:
        """Absolute path of the Inception weights in use (for the JSON record)."""
        return self.extractor.weights_path

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store pool3 features of the batch's generated (and, without real_dir, real) images."""
        preds = [sample_image(sample, self.pred_key) for sample in data_samples]
        if not preds:
            return
        self._device = preds[0].device
        fake = self.extractor.features(preds)
        if self.real_dir is not None:
            self.results.extend(dict(fake=feature) for feature in fake)
            return
        paths = [sample.get('person_path') for sample in data_samples]
        if any(path is None for path in paths):
            raise ValueError(f'{type(self).__name__}: real_dir is None, so the real images are '
                             'the samples\' `person_path` files, but a sample has none; set '
                             'real_dir= (e.g. the test person image folder)')
        real = self.extractor.file_features(paths, device=self._device)
        self.results.extend(
            dict(fake=f, real=r, real_key=p) for f, r, p in zip(fake, real, paths))

    def real_statistics(self, results: List[dict]) -> RealStatistics:
        """Real features and statistics: cached folder, or the samples' person photos."""
        if self.real_dir is not None:
            files = real_image_files(self.real_dir, self.real_list)
            return load_or_compute_real_statistics(
                files, self.extractor, self.cache_dir, self.use_cache, self._device)
        unique = {result['real_key']: result['real'] for result in results}
        return RealStatistics.from_features(np.stack(list(unique.values())))

    def check_image_counts(self, num_generated: int, num_real: int) -> None:
        """Record the image counts of the value; warn (log) when they are too few."""
        self.image_counts = image_counts(self.record_name, num_generated, num_real)
        warning = small_sample_warning(self.record_name, num_generated, num_real)
        self.warnings = [warning] if warning else []
        if warning:
            print_log(warning, logger='current', level=logging.WARNING)

    @staticmethod
    def fake_features(results: List[dict]) -> np.ndarray:
        """(N, 2048) features of the generated images gathered from all ranks."""
        return np.stack([result['fake'] for result in results])
