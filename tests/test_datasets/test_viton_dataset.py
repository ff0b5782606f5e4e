"""VITONDataset and VITONTestDataset over both layouts, through the full pipeline."""
import shutil

import numpy as np
import pytest
import torch

from vtonbox.datasets import (
    DataFileError,
    MissingDataFileError,
    VITONDataset,
    VITONTestDataset,
    check_dataset,
    readers,
)
from vtonbox.registry import DATASETS
from vtonbox.structures import TryOnDataSample

from .conftest import HEIGHT, NUM_TEST, NUM_TRAIN, WIDTH

MODEL_SIZE = (64, 64)  # square: exercises the aspect-keeping pad on 128 x 96 files
TRAIN_PIPELINE = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    dict(type='LoadParsing'),
    dict(type='LoadPoseKeypoints'),
    dict(type='LoadDensePose'),
    dict(type='ResizePad', size=MODEL_SIZE),
    dict(type='TryOnRandomFlip', prob=0.5),
    dict(type='BinarizeMask'),
    dict(type='ParsingToRegionMasks'),
    dict(type='GeneratePoseMap'),
    dict(type='DensePoseToOneHot'),
    dict(type='PackTryOnInputs'),
]
TEST_PIPELINE = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth']),
    dict(type='LoadClothMask', keys=['cloth_mask']),
    dict(type='ResizePad', size=MODEL_SIZE),
    dict(type='BinarizeMask'),
    dict(type='PackTryOnInputs'),
]
# data_flow.md: key -> (channels, dtype)
CONTRACT = dict(
    person=(3, torch.uint8), cloth=(3, torch.uint8), cloth_mask=(1, torch.float32),
    cloth_unpaired=(3, torch.uint8), cloth_mask_unpaired=(1, torch.float32),
    parsing=(1, torch.int64), upper_cloth_mask=(1, torch.float32), face_mask=(1, torch.float32),
    other_clothes_mask=(1, torch.float32), arm_mask=(1, torch.float32),
    pose=(18, torch.float32), densepose=(1, torch.int64), densepose_onehot=(25, torch.float32))
META = ('person_path', 'cloth_path', 'ori_shape', 'img_shape', 'scale_factor', 'pad', 'flip',
        'paired', 'sample_idx')


def _check_item(item, keys, paired):
    inputs, sample = item['inputs'], item['data_samples']
    assert set(inputs) == set(keys)
    for key in keys:
        channels, dtype = CONTRACT[key]
        assert inputs[key].shape == (channels, *MODEL_SIZE), key
        assert inputs[key].dtype == dtype, key
    for key in ('cloth_mask', 'upper_cloth_mask', 'face_mask', 'arm_mask'):
        if key in inputs:
            assert set(inputs[key].unique().tolist()) <= {0.0, 1.0}
    if 'pose' in inputs:
        assert set(inputs['pose'].unique().tolist()) == {-1.0, 1.0}
    if 'densepose' in inputs:
        assert (inputs['densepose_onehot'].argmax(0, keepdim=True) == inputs['densepose']).all()
    assert isinstance(sample, TryOnDataSample)
    assert set(META) <= set(sample.metainfo)
    assert sample.metainfo['ori_shape'] == (HEIGHT, WIDTH)
    assert sample.metainfo['img_shape'] == MODEL_SIZE
    assert sample.metainfo['paired'] is paired
    assert ('gt_person' in sample) is paired
    if paired:
        assert torch.equal(sample.gt_person, inputs['person'])


def test_train_dataset_both_layouts(synthetic_root):
    listing = VITONDataset(data_root=str(synthetic_root), pipeline=TRAIN_PIPELINE)
    pairs = DATASETS.build(dict(type='VITONDataset', data_root=str(synthetic_root),
                                ann_file='train_pairs.txt', pipeline=TRAIN_PIPELINE))
    assert len(listing) == len(pairs) == NUM_TRAIN
    for idx in range(NUM_TRAIN):
        a, b = listing.get_data_info(idx), pairs.get_data_info(idx)
        assert a['person_path'] == b['person_path'] and a['cloth_path'] == b['cloth_path']
        assert a['paired'] and b['paired']
    np.random.seed(0)
    _check_item(listing[0], CONTRACT, paired=True)
    _check_item(pairs[NUM_TRAIN - 1], CONTRACT, paired=True)


