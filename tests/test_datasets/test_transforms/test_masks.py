"""BinarizeMask, ParsingToRegionMasks, DensePoseToOneHot."""
import numpy as np
import pytest

from vtonbox.datasets.transforms import BinarizeMask, DensePoseToOneHot, ParsingToRegionMasks


def test_binarize_threshold():
    mask = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    out = BinarizeMask(keys='cloth_mask')(dict(cloth_mask=mask))['cloth_mask']
    assert out.dtype == np.float32 and out.tolist() == [[0, 0, 1, 1]]
    out = BinarizeMask(keys='m', threshold=0.9)(dict(m=mask))['m']
    assert out.tolist() == [[0, 0, 0, 1]]
    floats = BinarizeMask(keys='m')(dict(m=np.array([[0.2, 0.7]], np.float32)))['m']
    assert floats.tolist() == [[0, 1]]
    assert BinarizeMask()(dict()) == dict()  # absent keys are skipped
    with pytest.raises(ValueError, match='threshold'):
        BinarizeMask(threshold=1.5)


def test_region_masks_default_ids():
    parsing = np.arange(14, dtype=np.uint8)[None]
    out = ParsingToRegionMasks()(dict(parsing=parsing))
    expected = dict(upper_cloth_mask=(4, 7), face_mask=(1, 12),
                    other_clothes_mask=(5, 6, 8, 9, 10), arm_mask=(11, 13))
    for name, ids in expected.items():
        assert out[name].dtype == np.float32
        assert np.flatnonzero(out[name][0]).tolist() == list(ids)
    custom = ParsingToRegionMasks(regions=dict(hair_mask=[1]))(dict(parsing=parsing))
    assert np.flatnonzero(custom['hair_mask'][0]).tolist() == [1]


def test_densepose_one_hot():
    ids = np.array([[0, 3], [24, 3]], dtype=np.uint8)
    out = DensePoseToOneHot()(dict(densepose=ids))['densepose_onehot']
    assert out.shape == (25, 2, 2) and out.dtype == np.float32
    assert np.array_equal(out.argmax(0), ids) and (out.sum(0) == 1).all()
    with pytest.raises(ValueError, match='outside'):
        DensePoseToOneHot(num_classes=10)(dict(densepose=ids))
