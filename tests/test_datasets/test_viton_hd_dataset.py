"""VITONHDDataset over synthetic VITON-HD files: the VITON data contract at any size."""
import os

import cv2
import numpy as np
import pytest
import torch

from tests.helpers.dataset_pipelines import (
    inference_pipeline,
    viton_hd_train_pipeline,
    viton_train_pipeline,
)
from vtonbox.datasets import VITONDataset, VITONHDDataset, check_dataset
from vtonbox.datasets.labels import DENSEPOSE_INPUT_CHANNELS, PARSING_IDS
from vtonbox.datasets.synthetic import render_sample
from vtonbox.datasets.synthetic.formats import densepose_rendering
from vtonbox.registry import DATASETS

from .conftest import LAYOUT_HEIGHT, LAYOUT_TEST, LAYOUT_TRAIN, LAYOUT_WIDTH, SEED

SIZE = (LAYOUT_HEIGHT, LAYOUT_WIDTH)


def contract(item):
    """key -> (shape, dtype) of a packed item, and its metainfo keys."""
    return ({k: (tuple(v.shape), v.dtype) for k, v in item['inputs'].items()},
            set(item['data_samples'].metainfo))


@pytest.mark.parametrize('defer', [False, True])
def test_same_keys_shapes_dtypes_as_viton(synthetic_root, viton_hd_root, defer):
    reference = VITONDataset(data_root=str(synthetic_root),
                             pipeline=viton_train_pipeline(SIZE, defer))
    dataset = DATASETS.build(dict(type='VITONHDDataset', data_root=str(viton_hd_root),
                                  pipeline=viton_hd_train_pipeline(SIZE, 'rgb', defer)))
    assert len(dataset) == LAYOUT_TRAIN and not dataset.test_mode
    np.random.seed(0)
    expected_inputs, expected_meta = contract(reference[0])
    inputs, meta = contract(dataset[0])
    # The rendering replaces the 25-channel one-hot (made in the worker, never deferred).
    channels = DENSEPOSE_INPUT_CHANNELS['rgb']
    assert inputs.pop('densepose_onehot') == ((channels, *SIZE), torch.float32)
    assert ('densepose_onehot' in expected_inputs) != defer
    expected_inputs.pop('densepose_onehot', None)
    assert inputs == expected_inputs and meta == expected_meta
    if defer:
        ops = dataset[1]['data_samples'].metainfo['deferred_inputs']['ops']
        assert set(ops) == set(reference[1]['data_samples'].metainfo['deferred_inputs']['ops']) \
            - {'densepose_onehot'}


def test_items_equal_the_drawn_samples(viton_hd_root):
    """Same size on disk and in the model: the pipeline gives back what was drawn."""
    dataset = VITONHDDataset(data_root=str(viton_hd_root),
                             pipeline=viton_hd_train_pipeline(SIZE, 'rgb', defer=True))
    np.random.seed(0)
    for idx in range(LAYOUT_TRAIN):
        drawn = render_sample(SEED, 'train', idx, *SIZE)
        item = dataset[idx]
        inputs = item['inputs']
        assert torch.equal(inputs['parsing'][0], torch.from_numpy(drawn.parsing).long())
        keypoints = inputs['pose_keypoints'].numpy()
        assert np.abs(keypoints - drawn.keypoints).max() < 0.01
        rendering = densepose_rendering(drawn.densepose).astype(np.float32) / 255
        # the rendering went through JPEG: close, not equal
        onehot = inputs['densepose_onehot']
        assert onehot.shape == (3, *SIZE)
        assert np.abs(onehot.numpy().transpose(1, 2, 0) - rendering).mean() < 0.03
        arms = np.isin(drawn.parsing, (PARSING_IDS['left_arm'], PARSING_IDS['right_arm']))
        assert np.array_equal(inputs['densepose'][0].numpy() > 0, arms)
        assert item['data_samples'].metainfo['paired'] and 'gt_person' in item['data_samples']


def test_resized_to_half_size_with_scaled_keypoints(viton_hd_root):
    half = (LAYOUT_HEIGHT // 2, LAYOUT_WIDTH // 2)
    full = VITONHDDataset(data_root=str(viton_hd_root),
                          pipeline=viton_hd_train_pipeline(SIZE, defer=True))
    small = VITONHDDataset(data_root=str(viton_hd_root),
                           pipeline=viton_hd_train_pipeline(half, defer=True))
    np.random.seed(0)
    a = full[1]
    b = small[1]
    assert b['inputs']['person'].shape == (3, *half)
    assert b['inputs']['densepose_onehot'].shape == (3, *half)
    assert b['data_samples'].metainfo['ori_shape'] == SIZE
    assert b['data_samples'].metainfo['scale_factor'] == 0.5
    kp_full, kp_half = a['inputs']['pose_keypoints'], b['inputs']['pose_keypoints']
    visible = kp_full[:, 0] > 1
    assert visible.any() and torch.allclose(kp_half[visible, :2], kp_full[visible, :2] / 2)


@pytest.mark.parametrize('mode,paired', [('auto', False), ('paired', True), ('unpaired', False)])
def test_test_split_pair_modes(viton_hd_root, mode, paired):
    dataset = VITONHDDataset(data_root=str(viton_hd_root), split='test', mode=mode,
                             pipeline=inference_pipeline(SIZE))
    assert dataset.test_mode and len(dataset) == LAYOUT_TEST
    for idx in range(LAYOUT_TEST):
        info = dataset.get_data_info(idx)
        assert (info['person_name'] == info['cloth_name']) == paired
        assert info['paired'] == paired and info['category'] == 'upper_body'
        assert os.path.dirname(info['cloth_mask_path']).endswith('test/cloth-mask')
    item = dataset[0]
    assert ('gt_person' in item['data_samples']) == paired
    assert set(item['inputs']) == {'person', 'cloth', 'cloth_mask'}


def test_training_adds_another_samples_cloth(viton_hd_root):
    dataset = VITONHDDataset(data_root=str(viton_hd_root),
                             pipeline=[dict(type='LoadTryOnImage', keys=['cloth_unpaired'])])
    np.random.seed(0)
    item = dataset[0]
    assert item['cloth_unpaired_path'] == dataset.get_data_info(1)['cloth_path']
    assert item['cloth_mask_unpaired_path'].endswith('train/cloth-mask/000001_00.jpg')


def test_densepose_part_maps_variant(viton_hd_copy):
    """With ``densepose_format='parts'`` the item is exactly VITON's (25-channel one-hot)."""
    folder = viton_hd_copy / 'train' / 'image-densepose-parts'
    folder.mkdir()
    for idx in range(LAYOUT_TRAIN):
        cv2.imwrite(str(folder / f'{idx:06d}_00.png'),
                    render_sample(SEED, 'train', idx, *SIZE).densepose)
    dataset = VITONHDDataset(data_root=str(viton_hd_copy), densepose_format='parts',
                             pipeline=viton_hd_train_pipeline(SIZE, 'parts'))
    np.random.seed(0)
    item = dataset[1]
    onehot = item['inputs']['densepose_onehot']
    assert onehot.shape == (DENSEPOSE_INPUT_CHANNELS['parts'], *SIZE)
    drawn = render_sample(SEED, 'train', 1, *SIZE).densepose
    assert torch.equal(onehot.argmax(0), torch.from_numpy(drawn).long())
    assert check_dataset(str(viton_hd_copy), layout='viton-hd', densepose_format='parts').ok
    with pytest.raises(ValueError, match='densepose_format'):
        VITONHDDataset(data_root=str(viton_hd_copy), densepose_format='iuv')
