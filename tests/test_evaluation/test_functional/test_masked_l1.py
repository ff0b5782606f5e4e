"""Masked L1 equals the mean absolute error over masked pixels computed directly."""
import numpy as np
import pytest

from vtonbox.evaluation.functional.masked_l1 import masked_l1


def test_masked_l1_equals_direct_mean():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 256, (16, 12, 3), dtype=np.uint8)
    gt = rng.integers(0, 256, (16, 12, 3), dtype=np.uint8)
    mask = np.zeros((16, 12), np.uint8)
    mask[4:10, 3:9] = 255
    expected = np.abs(pred[4:10, 3:9].astype(float) - gt[4:10, 3:9].astype(float)).mean() / 255
    assert masked_l1(pred, gt, mask) == pytest.approx(expected, rel=1e-12)
    outside_changed = pred.copy()
    outside_changed[0] = 0
    assert masked_l1(outside_changed, gt, mask) == masked_l1(pred, gt, mask)


def test_masked_l1_errors():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match='empty'):
        masked_l1(image, image, np.zeros((8, 8)))
    with pytest.raises(ValueError, match='mask must be'):
        masked_l1(image, image, np.ones((4, 8)))
