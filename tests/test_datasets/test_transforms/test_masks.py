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


@pytest.mark.parametrize('threshold', [0.0, 0.25, 0.5, 127.5 / 255, 0.9])
def test_binarize_lookup_equals_division(threshold):
    values = np.arange(256, dtype=np.uint8).reshape(16, 16)
    out = BinarizeMask(keys='m', threshold=threshold)(dict(m=values))['m']
    assert out.dtype == np.float32
    assert np.array_equal(out, (values / 255.0 > threshold).astype(np.float32))


def test_region_masks_and_one_hot_defer():
    parsing = np.arange(14, dtype=np.uint8)[None]
    out = ParsingToRegionMasks(regions=dict(hair_mask=[1], legs=(9, 10)),
                               defer=True)(dict(parsing=parsing))
    assert 'hair_mask' not in out and 'legs' not in out
    assert out['deferred_inputs'] == dict(hair_mask=('region_mask', 'parsing', (('ids', (1, )), )),
                                          legs=('region_mask', 'parsing', (('ids', (9, 10)), )))
    ids = np.array([[0, 3], [24, 3]], dtype=np.uint8)
    out = DensePoseToOneHot(defer=True)(dict(densepose=ids))
    assert out['deferred_inputs'] == dict(
        densepose_onehot=('one_hot', 'densepose', (('num_classes', 25), )))
    assert 'densepose_onehot' not in out
    with pytest.raises(ValueError, match='outside'):  # still checked in the worker
        DensePoseToOneHot(num_classes=10, defer=True)(dict(densepose=ids))
    with pytest.raises(KeyError, match='parsing'):
        ParsingToRegionMasks(defer=True)(dict())
    assert 'defer=True' in repr(ParsingToRegionMasks(defer=True))


def test_device_masks_equal_numpy():
    import torch

    from vtonbox.models.data_preprocessors.deferred_maps import one_hot, region_mask
    rng = np.random.default_rng(0)
    parsing = rng.integers(0, 14, size=(3, 1, 9, 7))
    densepose = rng.integers(0, 25, size=(3, 1, 9, 7))
    for ids in ((4, 7), (1, 12), (5, 6, 8, 9, 10), (11, 13), (200, )):
        expected = np.isin(parsing, ids).astype(np.float32)
        assert torch.equal(region_mask(torch.from_numpy(parsing), ids),
                           torch.from_numpy(expected))
    expected = np.stack([DensePoseToOneHot()(dict(densepose=d[0]))['densepose_onehot']
                         for d in densepose])
    assert torch.equal(one_hot(torch.from_numpy(densepose), 25), torch.from_numpy(expected))
    with pytest.raises(ValueError, match='N, 1, H, W'):
        one_hot(torch.from_numpy(densepose[:, 0]), 25)
