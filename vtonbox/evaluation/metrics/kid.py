"""KID metric: Kernel Inception Distance (x1000) on the FID Inception features."""
from typing import List, Optional, Sequence, Union

from vtonbox.registry import METRICS

from ..functional.kid import KID_NUM_SUBSETS, KID_SEED, KID_SUBSET_SIZE, kernel_inception_distance
from .inception_metric import DEFAULT_BATCH_SIZE, InceptionMetric

#: KID is reported multiplied by this (keys ``KIDx1000``, ``KIDx1000_std``).
KID_SCALE = 1000


@METRICS.register_module()
class KID(InceptionMetric):
    """Kernel Inception Distance ×1000, mean and std over random subsets.

    Features are shared with :class:`FID` (same network, memoised per image), so both
    metrics together cost one Inception pass per image.

    Args:
        num_subsets (int): number of random subsets (torch-fidelity default 100).
        subset_size (int): features per subset (default 1000; clipped to the smaller set).
        seed (int): seed of the subset sampling.
        Other arguments: see :class:`InceptionMetric`.
    """

    record_name = 'KID'

    def __init__(self, real_dir: Optional[str] = None,
                 real_list: Optional[Union[str, Sequence[str]]] = None,
                 inception_weights: Optional[str] = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, cache_dir: Optional[str] = None,
                 use_cache: bool = True, pred_key: str = 'pred_tryon',
                 num_subsets: int = KID_NUM_SUBSETS, subset_size: int = KID_SUBSET_SIZE,
                 seed: int = KID_SEED, collect_device: str = 'cpu',
                 prefix: Optional[str] = None, collect_dir: Optional[str] = None) -> None:
        super().__init__(real_dir, real_list, inception_weights, batch_size, cache_dir,
                         use_cache, pred_key, collect_device, prefix, collect_dir)
        self.num_subsets = num_subsets
        self.subset_size = subset_size
        self.seed = seed

    def compute_metrics(self, results: List[dict]) -> dict:
        """KID ×1000 (mean and std over subsets) over all gathered features (rank 0)."""
        real = self.real_statistics(results)
        fake = self.fake_features(results)
        self.check_image_counts(len(fake), len(real.features))
        mean, std = kernel_inception_distance(real.features, fake, self.num_subsets,
                                              self.subset_size, self.seed)
        return {'KIDx1000': mean * KID_SCALE, 'KIDx1000_std': std * KID_SCALE}
