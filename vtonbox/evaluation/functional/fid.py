"""Fréchet Inception Distance between two sets of features (pytorch-fid's numerics)."""
import warnings
from typing import Tuple

import numpy as np
from scipy import linalg

#: Diagonal offset pytorch-fid adds when the covariance product has no finite square root.
FID_SQRTM_EPS = 1e-6
#: Largest imaginary part on the diagonal of sqrtm that pytorch-fid tolerates.
FID_IMAG_ATOL = 1e-3


def feature_statistics(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of features, in float64, as pytorch-fid computes them.

    Args:
        features (np.ndarray): (N, D) with N >= 2.

    Returns:
        tuple: ``mu`` (D,) and ``sigma`` (D, D), float64.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f'features must have shape (N, D), got {features.shape}')
    if features.shape[0] < 2:
        raise ValueError('FID needs at least 2 images per set to estimate a covariance, '
                         f'got {features.shape[0]}')
    return np.mean(features, axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray, eps: float = FID_SQRTM_EPS) -> float:
    """Fréchet distance ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2))``.

    Same steps as ``pytorch_fid.fid_score.calculate_frechet_distance`` (so values agree
    to float precision): matrix square root of ``S1 S2``; if it is not finite, retry with
    ``eps`` added to both diagonals; drop a negligible imaginary part.

    Args:
        mu1, mu2 (np.ndarray): (D,) feature means.
        sigma1, sigma2 (np.ndarray): (D, D) feature covariances.
        eps (float): diagonal offset for the singular case.

    Returns:
        float: the distance (>= 0 up to rounding).
    """
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    if mu1.shape != mu2.shape:
        raise ValueError(f'mean vectors differ in length: {mu1.shape} vs {mu2.shape}')
    if sigma1.shape != sigma2.shape:
        raise ValueError(f'covariances differ in shape: {sigma1.shape} vs {sigma2.shape}')
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        warnings.warn(f'FID: singular covariance product; adding {eps} to the diagonals '
                      '(same as pytorch-fid)', stacklevel=2)
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=FID_IMAG_ATOL):
            raise ValueError('FID: matrix square root has a large imaginary component '
                             f'{np.max(np.abs(covmean.imag))}; too few images?')
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))
