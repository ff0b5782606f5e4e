"""Kernel Inception Distance: unbiased polynomial-kernel MMD² over random subsets.

Bińkowski et al., "Demystifying MMD GANs" (ICLR 2018), as in torch-fidelity: kernel
``k(x, y) = (x·y / d + 1)^3``, the unbiased MMD² estimator averaged over
``num_subsets`` subsets of ``subset_size`` features drawn without replacement from
each set (real first, then fake) by ``numpy.random.RandomState(seed)``.
"""
import warnings
from typing import Tuple

import numpy as np

#: Defaults of torch-fidelity (``kid_subsets``, ``kid_subset_size``, ``rng_seed``).
KID_NUM_SUBSETS = 100
KID_SUBSET_SIZE = 1000
KID_SEED = 2020
#: Polynomial kernel degree and offset of the standard KID.
KID_DEGREE = 3
KID_COEF0 = 1.0


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = KID_DEGREE,
                      coef0: float = KID_COEF0) -> np.ndarray:
    """``(x y^T / d + coef0)^degree`` for (N, d) and (M, d) features -> (N, M)."""
    return (x @ y.T / x.shape[1] + coef0) ** degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, degree: int = KID_DEGREE,
                  coef0: float = KID_COEF0) -> float:
    """Unbiased MMD² between two equally sized feature sets (m, d).

    ``sum_{i!=j} k(x_i, x_j) / (m(m-1)) + same for y - 2 sum_{i,j} k(x_i, y_j) / m^2``.
    """
    m = x.shape[0]
    k_xx = polynomial_kernel(x, x, degree, coef0)
    k_yy = polynomial_kernel(y, y, degree, coef0)
    k_xy = polynomial_kernel(x, y, degree, coef0)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2 * k_xy.sum() / m**2)


def kernel_inception_distance(f_real: np.ndarray, f_fake: np.ndarray,
                              num_subsets: int = KID_NUM_SUBSETS,
                              subset_size: int = KID_SUBSET_SIZE,
                              seed: int = KID_SEED) -> Tuple[float, float]:
    """KID (mean and std of MMD² over subsets), not scaled.

    ``subset_size`` is clipped to the smaller set with a warning (as in the original
    KID code); numbers from different subset sizes are not comparable.

    Args:
        f_real (np.ndarray): (N, D) features of real images.
        f_fake (np.ndarray): (M, D) features of generated images.
        num_subsets (int): number of random subsets.
        subset_size (int): features per subset and set.
        seed (int): seed of the subset sampling.

    Returns:
        tuple[float, float]: mean and standard deviation over subsets.
    """
    f_real = np.asarray(f_real, dtype=np.float64)
    f_fake = np.asarray(f_fake, dtype=np.float64)
    if f_real.ndim != 2 or f_fake.ndim != 2 or f_real.shape[1] != f_fake.shape[1]:
        raise ValueError(f'features must be (N, D) and (M, D), got {f_real.shape} and '
                         f'{f_fake.shape}')
    if num_subsets < 1:
        raise ValueError(f'num_subsets must be >= 1, got {num_subsets}')
    size = min(subset_size, f_real.shape[0], f_fake.shape[0])
    if size < 2:
        raise ValueError('KID needs at least 2 images per set, got '
                         f'{f_real.shape[0]} real and {f_fake.shape[0]} fake')
    if size < subset_size:
        warnings.warn(f'KID: subset_size {subset_size} clipped to {size} (fewer images); '
                      'the value is not comparable with full-size subsets', stacklevel=2)
    rng = np.random.RandomState(seed)
    mmds = np.empty(num_subsets)
    for i in range(num_subsets):
        real = f_real[rng.choice(f_real.shape[0], size, replace=False)]
        fake = f_fake[rng.choice(f_fake.shape[0], size, replace=False)]
        mmds[i] = mmd2_unbiased(real, fake)
    return float(mmds.mean()), float(mmds.std())
