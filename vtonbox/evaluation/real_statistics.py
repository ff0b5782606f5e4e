"""Inception features and (mu, sigma) of a real image set, cached on disk.

The cache file ``inception_real_<key>.npz`` holds ``features`` (N, 2048) float32 (KID),
``mu`` (2048,) and ``sigma`` (2048, 2048) float64 (FID). ``key`` hashes the real image
list (absolute paths, sizes, modification times) and the weights file's sha256, so a
changed list, a touched image or other weights give a new file; a present file is reused.
"""
import hashlib
import json
import os
import os.path as osp
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np
import torch

from .feature_extractor import InceptionFeatureExtractor
from .functional.fid import feature_statistics

#: Where real statistics are cached unless ``cache_dir`` is given.
DEFAULT_CACHE_DIR = osp.join(
    os.environ.get('XDG_CACHE_HOME', osp.join(osp.expanduser('~'), '.cache')), 'vtonbox',
    'fid_stats')

_LOADED: Dict[str, 'RealStatistics'] = {}


@dataclass
class RealStatistics:
    """Features and Gaussian statistics of a real image set.

    Attributes:
        features (np.ndarray): (N, 2048) float32.
        mu (np.ndarray): (2048,) float64 mean.
        sigma (np.ndarray): (2048, 2048) float64 covariance.
    """

    features: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray

    @classmethod
    def from_features(cls, features: np.ndarray) -> 'RealStatistics':
        mu, sigma = feature_statistics(features)
        return cls(np.asarray(features, dtype=np.float32), mu, sigma)


def real_statistics_key(files: Sequence[str], weights_sha256: str) -> str:
    """sha256 over the image list (path, size, mtime) and the weights hash."""
    entries = []
    for path in files:
        stat = os.stat(path)
        entries.append([osp.abspath(path), stat.st_size, stat.st_mtime_ns])
    payload = json.dumps({'files': entries, 'weights_sha256': weights_sha256})
    return hashlib.sha256(payload.encode()).hexdigest()


def _save_atomically(path: str, stats: RealStatistics) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            np.savez(f, features=stats.features, mu=stats.mu, sigma=stats.sigma)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def load_or_compute_real_statistics(files: Sequence[str],
                                    extractor: InceptionFeatureExtractor,
                                    cache_dir: Optional[str] = None, use_cache: bool = True,
                                    device: Union[str, torch.device] = 'cpu',
                                    progress: Optional[Any] = None) -> RealStatistics:
    """Real-set statistics from the cache, or computed (and cached) from the files.

    Args:
        files (list[str]): real image paths (order is irrelevant to the statistics).
        extractor (InceptionFeatureExtractor): feature network.
        cache_dir (str, optional): cache folder; default ``DEFAULT_CACHE_DIR``.
        use_cache (bool): read and write the cache.
        device (str | torch.device): where Inception runs if the statistics must be
            computed.
        progress (optional): per-image progress object (see ``file_features``) or None.
    """
    if not files:
        raise ValueError('the real image set is empty')
    if not use_cache:
        return RealStatistics.from_features(
            extractor.file_features(files, device=device, progress=progress))
    key = real_statistics_key(files, extractor.weights_sha256)
    path = osp.join(cache_dir or DEFAULT_CACHE_DIR, f'inception_real_{key}.npz')
    if path in _LOADED:
        return _LOADED[path]
    if osp.isfile(path):
        with np.load(path) as data:
            stats = RealStatistics(data['features'], data['mu'], data['sigma'])
    else:
        stats = RealStatistics.from_features(
            extractor.file_features(files, device=device, progress=progress))
        _save_atomically(path, stats)
    _LOADED[path] = stats
    return stats
