"""VITON-HD and DressCode through the start-up check and the dataset checker: each
defect is one line naming the file (missing folder, missing file, unreadable file, bad
pair line), as for VITON."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.helpers.dataset_pipelines import dresscode_train_pipeline, viton_hd_train_pipeline
from vtonbox.datasets import (
    DataFileError,
    DressCodeDataset,
    MissingDataFileError,
    VITONHDDataset,
    check_dataset,
)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZE = (256, 192)
LAYOUTS = ('viton-hd', 'dresscode')
#: Per layout: the files of the first training sample and its pair list.
FILES = {
    'viton-hd': dict(cloth_mask='train/cloth-mask', parsing='train/image-parse-v3/000000_00.png',
                     person='train/image/000001_00.jpg', pairs='train_pairs.txt'),
    'dresscode': dict(cloth_mask='lower_body/cloth_mask',
                      parsing='dresses/label_maps/2000000_4.png',
                      person='upper_body/images/0000001_0.jpg',
                      pairs='lower_body/train_pairs.txt'),
}


def _tool():
    path = osp.join(REPO_ROOT, 'tools', 'dataset', 'check_dataset.py')
    spec = importlib.util.spec_from_file_location('check_dataset_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _root(layout, request):
    return request.getfixturevalue('viton_hd_copy' if layout == 'viton-hd' else 'dresscode_copy')


def _dataset(layout, root):
    if layout == 'viton-hd':
        return VITONHDDataset(data_root=str(root), pipeline=viton_hd_train_pipeline(SIZE))
    return DressCodeDataset(data_root=str(root), pipeline=dresscode_train_pipeline(SIZE))


def _check(layout, root, capsys):
    """Run the checker CLI; returns (exit code, problem lines)."""
    code = _tool().main([str(root), '--layout', layout, '--split', 'train'])
    out = capsys.readouterr().out
    return code, [line.strip() for line in out.splitlines() if line.startswith('  ')], out


@pytest.mark.parametrize('layout', LAYOUTS)
def test_clean_data_passes(layout, request, capsys):
    root = _root(layout, request)
    code, problems, out = _check(layout, root, capsys)
    assert code == 0 and not problems and 'OK: no problems found' in out, out
    assert len(_dataset(layout, root)) > 0


@pytest.mark.parametrize('layout', LAYOUTS)
def test_missing_folder(layout, request, capsys):
    root = _root(layout, request)
    folder = root / FILES[layout]['cloth_mask']
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    with pytest.raises(MissingDataFileError) as err:
        _dataset(layout, root)
    assert err.value.path == str(folder) and '\n' not in str(err.value)
    assert 'folder of cloth_mask not found' in str(err.value)
    code, problems, out = _check(layout, root, capsys)
    assert code == 1 and problems == [p for p in problems if p.startswith(f'{folder}: ')]
    assert len(problems) == 1 and 'folder of cloth_mask not found' in problems[0], out


@pytest.mark.parametrize('layout', LAYOUTS)
def test_missing_file(layout, request, capsys):
    root = _root(layout, request)
    path = root / FILES[layout]['parsing']
    path.unlink()
    with pytest.raises(MissingDataFileError, match='1 data file') as err:
        _dataset(layout, root)
    assert err.value.path == str(path) and '\n' not in str(err.value)
    code, problems, _ = _check(layout, root, capsys)
    assert code == 1 and problems == [f'{path}: file not found']


@pytest.mark.parametrize('layout', LAYOUTS)
def test_unreadable_file(layout, request, capsys):
    root = _root(layout, request)
    path = root / FILES[layout]['person']
    path.write_text('<html>403 Forbidden</html>\n')
    with pytest.raises(DataFileError, match='starts with the text') as err:
        _dataset(layout, root)
    assert err.value.path == str(path) and '\n' not in str(err.value)
    code, problems, _ = _check(layout, root, capsys)
    assert code == 1 and len(problems) == 1 and problems[0].startswith(f'{path}: not a JPEG')


@pytest.mark.parametrize('layout', LAYOUTS)
def test_bad_pair_line(layout, request, capsys):
    root = _root(layout, request)
    pairs = root / FILES[layout]['pairs']
    lines = pairs.read_text().splitlines()
    pairs.write_text('\n'.join([lines[0], lines[1] + ' extra']) + '\n')
    with pytest.raises(ValueError, match=f'{pairs}:2: expected "person.jpg cloth.jpg"') as err:
        _dataset(layout, root)
    assert '\n' not in str(err.value)
    code, problems, _ = _check(layout, root, capsys)
    assert code == 1 and len(problems) == 1 and f'{pairs}:2: expected' in problems[0]


def test_dresscode_pair_names(dresscode_copy, capsys):
    pairs = dresscode_copy / 'dresses' / 'train_pairs.txt'
    pairs.write_text('2000000_0.jpg 2000000.jpg\n')
    with pytest.raises(ValueError, match=r"cloth '2000000.jpg' is not named <id>_1.jpg"):
        _dataset('dresscode', dresscode_copy)
    code, problems, _ = _check('dresscode', dresscode_copy, capsys)
    assert code == 1 and 'is not named <id>_1.jpg' in problems[0]


def test_optional_folder_is_skipped_by_the_checker_but_needed_by_the_loader(
        viton_hd_copy, capsys):
    folder = viton_hd_copy / 'train' / 'openpose_json'
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    code, problems, out = _check('viton-hd', viton_hd_copy, capsys)
    assert code == 0 and f'note: skipped pose: folder {folder} not found' in out
    with pytest.raises(MissingDataFileError, match='folder of pose not found'):
        _dataset('viton-hd', viton_hd_copy)


def test_decode_checks_of_the_layout_formats(viton_hd_copy, dresscode_copy):
    """Label ids are checked against CIHP / ATR, keypoints against BODY_25 / DressCode."""
    parsing = viton_hd_copy / 'train' / 'image-parse-v3' / '000001_00.png'
    cv2.imwrite(str(parsing), np.full((512, 384), 20, np.uint8))
    pose = viton_hd_copy / 'train' / 'openpose_json' / '000000_00_keypoints.json'
    pose.write_text(json.dumps({'people': [{'pose_keypoints_2d': list(range(54))}]}))
    reasons = {p.path: p.reason for p in check_dataset(str(viton_hd_copy), layout='viton-hd')
               .problems}
    assert 'outside [0, 19]' in reasons.pop(str(parsing))
    assert '75 keypoint values, got 54' in reasons.pop(str(pose)) and not reasons
    labels = dresscode_copy / 'lower_body' / 'label_maps' / '1000000_4.png'
    cv2.imwrite(str(labels), np.full((512, 384), 18, np.uint8))
    keypoints = dresscode_copy / 'dresses' / 'keypoints' / '2000001_2.json'
    keypoints.write_text(json.dumps({'keypoints': [[1, 2]] * 17}))
    dense = dresscode_copy / 'upper_body' / 'dense' / '0000000_5.png'
    cv2.imwrite(str(dense), np.full((256, 192), 3, np.uint8))
    reasons = {p.path: p.reason for p in check_dataset(str(dresscode_copy), layout='dresscode')
               .problems}
    assert 'outside [0, 17]' in reasons.pop(str(labels))
    assert 'expected 18 keypoints, got 17' in reasons.pop(str(keypoints))
    assert 'differs from person' in reasons.pop(str(dense)) and not reasons
