"""PSNR of uint8 images (data range 255), as ``skimage.metrics.peak_signal_noise_ratio``."""
import numpy as np

#: Dynamic range of uint8 images.
UINT8_DATA_RANGE = 255


def psnr(pred: np.ndarray, gt: np.ndarray) -> float:
    """``10 log10(255^2 / MSE)`` over all pixels and channels.

    Args:
        pred (np.ndarray): (H, W, C) uint8 generated image.
        gt (np.ndarray): (H, W, C) uint8 ground truth, same shape.

    Returns:
        float: PSNR in dB; ``inf`` for identical images (as scikit-image).
    """
    pred, gt = np.asarray(pred), np.asarray(gt)
    if pred.dtype != np.uint8 or gt.dtype != np.uint8:
        raise ValueError(f'pred and gt must be uint8, got {pred.dtype} and {gt.dtype}')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt differ in shape: {pred.shape} vs {gt.shape}')
    mse = np.mean((pred.astype(np.float64) - gt.astype(np.float64)) ** 2)
    if mse == 0:
        return float('inf')
    return float(10 * np.log10(UINT8_DATA_RANGE**2 / mse))
