"""tools/eval_folders.py end to end: prints metrics and writes the JSON record."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from vtonbox.evaluation.functional.inception import save_random_inception_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'eval_folders.py')
#: Seconds for the subprocess (imports + a few Inception passes on a shared CPU).
TOOL_TIMEOUT = 300


def _write_images(folder, seed, noise):
    folder.mkdir()
    rng = np.random.default_rng(seed)
    for index in range(2):
        coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = np.asarray(Image.fromarray(coarse).resize((64, 64), Image.BILINEAR), float)
        image = np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(folder / f'{index:06d}_0.png')


def test_eval_folders_writes_record(tmp_path):
    _write_images(tmp_path / 'real', seed=0, noise=0)
    _write_images(tmp_path / 'fake', seed=0, noise=30)
    weights = save_random_inception_weights(str(tmp_path / 'random_inception.pth'))
    out = tmp_path / 'result' / 'metrics.json'
    proc = subprocess.run(
        [sys.executable, TOOL, '--real', str(tmp_path / 'real'), '--fake', str(tmp_path / 'fake'),
         '--metrics', 'kid', 'ssim', 'psnr', '--inception-weights', weights, '--kid-subsets',
         '2', '--kid-subset-size', '2', '--cache-dir', str(tmp_path / 'cache'), '--out',
         str(out)], capture_output=True, text=True, timeout=TOOL_TIMEOUT, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'KIDx1000', 'KIDx1000_std', 'SSIM', 'PSNR'}
    assert 0 < record['metrics']['SSIM'] < 1
    assert '"PSNR"' in proc.stdout and str(out) in proc.stdout
    protocol = record['protocol']
    for key in ('dataset_root', 'split', 'pair_list_sha256', 'num_images', 'fid', 'ssim',
                'image_size', 'image_format', 'fake_dir', 'num_pairs'):
        assert key in protocol, key
    assert protocol['num_images'] == 2 and protocol['num_pairs'] == 2
    assert protocol['image_size'] == [64, 64] and protocol['image_format'] == 'png'
    assert protocol['fid']['implementation'].startswith('pytorch-fid')
    assert len(protocol['fid']['weights_sha256']) == 64
    for key in ('vtonbox_version', 'checkpoint_sha256', 'date'):
        assert key in record, key


def test_eval_folders_clear_error_for_missing_folder(tmp_path):
    spec = importlib.util.spec_from_file_location('eval_folders', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with pytest.raises(FileNotFoundError, match='image folder not found'):
        tool.main(['--real', str(tmp_path / 'nope'), '--fake', str(tmp_path), '--metrics',
                   'ssim'])
