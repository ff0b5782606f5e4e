"""make_cloth_masks (library and tool): DressCode's missing garment masks, made once."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers.dataset_pipelines import dresscode_train_pipeline
from vtonbox.datasets import DressCodeDataset, check_dataset
from vtonbox.datasets.cloth_masks import make_cloth_masks
from vtonbox.datasets.readers import read_gray
from vtonbox.datasets.synthetic import make_synthetic, render_sample

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    path = osp.join(REPO_ROOT, 'tools', 'dataset', 'make_cloth_masks.py')
    spec = importlib.util.spec_from_file_location('make_cloth_masks_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_masks_made_where_missing(tmp_path, capsys):
    root = tmp_path / 'dc'
    make_synthetic(str(root), 'dresscode', 2, 1, 0, 128, 96, cloth_masks=False)
    report = check_dataset(str(root), 'train', layout='dresscode')
    assert not report.ok and 'make_cloth_masks.py' in report.problems[0].reason
    assert _tool().main([str(root), '--category', 'upper_body']) == 0
    assert 'wrote 3 cloth masks' in capsys.readouterr().out
    mask = read_gray(str(root / 'upper_body' / 'cloth_mask' / '0000001_1.png'))
    truth = render_sample(0, 'train', 1, 128, 96).cloth_mask > 127
    assert set(np.unique(mask)) <= {0, 255}
    assert ((mask > 127) & truth).sum() / ((mask > 127) | truth).sum() > 0.98
    # only the missing ones are made; --overwrite remakes them
    assert len(make_cloth_masks(str(root))) == 6
    assert len(make_cloth_masks(str(root))) == 0
    assert len(make_cloth_masks(str(root), 'dresses', overwrite=True, workers=2)) == 3
    assert check_dataset(str(root), 'test', layout='dresscode').ok
    DressCodeDataset(data_root=str(root), pipeline=dresscode_train_pipeline((128, 96)))


def test_tool_errors(tmp_path, capsys):
    tool = _tool()
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path), '--category', 'hats'])
    with pytest.raises(tool.UserError, match='garment folder not found'):
        tool.main([str(tmp_path)])
    with pytest.raises(tool.UserError, match='DressCode folder'):
        tool.main([str(tmp_path / 'nowhere')])


def test_tool_entry_point_prints_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    missing = str(tmp_path / 'nowhere')
    result = subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'dataset',
                                                      'make_cloth_masks.py'), missing],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f'error: DressCode folder not found ({missing}): pass the folder holding upper_body/, '
        'lower_body/ and dresses/']
