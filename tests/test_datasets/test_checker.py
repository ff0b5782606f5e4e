"""check_dataset and its CLI: a clean set passes, each corruption is named exactly."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from vtonbox.datasets import DataFileError, MissingDataFileError, VITONDataset, check_dataset
from vtonbox.datasets.readers import check_header

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'dataset', 'check_dataset.py')
PIPELINE = [
    dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
    dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired']),
    dict(type='LoadParsing'),
    dict(type='LoadPoseKeypoints'),
    dict(type='LoadDensePose'),
    dict(type='ResizePad', size=(128, 96)),
    dict(type='BinarizeMask'),
    dict(type='PackTryOnInputs'),
]


def _tool():
    spec = importlib.util.spec_from_file_location('check_dataset_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_accepts_clean_dataset(synthetic_root, capsys):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, TOOL, str(synthetic_root), '--split', 'train'],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'OK: no problems found' in proc.stdout
    # The test split through its pair list, in-process (one subprocess is enough).
    assert _tool().main([str(synthetic_root), '--split', 'test', '--ann-file',
                         'test_pairs.txt']) == 0
    assert 'checked 2 samples' in capsys.readouterr().out


def _truncate_jpeg(root):
    path = root / 'train_img' / '000001_0.jpg'
    data = path.read_bytes()
    path.write_bytes(data[:len(data) * 2 // 3])
    return path


def _remove_pose(root):
    path = root / 'train_pose' / '000002_0_keypoints.json'
    path.unlink()
    return path


def _wrong_size_mask(root):
    path = root / 'train_edge' / '000003_1.jpg'
    mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(path), cv2.resize(mask, (80, 100), interpolation=cv2.INTER_NEAREST))
    return path


@pytest.mark.parametrize('corrupt,index', [(_truncate_jpeg, 1), (_remove_pose, 2),
                                           (_wrong_size_mask, 3)])
def test_corruption_is_named(synthetic_copy, capsys, corrupt, index):
    path = str(corrupt(synthetic_copy))
    assert _tool().main([str(synthetic_copy), '--split', 'train']) == 1
    out = capsys.readouterr().out
    problems = [line.strip() for line in out.splitlines() if line.startswith('  ')]
    assert len(problems) == 1 and problems[0].startswith(f'{path}: '), out
    if corrupt in (_truncate_jpeg, _remove_pose):  # found by the start-up check
        with pytest.raises(DataFileError, match=path):
            VITONDataset(data_root=str(synthetic_copy), pipeline=PIPELINE)
        return
    dataset = VITONDataset(data_root=str(synthetic_copy), pipeline=PIPELINE)
    with pytest.raises(DataFileError) as err:
        dataset[index]
    assert err.value.path == path


def test_other_checks(synthetic_copy):
    root = synthetic_copy
    mask = root / 'train_edge' / '000000_1.jpg'
    cv2.imwrite(str(mask), np.full((128, 96), 128, np.uint8))
    parsing = root / 'train_label' / '000001_0.png'
    cv2.imwrite(str(parsing), np.full((128, 96), 20, np.uint8))
    densepose = root / 'train_densepose' / '000002_0.npy'
    np.save(densepose, np.full((128, 96), 30, np.uint8))
    pose = root / 'train_pose' / '000003_0_keypoints.json'
    pose.write_text(json.dumps({'people': [{'pose_keypoints': [1, 2, 3]}]}))
    report = check_dataset(str(root), 'train')
    reasons = {p.path: p.reason for p in report.problems}
    assert not report.ok and len(reasons) == 4
    assert 'not binary' in reasons[str(mask)]
    assert 'outside [0, 13]' in reasons[str(parsing)]
    assert 'outside [0, 24]' in reasons[str(densepose)]
    assert '54' in reasons[str(pose)]


def test_pairs_and_listing(synthetic_copy):
    root = synthetic_copy
    (root / 'bad_pairs.txt').write_text('000000_0.jpg 123456_1.jpg\n')
    report = check_dataset(str(root), 'train', ann_file='bad_pairs.txt')
    paths = sorted(p.path for p in report.problems)
    assert paths == [str(root / 'train_color' / '123456_1.jpg'),
                     str(root / 'train_edge' / '123456_1.jpg')]
    (root / 'train_color' / '000003_1.jpg').unlink()
    report = check_dataset(str(root), 'train')
    assert not report.ok and '4 person images' in report.problems[0].reason
    missing = check_dataset(str(root / 'nowhere'), 'train')
    assert not missing.ok and 'not found' in missing.summary()


def test_worker_error_names_the_file(synthetic_copy):
    """A bad file read in a dataloader worker surfaces as DataFileError with its path."""
    path = str(_truncate_jpeg(synthetic_copy))
    dataset = VITONDataset(data_root=str(synthetic_copy), check_files=False,
                           pipeline=[dict(type='LoadTryOnImage', keys=['person'])])
    loader = DataLoader(dataset, batch_size=2, num_workers=1, collate_fn=pseudo_collate)
    with pytest.raises(DataFileError, match=path):
        for _ in loader:
            pass


def _encoded(ext):
    image = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    return cv2.imencode(ext, image)[1].tobytes()


@pytest.mark.parametrize('kind,content,reason', [
    ('image', lambda: _encoded('.jpg'), None),
    ('image', lambda: _encoded('.png'), None),
    ('image', lambda: _encoded('.bmp'), None),
    ('image', lambda: _encoded('.webp'), None),
    ('label_map', lambda: _encoded('.png'), None),
    ('json', lambda: b'\xef\xbb\xbf  {"people": []}', None),
    ('npy', lambda: b'\x93NUMPY\x01\x00' + b' ' * 40, None),
    ('image', lambda: b'', 'empty file (0 bytes)'),
    ('image', lambda: b'{"error": "quota"}', "the text '{\"error\": \"q'"),
    ('image', lambda: _encoded('.png')[:8] + bytes(range(40)), 'no IHDR chunk'),
    ('image', lambda: _encoded('.jpg')[:300], 'truncated or corrupt JPEG'),
    ('image', lambda: _encoded('.png')[:-12], 'truncated or corrupt PNG'),
    ('label_map', lambda: _encoded('.png')[:300], 'truncated or corrupt PNG'),
    ('image', lambda: _encoded('.bmp')[:500], 'truncated BMP: 500 bytes'),
    ('image', lambda: _encoded('.webp')[:20], 'truncated WebP: 20 bytes'),
    ('json', lambda: b'[1, 2, 3]', 'not a JSON object'),
    ('npy', lambda: _encoded('.png'), 'not a NumPy .npy file'),
])
def test_check_header(tmp_path, kind, content, reason):
    """The cheap start-up check: accepts every supported format, names each defect."""
    path = tmp_path / 'file.bin'
    path.write_bytes(content())
    if reason is None:
        check_header(str(path), kind)
        return
    with pytest.raises(DataFileError) as err:
        check_header(str(path), kind)
    assert err.value.path == str(path) and reason in err.value.reason
    with pytest.raises(MissingDataFileError):
        check_header(str(tmp_path / 'absent.jpg'), kind)
