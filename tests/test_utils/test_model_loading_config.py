"""The one config loader: ``num_workers=0`` turns persistent workers off."""
import os.path as osp

from tests.conftest import REPO_ROOT
from vtonbox.utils.model_loading import load_config


def test_persistent_workers_are_dropped_without_workers():
    config = osp.join(REPO_ROOT, 'configs', 'pbafn_tryon.py')
    cfg = load_config(config)
    assert cfg.train_dataloader.persistent_workers and cfg.train_dataloader.num_workers > 0
    cfg = load_config(config, {'train_dataloader.num_workers': 0})
    assert cfg.train_dataloader.persistent_workers is False
