"""The base dataset configs build on the synthetic data; the dataset tools run."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from vtonbox.registry import DATASETS

from .conftest import NUM_TEST, NUM_TRAIN

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')


def _load_tool(*parts):
    path = osp.join(REPO_ROOT, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(parts[-1][:-3] + '_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name,size', [('synthetic_viton.py', (128, 96)),
                                       ('viton.py', (256, 192))])
def test_config_dataloaders_build(synthetic_root, name, size):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    assert cfg.img_size == size
    assert cfg.train_dataloader.collate_fn == dict(type='tryon_collate')
    assert cfg.train_dataloader.sampler == dict(type='DefaultSampler', shuffle=True)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds_cfg = cfg[key].dataset
        ds_cfg.data_root = str(synthetic_root)
        if name == 'viton.py' and key != 'train_dataloader':
            ds_cfg.data_prefix.cloth = 'test_color'  # synthetic keeps the train names
        dataset = DATASETS.build(ds_cfg)
        assert len(dataset) == (NUM_TRAIN if key == 'train_dataloader' else NUM_TEST)
        item = dataset[0]
        assert item['inputs']['person'].shape == (3, *size)
        assert item['inputs']['person'].dtype == torch.uint8
        if key == 'train_dataloader':
            # pose map and DensePose one-hot are built on the device by the preprocessor
            assert item['inputs']['pose_keypoints'].shape == (18, 3)
            assert item['inputs']['densepose'].shape[-2:] == size
            assert 'deferred_inputs' in item['data_samples'].metainfo
            assert 'cloth_mask_unpaired' in item['inputs']
        else:
            assert ('gt_person' in item['data_samples']) == (key == 'val_dataloader')


def test_make_synthetic_tool(tmp_path, capsys):
    tool = _load_tool('dataset', 'make_synthetic.py')
    tool.main([str(tmp_path), '--num-train', '1', '--num-test', '1', '--height', '64',
               '--width', '64', '--seed', '3'])
    assert 'wrote 1 train + 1 test samples' in capsys.readouterr().out
    assert (tmp_path / 'train_img' / '000000_0.jpg').is_file()
    assert (tmp_path / 'test_densepose' / '900000_0.npy').is_file()


def test_benchmark_tool_runs(synthetic_root, capsys):
    tool = _load_tool('analysis', 'benchmark_dataloader.py')
    tool.main([str(synthetic_root), '--num-workers', '0', '--iters', '1', '--batch-size', '2'])
    assert 'items/s' in capsys.readouterr().out
