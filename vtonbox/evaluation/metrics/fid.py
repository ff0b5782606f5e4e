"""FID metric: pytorch-fid's Fréchet Inception Distance in the MMEngine evaluator."""
from typing import List

from vtonbox.registry import METRICS

from ..functional.fid import feature_statistics, frechet_distance
from .inception_metric import InceptionMetric


@METRICS.register_module()
class FID(InceptionMetric):
    """Fréchet Inception Distance between generated and real images (key ``'FID'``).

    Equals ``python -m pytorch_fid REAL_DIR FAKE_DIR`` on the same images (pool3
    features of pytorch-fid's Inception, its Fréchet numerics). For the unpaired VITON
    protocol the real set is the 2,032 test person images. Constructor arguments: see
    :class:`InceptionMetric`.

    Example:
        >>> val_evaluator = dict(type='FID', real_dir='data/viton/test/image')
    """

    record_name = 'FID'

    def compute_metrics(self, results: List[dict]) -> dict:
        """FID over all gathered features (rank 0)."""
        fake = self.fake_features(results)
        real = self.real_statistics(results)
        self.check_image_counts(len(fake), len(real.features))
        fake_mu, fake_sigma = feature_statistics(fake)
        return {'FID': frechet_distance(fake_mu, fake_sigma, real.mu, real.sigma)}
