"""Mean absolute error inside a region (e.g. the worn cloth), images scaled to [0, 1]."""
import numpy as np

#: Largest uint8 value; errors are reported on images scaled to [0, 1].
UINT8_MAX = 255


def masked_l1(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray) -> float:
    """Mean ``|pred - gt| / 255`` over the pixels where ``mask`` is non-zero and all channels.

    Args:
        pred (np.ndarray): (H, W, C) uint8 generated image.
        gt (np.ndarray): (H, W, C) uint8 ground truth.
        mask (np.ndarray): (H, W) region; non-zero = inside. Must not be empty.

    Returns:
        float: masked L1 in [0, 1].
    """
    pred, gt, mask = np.asarray(pred), np.asarray(gt), np.asarray(mask)
    if pred.dtype != np.uint8 or gt.dtype != np.uint8:
        raise ValueError(f'pred and gt must be uint8, got {pred.dtype} and {gt.dtype}')
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f'pred and gt must be (H, W, C) of one shape, got {pred.shape} and '
                         f'{gt.shape}')
    if mask.shape != pred.shape[:2]:
        raise ValueError(f'mask must be (H, W) = {pred.shape[:2]}, got {mask.shape}')
    inside = mask != 0
    if not inside.any():
        raise ValueError('mask is empty: masked L1 is undefined')
    diff = np.abs(pred.astype(np.float64) - gt.astype(np.float64))[inside]
    return float(diff.mean() / UINT8_MAX)