def test_unpaired_cloth_draw(synthetic_root):
    dataset = VITONDataset(data_root=str(synthetic_root),
                           pipeline=[dict(type='LoadTryOnImage', keys=['cloth_unpaired'])])
    np.random.seed(0)
    draws = [dataset.draw_unpaired_index(i % NUM_TRAIN) for i in range(200)]
    assert all(d != i % NUM_TRAIN for i, d in enumerate(draws))
    assert set(draws) == set(range(NUM_TRAIN))
    np.random.seed(0)
    assert draws == [dataset.draw_unpaired_index(i % NUM_TRAIN) for i in range(200)]
    np.random.seed(1)
    item = dataset[2]
    own = dataset.get_data_info(2)
    assert item['cloth_unpaired_path'] != own['cloth_path']
    assert item['cloth_mask_unpaired_path'].replace('_edge', '_color') == \
        item['cloth_unpaired_path']
    assert item['cloth_unpaired'].shape == (HEIGHT, WIDTH, 3)


def test_train_dataset_unpaired_mode(synthetic_root):
    dataset = VITONDataset(data_root=str(synthetic_root), mode='unpaired',
                           pipeline=TRAIN_PIPELINE)
    info = dataset.get_data_info(0)
    assert not info['paired'] and info['cloth_path'].endswith('000001_1.jpg')
    _check_item(dataset[0], CONTRACT, paired=False)


@pytest.mark.parametrize('ann_file,mode,paired', [
    ('test_pairs.txt', 'auto', False), ('test_pairs_paired.txt', 'auto', True),
    ('', 'auto', True), ('', 'unpaired', False), ('test_pairs.txt', 'paired', True)])
def test_test_dataset_layouts(synthetic_root, ann_file, mode, paired):
    dataset = VITONTestDataset(data_root=str(synthetic_root), ann_file=ann_file, mode=mode,
                               pipeline=TEST_PIPELINE)
    assert len(dataset) == NUM_TEST and dataset.test_mode
    for idx in range(NUM_TEST):
        info = dataset.get_data_info(idx)
        same_stem = info['person_path'][-12:-6] == info['cloth_path'][-12:-6]
        assert same_stem == (ann_file != 'test_pairs.txt' and mode != 'unpaired')
    _check_item(dataset[1], ('person', 'cloth', 'cloth_mask'), paired=paired)


def test_student_pipeline_needs_no_densepose(synthetic_copy):
    shutil.rmtree(synthetic_copy / 'train_densepose')
    pipeline = [t for t in TRAIN_PIPELINE if 'DensePose' not in t['type']]
    dataset = VITONDataset(data_root=str(synthetic_copy), pipeline=pipeline)
    keys = set(CONTRACT) - {'densepose', 'densepose_onehot'}
    _check_item(dataset[0], keys, paired=True)
    with pytest.raises(MissingDataFileError, match='train_densepose'):
        VITONDataset(data_root=str(synthetic_copy), pipeline=TRAIN_PIPELINE)


def test_custom_data_prefix(synthetic_copy):
    """The PF-AFN test package names its cloth folder test_clothes."""
    (synthetic_copy / 'test_color').rename(synthetic_copy / 'test_clothes')
    prefix = dict(person='test_img', cloth='test_clothes', cloth_mask='test_edge')
    dataset = VITONTestDataset(data_root=str(synthetic_copy), data_prefix=prefix,
                               ann_file='test_pairs.txt', pipeline=TEST_PIPELINE)
    assert '/test_clothes/' in dataset[0]['data_samples'].cloth_path
    with pytest.raises(KeyError, match='data_prefix'):
        VITONTestDataset(data_root=str(synthetic_copy), data_prefix=prefix,
                         pipeline=TRAIN_PIPELINE[2:3])
    with pytest.raises(ValueError, match='unknown modalities'):
        VITONTestDataset(data_root=str(synthetic_copy), data_prefix=dict(prefix, tutor='x'),
                         pipeline=TEST_PIPELINE)
    with pytest.raises(ValueError, match='mode'):
        VITONTestDataset(data_root=str(synthetic_copy), data_prefix=prefix, mode='both')


