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


def _deferred_results():
    from vtonbox.datasets.transforms import DensePoseToOneHot, GeneratePoseMap, ParsingToRegionMasks
    results = _results()
    del results['pose'], results['densepose_onehot']
    results['densepose'] = np.zeros((64, 32), np.uint8)
    results['pose_keypoints'] = np.full((18, 3), 5, np.float32)
    for t in (ParsingToRegionMasks(defer=True), GeneratePoseMap(defer=True),
              DensePoseToOneHot(defer=True)):
        results = t(results)
    return results


def test_pack_deferred_maps_packs_their_sources():
    out = PackTryOnInputs()(_deferred_results())
    inputs, meta = out['inputs'], out['data_samples'].metainfo
    assert list(inputs) == ['person', 'cloth', 'cloth_mask', 'parsing', 'densepose',
                            'pose_keypoints']
    assert inputs['pose_keypoints'].dtype == torch.float32
    assert inputs['pose_keypoints'].shape == (18, 3)
    deferred = meta['deferred_inputs']
    # The model's inputs, in the order a non-deferred pipeline packs them.
    assert deferred['keys'] == ('person', 'cloth', 'cloth_mask', 'parsing', 'upper_cloth_mask',
                                'face_mask', 'other_clothes_mask', 'arm_mask', 'pose',
                                'densepose', 'densepose_onehot')
    assert set(deferred['ops']) == {'upper_cloth_mask', 'face_mask', 'other_clothes_mask',
                                    'arm_mask', 'pose', 'densepose_onehot'}


def test_pack_deferred_with_input_keys():
    out = PackTryOnInputs(input_keys=['person', 'face_mask'])(_deferred_results())
    # parsing travels to build face_mask only; the other deferred maps are not built.
    assert list(out['inputs']) == ['person', 'parsing']
    deferred = out['data_samples'].metainfo['deferred_inputs']
    assert deferred['keys'] == ('person', 'face_mask') and list(deferred['ops']) == ['face_mask']
    plain = PackTryOnInputs(input_keys=['person', 'cloth'])(_deferred_results())
    assert 'deferred_inputs' not in plain['data_samples'].metainfo
    with pytest.raises(KeyError, match='arm_mask'):
        PackTryOnInputs(input_keys=['arm_mask'])(_results())


def test_tryon_collate_stacks_inputs():
    from mmengine.registry import FUNCTIONS

    from vtonbox.datasets.transforms import tryon_collate
    items = [PackTryOnInputs()(_results()) for _ in range(3)]
    odd = PackTryOnInputs()(dict(_results(), parsing=np.zeros((64, 16), np.uint8)))
    batch = tryon_collate(items)
    inputs, samples = batch['inputs'], batch['data_samples']
    assert inputs['person'].shape == (3, 3, 64, 32) and inputs['person'].dtype == torch.uint8
    assert inputs['parsing'].shape == (3, 1, 64, 32) and inputs['parsing'].dtype == torch.int64
    assert len(samples) == 3 and all(isinstance(s, TryOnDataSample) for s in samples)
    # gt_person is a view of the stacked person (one storage crosses to the main process)
    assert samples[1].gt_person.untyped_storage().data_ptr() == \
        inputs['person'].untyped_storage().data_ptr()
    assert torch.equal(samples[1].gt_person, items[1]['inputs']['person'])
    mixed = tryon_collate(items[:1] + [odd])
    assert isinstance(mixed['inputs']['parsing'], list)  # left for the preprocessor to refuse
    assert isinstance(mixed['inputs']['person'], torch.Tensor)
    assert FUNCTIONS.get('tryon_collate') is tryon_collate  # collate_fn=dict(type=...)
