"""The synthetic VITON generator: files, determinism, modality alignment."""
import filecmp
import json
import os

import cv2
import numpy as np
import pytest

from tests.test_datasets.conftest import HEIGHT, NUM_TEST, NUM_TRAIN, WIDTH
from vtonbox.datasets import make_synthetic_viton, read_pair_list
from vtonbox.datasets.labels import PARSING_IDS
from vtonbox.datasets.readers import read_image, read_label_map, read_pose_keypoints
from vtonbox.datasets.synthetic import render_sample
from vtonbox.datasets.transforms import visible_keypoints

FOLDERS = ('img', 'color', 'edge', 'label', 'pose', 'densepose')


def _all_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_layout_and_pair_lists(synthetic_root):
    for split, count in (('train', NUM_TRAIN), ('test', NUM_TEST)):
        for folder in FOLDERS:
            assert len(os.listdir(synthetic_root / f'{split}_{folder}')) == count
    person = read_image(str(synthetic_root / 'train_img' / '000000_0.jpg'))
    assert person.shape == (HEIGHT, WIDTH, 3)
    train = read_pair_list(str(synthetic_root / 'train_pairs.txt'))
    assert train == [(f'{i:06d}_0.jpg', f'{i:06d}_1.jpg') for i in range(NUM_TRAIN)]
    unpaired = read_pair_list(str(synthetic_root / 'test_pairs.txt'))
    paired = read_pair_list(str(synthetic_root / 'test_pairs_paired.txt'))
    assert [p for p, _ in unpaired] == [p for p, _ in paired]
    assert all(p[:-6] != c[:-6] for p, c in unpaired)
    assert all(p[:-6] == c[:-6] for p, c in paired)
    content = json.loads((synthetic_root / 'train_pose' / '000000_0_keypoints.json').read_text())
    assert len(content['people'][0]['pose_keypoints']) == 54


def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    a, b, c = (str(tmp_path / name) for name in 'abc')
    make_synthetic_viton(a, 2, 1, seed=7, height=64, width=64)
    make_synthetic_viton(b, 2, 1, seed=7, height=64, width=64)
    make_synthetic_viton(c, 2, 1, seed=8, height=64, width=64)
    files = _all_files(a)
    assert files == _all_files(b) == _all_files(c)
    match, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors and len(match) == len(files)
    _, differ, _ = filecmp.cmpfiles(a, c, files, shallow=False)
    assert any(f.endswith('_0.jpg') for f in differ)
    assert any(f.endswith('_1.jpg') for f in differ)


def test_refuses_to_mix_with_existing_data(tmp_path):
    make_synthetic_viton(str(tmp_path), 1, 1, seed=0, height=64, width=64)
    with pytest.raises(FileExistsError, match='train_img'):
        make_synthetic_viton(str(tmp_path), 1, 1, seed=0, height=64, width=64)
    make_synthetic_viton(str(tmp_path), 2, 0, seed=0, height=64, width=64, overwrite=True)
    assert len(os.listdir(tmp_path / 'train_img')) == 2


def test_garment_is_a_warp_of_the_product_cloth():
    sample = render_sample(seed=3, split='train', index=0, height=HEIGHT, width=WIDTH)
    other = render_sample(seed=3, split='train', index=1, height=HEIGHT, width=WIDTH)
    garment = sample.garment_mask
    assert np.array_equal(garment, sample.parsing == PARSING_IDS['upper_clothes'])
    assert garment.sum() > 0.05 * garment.size
    # Visible garment pixels are part of the warped product cloth mask.
    assert np.all(sample.warped_mask[garment])
    # The worn pixels are the warped cloth (up to shading), not some other cloth.
    person = sample.person.astype(np.float32)
    own = np.abs(person - sample.warped_cloth)[garment].mean()
    foreign = np.abs(person - other.warped_cloth)[garment].mean()
    assert own < 20 and own < foreign / 2


def test_files_align(synthetic_root):
    """Parsing upper clothes covers the garment colours; keypoints lie on the body."""
    for index in range(NUM_TRAIN):
        stem = f'{index:06d}'
        person = read_image(str(synthetic_root / 'train_img' / f'{stem}_0.jpg'))
        cloth = read_image(str(synthetic_root / 'train_color' / f'{stem}_1.jpg'))
        mask = cv2.imread(str(synthetic_root / 'train_edge' / f'{stem}_1.jpg'), 0) > 127
        parsing = read_label_map(str(synthetic_root / 'train_label' / f'{stem}_0.png'))
        keypoints = read_pose_keypoints(
            str(synthetic_root / 'train_pose' / f'{stem}_0_keypoints.json'))
        densepose = np.load(synthetic_root / 'train_densepose' / f'{stem}_0.npy')
        assert parsing.shape == densepose.shape == person.shape[:2]
        garment = parsing == PARSING_IDS['upper_clothes']
        # Mean colour of the garment in the photo matches the product cloth's colour.
        worn_mean = person[garment].astype(np.float32).mean(0)
        cloth_mean = cloth[mask].astype(np.float32).mean(0)
        background_mean = person[parsing == 0].astype(np.float32).mean(0)
        assert np.abs(worn_mean - cloth_mean).max() < 40
        assert np.abs(worn_mean - cloth_mean).sum() < np.abs(background_mean - cloth_mean).sum()
        visible = visible_keypoints(keypoints)
        assert visible[:8].all()  # head, neck, shoulders, elbows, wrists are in frame
        xy = np.floor(keypoints[visible, :2] + 0.5).astype(int)
        assert np.all(parsing[xy[:, 1], xy[:, 0]] > 0)
        # DensePose marks the body: every parsed body part except hair/clothes edges.
        arms = np.isin(parsing, (PARSING_IDS['left_arm'], PARSING_IDS['right_arm']))
        assert np.all(np.isin(densepose[arms], (3, 4, 15, 16, 19, 20)))


def test_person_sides_follow_openpose():
    """Person's right (OpenPose 2-4, parsing 13) is on the image left."""
    for index in range(3):
        sample = render_sample(seed=0, split='test', index=index, height=HEIGHT, width=WIDTH)
        kp = sample.keypoints
        assert kp[2, 0] < kp[5, 0] and kp[14, 0] < kp[15, 0]
        xy = np.floor(kp[[3, 6], :2] + 0.5).astype(int)  # elbows lie on their own arm
        assert sample.parsing[xy[0, 1], xy[0, 0]] in (PARSING_IDS['right_arm'],
                                                        PARSING_IDS['upper_clothes'])
        assert sample.parsing[xy[1, 1], xy[1, 0]] in (PARSING_IDS['left_arm'],
                                                        PARSING_IDS['upper_clothes'])
