"""TryOnDataPreprocessor: stacking, dtype conversions, data samples, errors, and the
maps deferred from the dataloader workers (equal to the worker-built ones)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from vtonbox.datasets import make_synthetic_viton
from vtonbox.datasets.transforms import tryon_collate
from vtonbox.datasets.transforms.deferred import set_deferred
from vtonbox.models.data_preprocessors import TryOnDataPreprocessor
from vtonbox.registry import DATASETS, MODELS
from vtonbox.structures import TryOnDataSample

H, W = 8, 6


def _item(idx):
    gen = torch.Generator().manual_seed(idx)
    inputs = dict(
        person=torch.randint(0, 256, (3, H, W), dtype=torch.uint8, generator=gen),
        cloth_mask=(torch.rand(1, H, W, generator=gen) > 0.5).float(),
        pose=torch.where(torch.rand(18, H, W, generator=gen) > 0.9, 1.0, -1.0),
        parsing=torch.randint(0, 14, (1, H, W), generator=gen),
        densepose=torch.randint(0, 25, (1, H, W), dtype=torch.int32, generator=gen))
    sample = TryOnDataSample(metainfo=dict(sample_idx=idx, paired=True,
                                           person_path=f'{idx}_0.jpg'))
    sample.gt_person = inputs['person'].clone()
    return dict(inputs=inputs, data_samples=sample)


def test_collated_batch_is_stacked_and_converted():
    items = [_item(0), _item(1)]
    batch = pseudo_collate(items)
    preprocessor = MODELS.build(dict(type='TryOnDataPreprocessor'))
    out = preprocessor(batch, training=True)
    inputs = out['inputs']
    assert set(inputs) == {'person', 'cloth_mask', 'pose', 'parsing', 'densepose'}
    person = inputs['person']
    assert person.shape == (2, 3, H, W) and person.dtype == torch.float32
    expected = torch.stack([it['inputs']['person'] for it in items]).float() / 127.5 - 1
    assert torch.allclose(person, expected)
    assert person.min() >= -1 and person.max() <= 1
    assert torch.equal(inputs['cloth_mask'],
                       torch.stack([it['inputs']['cloth_mask'] for it in items]))
    assert inputs['pose'].shape == (2, 18, H, W) and set(inputs['pose'].unique().tolist()) == {
        -1.0, 1.0}
    assert inputs['parsing'].dtype == torch.int64 and inputs['parsing'].shape == (2, 1, H, W)
    assert inputs['densepose'].dtype == torch.int64
    assert torch.equal(inputs['parsing'][1], items[1]['inputs']['parsing'])
    samples = out['data_samples']
    assert len(samples) == 2 and all(isinstance(s, TryOnDataSample) for s in samples)
    assert [s.sample_idx for s in samples] == [0, 1]
    assert samples[1].gt_person.dtype == torch.uint8
    assert torch.equal(samples[1].gt_person, items[1]['inputs']['person'])


def test_uint8_extremes_and_training_flag():
    image = torch.tensor([0, 255], dtype=torch.uint8).view(1, 1, 1, 2)
    preprocessor = TryOnDataPreprocessor()
    for training in (False, True):
        out = preprocessor(dict(inputs=dict(person=image)), training)
        assert out['inputs']['person'].flatten().tolist() == [-1.0, 1.0]
        assert out['data_samples'] is None


def test_already_stacked_tensors_and_other_dtypes():
    stacked = dict(person=torch.full((2, 3, H, W), 255, dtype=torch.uint8),
                   mask=torch.ones(2, 1, H, W, dtype=torch.bool),
                   heat=torch.zeros(2, 1, H, W, dtype=torch.float64))
    out = TryOnDataPreprocessor()(dict(inputs=stacked, data_samples=None))['inputs']
    assert torch.equal(out['person'], torch.ones(2, 3, H, W))
    assert out['mask'].dtype == torch.float32 and out['mask'].sum() == 2 * H * W
    assert out['heat'].dtype == torch.float32


def test_channels_last_option():
    batch = pseudo_collate([_item(0), _item(1)])
    out = TryOnDataPreprocessor(channels_last=True)(batch)['inputs']
    assert out['person'].is_contiguous(memory_format=torch.channels_last)
    assert out['pose'].is_contiguous(memory_format=torch.channels_last)
    assert out['parsing'].dtype == torch.int64


def test_bad_batches_raise():
    preprocessor = TryOnDataPreprocessor()
    with pytest.raises(TypeError, match='inputs'):
        preprocessor([torch.zeros(1)])
    with pytest.raises(TypeError, match='dict'):
        preprocessor(dict(inputs=[torch.zeros(3, H, W)]))
    with pytest.raises(ValueError, match="'person'"):
        preprocessor(dict(inputs=dict(person=[torch.zeros(3, H, W), torch.zeros(3, H, W + 1)])))
    with pytest.raises(TypeError, match="'person'"):
        preprocessor(dict(inputs=dict(person=['a.jpg'])))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_moves_to_the_model_device():
    preprocessor = TryOnDataPreprocessor(non_blocking=True).to('cuda')
    out = preprocessor(pseudo_collate([_item(0), _item(1)]))
    assert all(t.is_cuda for t in out['inputs'].values())
    assert out['data_samples'][0].gt_person.is_cuda


# ----------------------------------------------------------------- deferred maps
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
#: Devices to check on: the CPU, and the accelerator when there is one.
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
NUM_ITEMS, BATCH = 8, 4


@pytest.fixture(scope='module')
def synthetic_roots(tmp_path_factory):
    """Synthetic VITON train splits at the two checked sizes, (H, W) -> root."""
    roots = {}
    for size in ((256, 192), (64, 64)):
        root = tmp_path_factory.mktemp(f'synthetic_{size[0]}x{size[1]}') / 'data'
        make_synthetic_viton(str(root), NUM_ITEMS, 0, 0, *size)
        roots[size] = str(root)
    return roots


def _datasets(root, size, custom):
    """The training dataset of configs/_base_/datasets/viton.py at ``size`` with flips,
    maps built in the workers (old) and by the preprocessor (new)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'viton.py'))
    pipeline = [dict(step) for step in cfg.train_dataloader.dataset.pipeline]
    for step in pipeline:
        if step['type'] == 'ResizePad':
            step['size'] = size
        elif step['type'] == 'TryOnRandomFlip':
            step['prob'] = 0.5
        elif custom and step['type'] == 'GeneratePoseMap':
            step.update(radius=2, scale_radius=False)
        elif custom and step['type'] == 'ParsingToRegionMasks':
            step['regions'] = dict(face_mask=(12, ), upper_cloth_mask=(4, ),
                                   arm_mask=(11, 13, 4))
    return [DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=root,
                                pipeline=set_deferred(pipeline, defer)))
            for defer in (False, True)]


