"""Resuming is bit-exact: N epochs straight == N/2 epochs, stop, resume for N/2 (CPU)."""
import os.path as osp

import torch
from mmengine.runner import Runner

from tests.helpers.stage_configs import stage_config
from vtonbox.utils import register_all_modules


def _student_warp_config(data_root, work_dir, epochs):
    cfg = stage_config('pfafn_warp', data_root, osp.dirname(work_dir), epochs=epochs)
    cfg.work_dir = work_dir
    cfg.model.pop('init_cfg')
    cfg.model.teacher.checkpoint = None  # a random (but seeded) teacher still makes tutors
    cfg.randomness = dict(seed=7, deterministic=True)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = 3
    for hook in cfg.custom_hooks:
        if hook['type'] == 'TrainableScheduleHook':
            hook['switch_epoch'] = 1  # partial training in epoch 1, everything in epoch 2
    return cfg


def test_resume_is_bit_exact(tiny_synthetic, tmp_path, unformatted_config_text):
    register_all_modules()
    straight = Runner.from_cfg(_student_warp_config(tiny_synthetic, str(tmp_path / 'a'), 2))
    straight.train()

    # The same run, stopped after its first epoch ...
    Runner.from_cfg(_student_warp_config(tiny_synthetic, str(tmp_path / 'b'), 1)).train()
    # ... and resumed for the second.
    cfg = _student_warp_config(tiny_synthetic, str(tmp_path / 'b'), 2)
    cfg.resume = True
    cfg.load_from = str(tmp_path / 'b' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    resumed.train()

    a = straight.model.state_dict()
    b = resumed.model.state_dict()
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'
    # Both runs really trained and changed the weights.
    start = torch.load(str(tmp_path / 'b' / 'epoch_1.pth'), map_location='cpu',
                       weights_only=True)['state_dict']
    assert any(not torch.equal(start[k], b[k]) for k in b if k in start)
