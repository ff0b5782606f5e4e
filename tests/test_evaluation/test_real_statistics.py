"""Real-set statistics are cached to an .npz keyed by image list and weights, then reused."""
import os
import os.path as osp

import numpy as np

from vtonbox.evaluation import real_statistics
from vtonbox.evaluation.feature_extractor import InceptionFeatureExtractor
from vtonbox.evaluation.functional.fid import feature_statistics
from vtonbox.evaluation.image_io import list_images
from vtonbox.evaluation.real_statistics import load_or_compute_real_statistics


def test_cache_written_reused_and_invalidated(inception_weights, image_folders, tmp_path,
                                              monkeypatch):
    files = list_images(image_folders[0])
    extractor = InceptionFeatureExtractor(inception_weights)
    calls = []
    compute = InceptionFeatureExtractor.file_features

    def counting(self, paths, *args, **kwargs):
        calls.append(list(paths))
        return compute(self, paths, *args, **kwargs)

    monkeypatch.setattr(InceptionFeatureExtractor, 'file_features', counting)
    first = load_or_compute_real_statistics(files, extractor, str(tmp_path))
    cached = [name for name in os.listdir(tmp_path) if name.endswith('.npz')]
    assert len(calls) == 1 and len(cached) == 1
    mu, sigma = feature_statistics(first.features)
    np.testing.assert_array_equal(first.mu, mu)
    np.testing.assert_array_equal(first.sigma, sigma)

    monkeypatch.setattr(real_statistics, '_LOADED', {})  # force a read from disk
    second = load_or_compute_real_statistics(files, extractor, str(tmp_path))
    assert len(calls) == 1
    np.testing.assert_array_equal(second.features, first.features)
    np.testing.assert_array_equal(second.sigma, first.sigma)

    load_or_compute_real_statistics(files[:2], extractor, str(tmp_path))  # other list
    assert len(calls) == 2
    assert len([n for n in os.listdir(tmp_path) if n.endswith('.npz')]) == 2
    load_or_compute_real_statistics(files, extractor, use_cache=False)
    assert len(calls) == 3
    assert all(osp.isfile(osp.join(tmp_path, name)) for name in cached)