def _batches(dataset, seed, collate=pseudo_collate):
    """Training batches of the dataset, the random draws (unpaired cloth, flip) seeded
    per item so that two pipelines see the same ones."""
    items = []
    for index in range(len(dataset)):
        np.random.seed(seed + index)
        items.append(dataset[index])
    return [collate(items[i:i + BATCH]) for i in range(0, len(items), BATCH)]


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('size,custom', [((256, 192), False), ((64, 64), False),
                                         ((64, 64), True)])
def test_deferred_maps_equal_worker_maps(synthetic_roots, size, custom, device):
    """The batch the model sees is the same, tensor for tensor, whether the pose maps,
    region masks and one-hots are built in the workers (and collated with
    pseudo_collate, as before) or by the preprocessor (after tryon_collate, as the
    configs now do)."""
    old_dataset, new_dataset = _datasets(synthetic_roots[size], size, custom)
    preprocessor = TryOnDataPreprocessor().to(device)
    flips = []
    for old_batch, new_batch in zip(_batches(old_dataset, 7),
                                    _batches(new_dataset, 7, tryon_collate)):
        assert 'pose' not in new_batch['inputs'] and 'pose_keypoints' in new_batch['inputs']
        old = preprocessor(old_batch, True)
        new = preprocessor(new_batch, True)
        assert list(new['inputs']) == list(old['inputs'])  # same keys, same order
        for key, expected in old['inputs'].items():
            got = new['inputs'][key]
            assert got.device == expected.device and got.device.type == device
            assert got.dtype == expected.dtype, key
            assert torch.equal(got, expected), key
        for old_sample, new_sample in zip(old['data_samples'], new['data_samples']):
            assert new_sample.metainfo == old_sample.metainfo  # deferred_inputs removed
            assert torch.equal(new_sample.gt_person, old_sample.gt_person)
            flips.append(old_sample.flip)
        assert 'deferred_inputs' in new_batch['data_samples'][0]  # the batch is untouched
        assert torch.equal(preprocessor(new_batch, False)['inputs']['pose'], old['inputs']['pose'])
    assert True in flips and False in flips
    keys = set(old['inputs'])
    assert {'upper_cloth_mask', 'face_mask', 'arm_mask', 'pose', 'densepose_onehot'} <= keys
    assert ('other_clothes_mask' in keys) is not custom


def _deferred_item(idx, spec=None):
    item = _item(idx)
    keypoints = torch.zeros(18, 3)
    keypoints[0] = torch.tensor([3.0, 4.0, 1.0])
    item['inputs']['pose_keypoints'] = keypoints
    del item['inputs']['pose']
    spec = spec or dict(keys=('person', 'pose', 'parsing', 'face_mask'),
                        ops=dict(pose=('pose_map', 'pose_keypoints',
                                       (('height', H), ('width', W), ('radius', 1))),
                                 face_mask=('region_mask', 'parsing', (('ids', (1, 12)), ))))
    item['data_samples'].set_metainfo(dict(deferred_inputs=spec))
    return item


def test_deferred_order_channels_last_and_extra_keys():
    batch = pseudo_collate([_deferred_item(0), _deferred_item(1)])
    out = TryOnDataPreprocessor(channels_last=True)(batch)
    # spec order first, then inputs that are neither spec keys nor sources
    assert list(out['inputs']) == ['person', 'pose', 'parsing', 'face_mask', 'cloth_mask',
                                   'densepose']
    pose = out['inputs']['pose']
    assert pose.is_contiguous(memory_format=torch.channels_last)
    assert (pose[:, 0] > 0).sum().item() == 2 * 9 and (pose[:, 1:] == -1).all()
    assert 'deferred_inputs' not in out['data_samples'][0]


def test_deferred_errors():
    other = dict(keys=('person', 'pose'), ops=dict(pose=('pose_map', 'pose_keypoints', (
        ('height', H), ('width', W), ('radius', 2)))))
    with pytest.raises(ValueError, match='differ'):
        TryOnDataPreprocessor()(pseudo_collate([_deferred_item(0), _deferred_item(1, other)]))
    unknown = dict(keys=('x', ), ops=dict(x=('blur', 'person', ())))
    with pytest.raises(KeyError, match='unknown op'):
        TryOnDataPreprocessor()(pseudo_collate([_deferred_item(0, unknown)]))
    missing = dict(keys=('x', ), ops=dict(x=('one_hot', 'labels', (('num_classes', 3), ))))
    with pytest.raises(KeyError, match='labels'):
        TryOnDataPreprocessor()(pseudo_collate([_deferred_item(0, missing)]))
