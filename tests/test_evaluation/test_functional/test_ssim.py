"""SSIM equals scikit-image called directly; grayscale equals PIL convert('L')."""
import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from vtonbox.evaluation.functional.ssim import rgb_to_gray, ssim

from ..conftest import make_images

PROTOCOL = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)


def test_rgb_to_gray_equals_pil():
    image = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    np.testing.assert_array_equal(rgb_to_gray(image),
                                  np.asarray(Image.fromarray(image).convert('L')))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_ssim_equals_skimage(seed):
    pred, gt = make_images(2, seed=seed, noise=15.0, size=(64, 48))
    gray = structural_similarity(np.asarray(Image.fromarray(pred).convert('L')),
                                 np.asarray(Image.fromarray(gt).convert('L')), **PROTOCOL)
    assert abs(ssim(pred, gt) - gray) <= 1e-6
    rgb = structural_similarity(pred, gt, channel_axis=-1, **PROTOCOL)
    assert abs(ssim(pred, gt, 'rgb') - rgb) <= 1e-6
    assert ssim(gt, gt) == pytest.approx(1.0)


def test_ssim_errors():
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match='variant'):
        ssim(image, image, 'ycbcr')
    with pytest.raises(ValueError, match='differ in size'):
        ssim(image, np.zeros((32, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='uint8'):
        ssim(image.astype(np.float32), image)
