"""frechet_distance follows pytorch-fid's numerics, including its singular fallback."""
import numpy as np
import pytest
from pytorch_fid.fid_score import calculate_frechet_distance
from scipy import linalg

from vtonbox.evaluation.functional.fid import feature_statistics, frechet_distance


def _stats(features):
    return np.mean(features, axis=0), np.cov(features, rowvar=False)


@pytest.mark.parametrize('num_samples', [3, 40])  # rank-deficient and full-rank covariances
def test_frechet_distance_matches_pytorch_fid(num_samples):
    rng = np.random.default_rng(num_samples)
    real = rng.normal(size=(num_samples, 16))
    fake = rng.normal(0.5, 2.0, size=(num_samples, 16))
    mu1, s1 = _stats(real)
    mu2, s2 = _stats(fake)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        calculate_frechet_distance(mu1, s1, mu2, s2), rel=1e-9, abs=1e-9)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-6)


def test_singular_fallback_matches_pytorch_fid(monkeypatch):
    """A non-finite first sqrtm triggers the eps diagonal offset, as in pytorch-fid."""
    rng = np.random.default_rng(0)
    mu1, s1 = _stats(rng.normal(size=(20, 6)))
    mu2, s2 = _stats(rng.normal(size=(20, 6)))
    true_sqrtm = linalg.sqrtm

    def first_call_not_finite(matrix, disp=True):
        if np.array_equal(matrix, s1.dot(s2)):
            result = np.full_like(matrix, np.nan)
        else:
            result = true_sqrtm(matrix)
        return (result, 0.0) if disp is False else result

    monkeypatch.setattr(linalg, 'sqrtm', first_call_not_finite)
    expected = calculate_frechet_distance(mu1, s1, mu2, s2)
    with pytest.warns(UserWarning, match='singular'):
        ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(expected, rel=1e-12)
    offset = np.eye(6) * 1e-6
    direct = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) -
              2 * np.trace(true_sqrtm((s1 + offset).dot(s2 + offset)).real))
    assert ours == pytest.approx(direct, rel=1e-12)


def test_feature_statistics_and_errors():
    features = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    mu, sigma = feature_statistics(features)
    assert mu.dtype == np.float64 and sigma.shape == (3, 3)
    np.testing.assert_allclose(sigma, np.cov(features.astype(np.float64), rowvar=False))
    with pytest.raises(ValueError, match='at least 2'):
        feature_statistics(features[:1])
    with pytest.raises(ValueError, match='differ'):
        frechet_distance(mu, sigma, mu[:2], sigma[:2, :2])
