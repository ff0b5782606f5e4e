"""PSNR equals scikit-image's peak_signal_noise_ratio (data range 255)."""
import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from vtonbox.evaluation.functional.psnr import psnr


def test_psnr_equals_skimage():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (32, 24, 3), dtype=np.uint8)
    pred = np.clip(gt.astype(int) + rng.integers(-20, 21, gt.shape), 0, 255).astype(np.uint8)
    assert psnr(pred, gt) == pytest.approx(
        peak_signal_noise_ratio(gt, pred, data_range=255), rel=1e-12)
    assert psnr(gt, gt) == float('inf')


def test_psnr_errors():
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match='shape'):
        psnr(image, image[:2])
    with pytest.raises(ValueError, match='uint8'):
        psnr(image.astype(np.float32), image)
