"""SSIM under one pinned protocol (scikit-image), grayscale by default.

Default (``'gray'``): the GAN-era protocol of Wang et al. 2004 as set in scikit-image:
``structural_similarity(gray_a, gray_b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)`` on uint8 grayscale images.
Grayscale is PIL's ``Image.convert('L')`` (ITU-R 601-2 luma, ``L = R*299/1000 +
G*587/1000 + B*114/1000`` in PIL's 16-bit fixed point with rounding), i.e. what an
evaluation script gets when it loads the PNGs with ``Image.open(p).convert('L')``;
:func:`rgb_to_gray` reproduces it bit for bit. ``'rgb'``: the same settings on the
three channels (``channel_axis=-1``), mean over channels.
"""
import numpy as np
from skimage.metrics import structural_similarity

#: Gaussian window sigma of Wang et al. 2004.
SSIM_SIGMA = 1.5
#: Dynamic range of uint8 images.
UINT8_DATA_RANGE = 255
#: PIL's fixed-point ITU-R 601-2 luma weights (sum 2**16) and rounding offset.
_LUMA_WEIGHTS = (19595, 38470, 7471)
_LUMA_SHIFT = 16
_LUMA_ROUND = 1 << (_LUMA_SHIFT - 1)

#: Human-readable description of each SSIM variant (recorded with every number).
SSIM_VARIANTS = {
    'gray': ('skimage.metrics.structural_similarity on uint8 grayscale (PIL convert("L"), '
             'ITU-R 601-2 luma), gaussian_weights=True, sigma=1.5, '
             'use_sample_covariance=False, data_range=255; mean over images'),
    'rgb': ('skimage.metrics.structural_similarity on uint8 RGB (channel_axis=-1, mean over '
            'channels), gaussian_weights=True, sigma=1.5, use_sample_covariance=False, '
            'data_range=255; mean over images'),
}


def _check_rgb(name: str, image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'{name} must be a uint8 (H, W, 3) RGB array, got {image.dtype} '
                         f'{image.shape}')
    return image


def rgb_to_gray(image: np.ndarray) -> np.ndarray:
    """PIL ``convert('L')`` of a uint8 RGB image, vectorised.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    image = _check_rgb('image', image).astype(np.uint32)
    luma = (image[..., 0] * _LUMA_WEIGHTS[0] + image[..., 1] * _LUMA_WEIGHTS[1] +
            image[..., 2] * _LUMA_WEIGHTS[2] + _LUMA_ROUND) >> _LUMA_SHIFT
    return luma.astype(np.uint8)


def ssim(pred: np.ndarray, gt: np.ndarray, variant: str = 'gray') -> float:
    """SSIM of one image pair.

    Args:
        pred (np.ndarray): (H, W, 3) uint8 RGB generated image.
        gt (np.ndarray): (H, W, 3) uint8 RGB ground truth, same size.
        variant (str): ``'gray'`` (default protocol) or ``'rgb'``; see ``SSIM_VARIANTS``.

    Returns:
        float: SSIM in [-1, 1].
    """
    if variant not in SSIM_VARIANTS:
        raise ValueError(f'variant must be one of {sorted(SSIM_VARIANTS)}, got {variant!r}')
    pred, gt = _check_rgb('pred', pred), _check_rgb('gt', gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt differ in size: {pred.shape} vs {gt.shape}')
    kwargs = dict(gaussian_weights=True, sigma=SSIM_SIGMA, use_sample_covariance=False,
                  data_range=UINT8_DATA_RANGE)
    if variant == 'gray':
        return float(structural_similarity(rgb_to_gray(pred), rgb_to_gray(gt), **kwargs))
    return float(structural_similarity(pred, gt, channel_axis=-1, **kwargs))
