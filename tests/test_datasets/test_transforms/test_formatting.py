"""PackTryOnInputs: the data_flow.md contract."""
import numpy as np
import pytest
import torch

from vtonbox.datasets.transforms import PackTryOnInputs
from vtonbox.structures import TryOnDataSample


def _results(paired=True):
    h, w = 64, 32
    return dict(person=np.zeros((h, w, 3), np.uint8), cloth=np.ones((h, w, 3), np.uint8),
                cloth_mask=np.ones((h, w), np.float32), parsing=np.zeros((h, w), np.uint8),
                pose=np.full((18, h, w), -1, np.float32),
                densepose_onehot=np.zeros((25, h, w), np.float32),
                person_path='p.jpg', cloth_path='c.jpg', paired=paired, sample_idx=3)


def test_pack_dtypes_shapes_and_meta():
    out = PackTryOnInputs()(_results())
    inputs, sample = out['inputs'], out['data_samples']
    assert set(inputs) == {'person', 'cloth', 'cloth_mask', 'parsing', 'pose', 'densepose_onehot'}
    assert inputs['person'].dtype == torch.uint8 and inputs['person'].shape == (3, 64, 32)
    assert inputs['cloth_mask'].dtype == torch.float32 and inputs['cloth_mask'].shape == (1, 64, 32)
    assert inputs['parsing'].dtype == torch.int64 and inputs['parsing'].shape == (1, 64, 32)
    assert inputs['pose'].shape == (18, 64, 32)
    assert inputs['densepose_onehot'].shape == (25, 64, 32)
    assert isinstance(sample, TryOnDataSample) and sample.is_paired
    assert torch.equal(sample.gt_person, inputs['person'])
    assert sample.metainfo['ori_shape'] == (64, 32) and sample.metainfo['img_shape'] == (64, 32)
    assert sample.metainfo['pad'] == (0, 0, 0, 0) and sample.metainfo['flip'] is False
    assert sample.metainfo['sample_idx'] == 3
    unpaired = PackTryOnInputs()(_results(paired=False))['data_samples']
    assert 'gt_person' not in unpaired


def test_pack_errors():
    with pytest.raises(ValueError, match='unknown input keys'):
        PackTryOnInputs(input_keys=['person', 'tutor'])
    with pytest.raises(KeyError, match='densepose'):
        PackTryOnInputs(input_keys=['person', 'densepose'])(_results())
    bad = _results()
    bad['person'] = bad['person'].astype(np.float32)
    with pytest.raises(TypeError, match='uint8'):
        PackTryOnInputs()(bad)
    missing = _results()
    del missing['paired']
    with pytest.raises(KeyError, match='paired'):
        PackTryOnInputs()(missing)
    assert 'PackTryOnInputs' in repr(PackTryOnInputs())
