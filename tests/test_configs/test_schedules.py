"""The learning rate of every training stage follows upstream PF-AFN epoch by epoch.

Upstream (``PF-AFN_train/train_*.py``) counts epochs from 1, trains epoch ``e`` at the
current lr and, after an epoch ``e > niter``, lowers it by ``lr0 / niter_decay`` (each
optimizer by its own ``lr0``: the warp optimizer of the end-to-end stages starts at 0.2x
and drops by 0.2x the step). The loop below is that code, written out; the configs'
optimizer and parameter schedulers are built as the Runner builds them and stepped as
``ParamSchedulerHook`` steps them (once after every training epoch), without training.
"""
import os.path as osp
import warnings

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT
from tests.helpers.configs import offline
from vtonbox.registry import MODELS, PARAM_SCHEDULERS
from vtonbox.utils import register_all_modules

VITON = dict(lr=5e-5, niter=50, niter_decay=50)          # upstream's defaults
STAGE3 = dict(lr=3e-5, niter=100, niter_decay=100)       # train_PFAFN_stage1.py overrides
SYNTHETIC = dict(lr=2e-4, niter=3, niter_decay=1)        # the CPU-sized schedule
WARP_MULT = 0.2  # the warp's lr relative to the generator's in stages 2 and 4

# config -> (upstream schedule, lr multiplier of the `warp_model.*` parameters)
STAGES = {
    'configs/pbafn_warp.py': (VITON, 1.0),
    'configs/pbafn_tryon.py': (VITON, WARP_MULT),
    'configs/pfafn_warp.py': (STAGE3, 1.0),
    'configs/pfafn_student.py': (VITON, WARP_MULT),
    'configs/cpvton_gmm.py': (VITON, 1.0),  # not upstream: one lr, the PB-AFN schedule
}
STAGES.update({path.replace('configs/', 'configs/synthetic/'): (SYNTHETIC, mult)
               for path, (_, mult) in STAGES.items()})


def upstream_lrs(lr, niter, niter_decay):
    """lr of each epoch, in training order, as upstream's loop sets it."""
    lrs, old_lr = [], lr
    for epoch in range(1, niter + niter_decay + 1):
        lrs.append(old_lr)  # ... the epoch trains at old_lr ...
        if epoch > niter:   # model.update_learning_rate(optimizer)
            old_lr = old_lr - lr / niter_decay
    return lrs


def test_upstream_formula():
    lrs = upstream_lrs(lr=1.0, niter=3, niter_decay=4)
    assert lrs == pytest.approx([1, 1, 1, 1, 0.75, 0.5, 0.25])


def build_schedule(cfg):
    """(named trainable parameters, optim wrapper, param schedulers) of a config."""
    register_all_modules()
    init_default_scope('vtonbox')
    # Parameters without storage: the optimizer and schedulers only read their groups.
    with torch.device('meta'):
        model = MODELS.build(offline(cfg.model.to_dict()))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = []
    for scheduler_cfg in cfg.param_scheduler:
        scheduler_cfg = dict(scheduler_cfg)
        assert scheduler_cfg.get('by_epoch', True), 'upstream steps once per epoch'
        assert not scheduler_cfg.get('convert_to_iter_based', False)
        schedulers.append(PARAM_SCHEDULERS.build(
            scheduler_cfg, default_args=dict(optimizer=optim_wrapper)))
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    return params, optim_wrapper, schedulers


@pytest.mark.parametrize('config', sorted(STAGES))
def test_lr_per_epoch_matches_upstream(config):
    (schedule, warp_mult) = STAGES[config]
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    max_epochs = schedule['niter'] + schedule['niter_decay']
    assert cfg.train_cfg.max_epochs == max_epochs
    params, optim_wrapper, schedulers = build_schedule(cfg)
    expected = upstream_lrs(**schedule)
    # parameter -> its group's index, and the multiplier upstream applies to it
    group_of = {id(p): i for i, group in enumerate(optim_wrapper.param_groups)
                for p in group['params']}
    mult = {name: warp_mult if name.startswith('warp_model.') else 1.0 for name in params}
    assert set(mult.values()) == {1.0, warp_mult} or warp_mult == 1.0

    got = {name: [] for name in params}
    with warnings.catch_warnings():
        # no optimizer.step() between scheduler steps: nothing is trained here
        warnings.filterwarnings('ignore', message='.*optimizer.step()')
        for _ in range(max_epochs):
            for name, p in params.items():
                got[name].append(optim_wrapper.param_groups[group_of[id(p)]]['lr'])
            for scheduler in schedulers:
                scheduler.step()
    for name, lrs in got.items():
        want = [lr * mult[name] for lr in expected]
        epochs = [k for k, (g, w) in enumerate(zip(lrs, want))
                  if g != pytest.approx(w, rel=1e-9, abs=0)]
        assert not epochs, (
            f'{name}: lr differs from upstream in 0-based epochs {epochs}; '
            f'(epoch, vtonbox, upstream): '
            f'{[(k, lrs[k], want[k]) for k in epochs[:4]]} ...')
    # the last epoch still trains (upstream: lr0 / niter_decay), nothing trains at 0
    assert min(min(lrs) for lrs in got.values()) > 0


def hook_cfg(cfg, hook_type):
    hooks = [h for h in cfg.custom_hooks if h['type'] == hook_type]
    assert len(hooks) == 1, f'{hook_type}: {hooks}'
    return hooks[0]


@pytest.mark.parametrize('config,hook_type', [
    ('configs/pfafn_warp.py', 'TrainableScheduleHook'),
    ('configs/synthetic/pfafn_warp.py', 'TrainableScheduleHook'),
    ('configs/pfafn_student.py', 'LossWeightSwitchHook'),
    ('configs/synthetic/pfafn_student.py', 'LossWeightSwitchHook'),
])
def test_switch_epochs_match_upstream(config, hook_type):
    """Upstream switches (stage 3: to the full optimizer, stage 4: to the higher skin
    weights) when the 1-based epoch reaches niter: 0-based epoch niter - 1."""
    schedule, _ = STAGES[config]
    hook = hook_cfg(Config.fromfile(osp.join(REPO_ROOT, config)), hook_type)
    assert hook['switch_epoch'] == schedule['niter'] - 1
    if hook_type == 'TrainableScheduleHook':
        # upstream's full optimizer is a new Adam: no moments from the partial phase
        assert hook['reset_optimizer'] is True


def test_linear_decay_is_proportional_for_any_lr_mult():
    """LinearLR scales every group by the same factor: the 0.2x warp group stays 0.2x."""
    p1, p2 = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/schedules/adam_linear_decay_100e.py'))
    optimizer = torch.optim.Adam([dict(params=[p1]), dict(params=[p2], lr=cfg.lr * 0.2)],
                                 lr=cfg.lr)
    register_all_modules()
    init_default_scope('vtonbox')
    scheduler = PARAM_SCHEDULERS.build(dict(cfg.param_scheduler[0]),
                                       default_args=dict(optimizer=optimizer))
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='.*optimizer.step()')
        for _ in range(cfg.max_epochs):
            lr1, lr2 = (g['lr'] for g in optimizer.param_groups)
            assert lr2 == pytest.approx(0.2 * lr1, rel=1e-9)
            scheduler.step()
