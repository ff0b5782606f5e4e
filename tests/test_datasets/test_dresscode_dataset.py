"""DressCodeDataset over synthetic DressCode files: the VITON contract, garment by category."""
import numpy as np
import pytest
import torch

from tests.helpers.dataset_pipelines import (
    dresscode_train_pipeline,
    inference_pipeline,
    viton_train_pipeline,
)
from vtonbox.datasets import DressCodeDataset, MissingDataFileError, VITONDataset
from vtonbox.datasets.labels import CATEGORIES
from vtonbox.datasets.synthetic import render_sample
from vtonbox.datasets.synthetic.dresscode import GARMENT_IDS
from vtonbox.registry import DATASETS

from .conftest import LAYOUT_HEIGHT, LAYOUT_TEST, LAYOUT_TRAIN, LAYOUT_WIDTH, SEED

SIZE = (LAYOUT_HEIGHT, LAYOUT_WIDTH)


def contract(item):
    return ({k: (tuple(v.shape), v.dtype) for k, v in item['inputs'].items()},
            set(item['data_samples'].metainfo))


@pytest.mark.parametrize('defer', [False, True])
def test_exactly_the_viton_contract(synthetic_root, dresscode_root, defer):
    reference = VITONDataset(data_root=str(synthetic_root),
                             pipeline=viton_train_pipeline(SIZE, defer))
    dataset = DATASETS.build(dict(type='DressCodeDataset', data_root=str(dresscode_root),
                                  category='all', pipeline=dresscode_train_pipeline(SIZE, defer)))
    assert len(dataset) == LAYOUT_TRAIN * len(CATEGORIES) and not dataset.test_mode
    np.random.seed(0)
    expected = contract(reference[0])
    for idx in range(0, len(dataset), LAYOUT_TRAIN):  # one item per category
        item = dataset[idx]
        assert contract(item) == expected
        inputs = item['inputs']
        for key in ('cloth_mask', 'cloth_mask_unpaired', 'upper_cloth_mask', 'arm_mask'):
            if key in inputs:
                assert set(inputs[key].unique().tolist()) <= {0.0, 1.0}
        assert inputs['parsing'].max() <= 13 and inputs['densepose'].max() <= 24


@pytest.mark.parametrize('category', CATEGORIES)
def test_garment_region_follows_the_category(dresscode_root, category):
    dataset = DressCodeDataset(data_root=str(dresscode_root), category=category,
                               pipeline=dresscode_train_pipeline(SIZE))
    assert len(dataset) == LAYOUT_TRAIN
    stream = CATEGORIES.index(category)
    np.random.seed(0)
    for idx in range(LAYOUT_TRAIN):
        drawn = render_sample(SEED, 'train', idx, *SIZE, stream=stream)
        ids = GARMENT_IDS[category] or (4, )
        garment = torch.from_numpy(np.isin(drawn.parsing, ids)).float()
        item = dataset[idx]
        region = item['inputs']['upper_cloth_mask'][0]
        assert garment.sum() > 0 and torch.equal(region, garment)
        # the garment image shows exactly that garment: its mask (made by ClothMaskParser)
        # covers the region the person wears it in (lower body, dresses: cut out in place)
        if category != 'upper_body':
            mask = item['inputs']['cloth_mask'][0]
            iou = (mask * garment).sum() / ((mask + garment) > 0).sum()
            assert iou > 0.95
        keypoints = item['inputs']['pose'].amax(dim=(1, 2))
        assert torch.equal(keypoints > 0, torch.from_numpy(drawn.keypoints[:, 0] > 1))
        densepose = item['inputs']['densepose_onehot'].argmax(0)
        assert torch.equal(densepose, torch.from_numpy(drawn.densepose).long())


def test_keypoints_scaled_from_the_frame(dresscode_root):
    half = (LAYOUT_HEIGHT // 2, LAYOUT_WIDTH // 2)
    dataset = DressCodeDataset(data_root=str(dresscode_root), category='dresses',
                               pipeline=dresscode_train_pipeline(half, defer=True))
    np.random.seed(0)
    keypoints = dataset[0]['inputs']['pose_keypoints'].numpy()
    drawn = render_sample(SEED, 'train', 0, *SIZE, stream=CATEGORIES.index('dresses'))
    visible = drawn.keypoints[:, 0] > 1
    assert np.abs(keypoints[visible, :2] - drawn.keypoints[visible, :2] / 2).max() < 0.01
    assert not keypoints[~visible].any()


def test_unpaired_garment_of_the_same_category(dresscode_root):
    dataset = DressCodeDataset(data_root=str(dresscode_root),
                               pipeline=[dict(type='LoadTryOnImage', keys=['cloth_unpaired'])])
    np.random.seed(0)
    for idx in range(len(dataset)):
        own = dataset.get_data_info(idx)
        for _ in range(5):
            item = dataset[idx]
            assert f'/{own["category"]}/images/' in item['cloth_unpaired_path']
            assert item['cloth_unpaired_path'] != own['cloth_path']
            assert item['cloth_mask_unpaired_path'].endswith('_1.png')


@pytest.mark.parametrize('mode,paired', [('auto', True), ('paired', True), ('unpaired', False)])
def test_test_split_pair_lists(dresscode_root, mode, paired):
    dataset = DressCodeDataset(data_root=str(dresscode_root), category=['upper_body', 'dresses'],
                               split='test', mode=mode, pipeline=inference_pipeline(SIZE))
    assert dataset.test_mode and len(dataset) == 2 * LAYOUT_TEST
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        same = info['person_name'][:-6] == info['cloth_name'][:-6]
        assert same == paired and info['paired'] == paired
    assert ('gt_person' in dataset[0]['data_samples']) == paired


def test_masks_are_needed_and_named(dresscode_copy):
    for category in CATEGORIES:
        for mask in (dresscode_copy / category / 'cloth_mask').iterdir():
            mask.unlink()
        (dresscode_copy / category / 'cloth_mask').rmdir()
    with pytest.raises(MissingDataFileError, match='make_cloth_masks.py') as err:
        DressCodeDataset(data_root=str(dresscode_copy), pipeline=dresscode_train_pipeline(SIZE))
    assert err.value.path.endswith('upper_body/cloth_mask') and '\n' not in str(err.value)
    # a pipeline without masks does not need them
    DressCodeDataset(data_root=str(dresscode_copy),
                     pipeline=[dict(type='LoadTryOnImage', keys=['person', 'cloth'])])
    with pytest.raises(TypeError, match='folders='):
        DressCodeDataset(data_root=str(dresscode_copy), data_prefix={})
    with pytest.raises(ValueError, match='category'):
        DressCodeDataset(data_root=str(dresscode_copy), category='shoes')