def _empty_jpeg(root):
    path = root / 'train_img' / '000001_0.jpg'
    path.write_bytes(b'')
    return path, 'empty file (0 bytes)'


def _garbage_png(root):
    path = root / 'train_label' / '000002_0.png'
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 600, dtype=np.uint8).tobytes())
    return path, 'not a JPEG, PNG, BMP or WebP image'


def _text_as_jpeg(root):
    path = root / 'train_color' / '000003_1.jpg'
    path.write_text('<html><body>403 Forbidden</body></html>\n')
    return path, "starts with the text '<html><body>'"


@pytest.mark.parametrize('corrupt', [_empty_jpeg, _garbage_png, _text_as_jpeg],
                         ids=['empty_jpeg', 'garbage_png', 'text_as_jpeg'])
def test_bad_file_found_at_startup(synthetic_copy, corrupt):
    """A file that no decoder can read fails the dataset's construction, not iteration 50:
    one line naming the file, the defect and what to do."""
    path, reason = corrupt(synthetic_copy)
    with pytest.raises(DataFileError) as err:
        VITONDataset(data_root=str(synthetic_copy), pipeline=TRAIN_PIPELINE)
    message = str(err.value)
    assert err.value.path == str(path) and message.startswith(f'{path}: ') and reason in message
    assert '\n' not in message and 'replace it' in message
    assert 'tools/dataset/check_dataset.py' in message
    # The full check (decode) names the same file, the same way.
    problems = check_dataset(str(synthetic_copy), 'train').problems
    assert [p.path for p in problems] == [str(path)] and reason in problems[0].reason
    # A pipeline that does not load that modality does not care.
    VITONDataset(data_root=str(synthetic_copy), pipeline=TEST_PIPELINE[:1] if
                 'train_label' in str(path) else [dict(type='LoadPoseKeypoints')])
    VITONDataset(data_root=str(synthetic_copy), pipeline=TRAIN_PIPELINE, check_files=False)


def test_startup_check_lists_every_bad_file(synthetic_copy):
    paths = [str(corrupt(synthetic_copy)[0]) for corrupt in (_empty_jpeg, _text_as_jpeg)]
    mask = synthetic_copy / 'test_edge' / '900001_1.jpg'
    mask.write_bytes(b'')
    with pytest.raises(DataFileError, match='2 unreadable data files in all') as err:
        VITONDataset(data_root=str(synthetic_copy), pipeline=TRAIN_PIPELINE)
    assert err.value.path == paths[0] and paths[1] in str(err.value)
    with pytest.raises(DataFileError, match='empty file') as err:
        VITONTestDataset(data_root=str(synthetic_copy), ann_file='test_pairs.txt',
                         pipeline=TEST_PIPELINE)
    assert err.value.path == str(mask)


def test_startup_check_decodes_nothing(synthetic_root, monkeypatch):
    """The start-up check reads headers only: every decoder is disabled here."""
    def no_decode(*args, **kwargs):
        raise AssertionError('the start-up check decoded a file')

    monkeypatch.setattr(readers.cv2, 'imdecode', no_decode)
    monkeypatch.setattr(readers.Image, 'open', no_decode)
    monkeypatch.setattr(readers.np, 'load', no_decode)
    monkeypatch.setattr(readers.np, 'fromfile', no_decode)
    dataset = VITONDataset(data_root=str(synthetic_root), pipeline=TRAIN_PIPELINE)
    assert len(dataset) == NUM_TRAIN
