"""KID equals the unbiased polynomial-kernel MMD² written out directly."""
import numpy as np
import pytest

from vtonbox.evaluation.functional.kid import kernel_inception_distance, mmd2_unbiased


def _direct_mmd2(x, y):
    """Unbiased MMD², k(a, b) = (a·b / d + 1)^3, written with explicit sums."""
    m, d = x.shape

    def k(a, b):
        return (np.dot(a, b) / d + 1) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2 * xy / m**2


def test_mmd2_matches_direct_formula():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(0.3, 1.2, size=(7, 5))
    assert mmd2_unbiased(x, y) == pytest.approx(_direct_mmd2(x, y), rel=1e-10)


def test_kid_subsets_match_direct_formula():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(12, 4)), rng.normal(0.5, 1.0, size=(9, 4))
    mean, std = kernel_inception_distance(real, fake, num_subsets=3, subset_size=6, seed=7)
    sampler = np.random.RandomState(7)  # same draws: real subset first, then fake
    values = []
    for _ in range(3):
        x = real[sampler.choice(12, 6, replace=False)]
        y = fake[sampler.choice(9, 6, replace=False)]
        values.append(_direct_mmd2(x, y))
    assert mean == pytest.approx(np.mean(values), rel=1e-10)
    assert std == pytest.approx(np.std(values), rel=1e-8)


def test_kid_full_set_is_permutation_free_and_near_zero_for_same_distribution():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    with pytest.warns(UserWarning, match='clipped'):
        mean, std = kernel_inception_distance(real, fake, num_subsets=2, subset_size=50)
    assert mean == pytest.approx(_direct_mmd2(real, fake), rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-12)
    far, _ = kernel_inception_distance(real, fake + 3.0, num_subsets=1, subset_size=10)
    assert far > 10 * abs(mean)


def test_kid_errors():
    with pytest.raises(ValueError, match='at least 2'):
        kernel_inception_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r'\(N, D\)'):
        kernel_inception_distance(np.zeros((4, 3)), np.zeros((4, 2)))
