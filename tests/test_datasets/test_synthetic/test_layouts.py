"""Synthetic data in the VITON-HD and DressCode layouts: the release file formats,
written from the same drawn samples, deterministic by seed."""
import filecmp
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from tests.test_datasets.conftest import LAYOUT_HEIGHT, LAYOUT_TRAIN, LAYOUT_WIDTH, SEED
from vtonbox.datasets import make_synthetic_viton, read_pair_list
from vtonbox.datasets.labels import ATR_CLASSES, CATEGORIES, CIHP_CLASSES, PARSING_CLASSES
from vtonbox.datasets.readers import read_gray, read_image, read_label_map
from vtonbox.datasets.synthetic import make_synthetic, render_sample
from vtonbox.datasets.synthetic.formats import body25_keypoints, label_palette

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SIZE = (LAYOUT_HEIGHT, LAYOUT_WIDTH)


def _files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, names in os.walk(root)
                  for f in names)


def test_viton_hd_release_formats(viton_hd_root):
    drawn = render_sample(SEED, 'train', 0, *SIZE)
    train = viton_hd_root / 'train'
    assert read_pair_list(str(viton_hd_root / 'train_pairs.txt')) == [
        (f'{i:06d}_00.jpg', f'{i:06d}_00.jpg') for i in range(LAYOUT_TRAIN)]
    test_pairs = read_pair_list(str(viton_hd_root / 'test_pairs.txt'))
    assert all(p != c for p, c in test_pairs)
    with Image.open(train / 'image-parse-v3' / '000000_00.png') as parsing:
        assert parsing.mode == 'P' and parsing.size == (LAYOUT_WIDTH, LAYOUT_HEIGHT)
        ids = np.array(parsing)
    names = {CIHP_CLASSES[i] for i in np.unique(ids)}
    assert names == {PARSING_CLASSES[i] for i in np.unique(drawn.parsing)}
    assert 'upper_clothes' in names
    assert np.array_equal(ids == CIHP_CLASSES.index('upper_clothes'), drawn.garment_mask)
    pose = json.loads((train / 'openpose_json' / '000000_00_keypoints.json').read_text())
    rows = np.array(pose['people'][0]['pose_keypoints_2d']).reshape(25, 3)
    assert np.abs(rows - body25_keypoints(drawn.keypoints)).max() < 0.01
    rendering = read_image(str(train / 'image-densepose' / '000000_00.jpg'))
    assert rendering.shape == (*SIZE, 3) and rendering[drawn.densepose == 0].mean() < 8
    assert np.array_equal(read_gray(str(train / 'cloth-mask' / '000000_00.jpg')) >= 128,
                          drawn.cloth_mask >= 128)
    assert len(set(map(tuple, label_palette()[:20]))) == 20


def test_dresscode_release_formats(dresscode_root):
    for code, category in enumerate(CATEGORIES):
        root = dresscode_root / category
        assert sorted(os.listdir(root)) == sorted(
            ['images', 'keypoints', 'label_maps', 'dense', 'cloth_mask', 'train_pairs.txt',
             'test_pairs_paired.txt', 'test_pairs_unpaired.txt'])
        drawn = render_sample(SEED, 'train', 1, *SIZE, stream=code)
        stem = f'{code}000001'
        labels = read_label_map(str(root / 'label_maps' / f'{stem}_4.png'), len(ATR_CLASSES))
        garment = dict(upper_body='upper_clothes', lower_body='pants', dresses='dress')[category]
        assert (labels == ATR_CLASSES.index(garment)).any()
        assert (labels == ATR_CLASSES.index('dress')).any() == (category == 'dresses')
        rows = json.loads((root / 'keypoints' / f'{stem}_2.json').read_text())['keypoints']
        assert len(rows) == 18 and all(len(r) == 4 for r in rows)
        frame_xy = drawn.keypoints[:, :2] * np.array([384 / LAYOUT_WIDTH, 512 / LAYOUT_HEIGHT])
        assert np.abs(np.array(rows)[:, :2] - frame_xy).max() < 0.01
        dense = np.array(Image.open(root / 'dense' / f'{stem}_5.png'))
        assert np.array_equal(dense, drawn.densepose)
        assert read_pair_list(str(root / 'test_pairs_paired.txt'))[0] == (
            f'{code}900000_0.jpg', f'{code}900000_1.jpg')


def test_dresscode_keypoints_stay_in_the_384x512_frame(tmp_path):
    """At 128 x 96 on disk the stored coordinates are 4 times the pixel ones."""
    make_synthetic(str(tmp_path), 'dresscode', 1, 0, SEED, 128, 96, category='dresses',
                   cloth_masks=False)
    rows = json.loads((tmp_path / 'dresses' / 'keypoints' / '2000000_2.json').read_text())
    drawn = render_sample(SEED, 'train', 0, 128, 96, stream=2)
    visible = drawn.keypoints[:, 0] > 1
    assert np.allclose(np.array(rows['keypoints'])[visible, :2], drawn.keypoints[visible, :2] * 4,
                       atol=0.02)
    assert not (tmp_path / 'dresses' / 'cloth_mask').exists()
    assert not (tmp_path / 'upper_body').exists()


@pytest.mark.parametrize('layout', ['viton-hd', 'dresscode'])
def test_same_seed_same_bytes(tmp_path, layout):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    for root, seed in ((a, 5), (b, 5), (c, 6)):
        make_synthetic(root, layout, 1, 1, seed, 64, 64)
    files = _files(a)
    assert files == _files(b) == _files(c)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    assert filecmp.cmpfiles(a, c, files, shallow=False)[1]
    with pytest.raises(FileExistsError):
        make_synthetic(a, layout, 1, 1, 5, 64, 64)


def _tool():
    path = osp.join(REPO_ROOT, 'tools', 'dataset', 'make_synthetic.py')
    spec = importlib.util.spec_from_file_location('make_synthetic_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tool_default_layout_is_unchanged_viton(tmp_path, capsys):
    tool = _tool()
    tool.main([str(tmp_path / 'tool'), '--num-train', '1', '--num-test', '1', '--height', '64',
               '--width', '64', '--seed', '2'])
    make_synthetic_viton(str(tmp_path / 'lib'), 1, 1, seed=2, height=64, width=64)
    files = _files(tmp_path / 'lib')
    assert files == _files(tmp_path / 'tool')
    assert not filecmp.cmpfiles(tmp_path / 'lib', tmp_path / 'tool', files, shallow=False)[1]
    assert 'viton layout' in capsys.readouterr().out


def test_tool_layouts_and_errors(tmp_path, capsys):
    tool = _tool()
    tool.main([str(tmp_path / 'hd'), '--layout', 'viton-hd', '--num-train', '1', '--num-test',
               '0', '--height', '64', '--width', '64'])
    assert (tmp_path / 'hd' / 'train' / 'image-densepose' / '000000_00.jpg').is_file()
    tool.main([str(tmp_path / 'dc'), '--layout', 'dresscode', '--category', 'lower_body',
               '--num-train', '1', '--num-test', '1', '--height', '64', '--width', '64',
               '--no-cloth-masks'])
    assert (tmp_path / 'dc' / 'lower_body' / 'dense' / '1900000_5.png').is_file()
    assert 'per category' in capsys.readouterr().out
    args = tool.parse_args([str(tmp_path / 'x'), '--layout', 'dresscode'])
    assert (args.height, args.width) == (512, 384)
    with pytest.raises(tool.UserError, match='DressCode options'):
        tool.check_args(tool.parse_args([str(tmp_path / 'x'), '--category', 'dresses']))
