"""The optimizer constructor builds what MMEngine's default builds, with one log line
instead of one per frozen or lr_mult parameter."""
import logging
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

from tests.conftest import REPO_ROOT
from vtonbox.engine.optimizers import TryOnOptimWrapperConstructor
from vtonbox.engine.optimizers.tryon_optim_wrapper_constructor import FROZEN_MARK, PARAMWISE_MARK
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _student_and_optim_cfg():
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_student.py'))
    cfg.model.pop('init_cfg')
    cfg.model.teacher.checkpoint = None
    torch.manual_seed(0)
    optim_cfg = cfg.optim_wrapper.to_dict()
    assert optim_cfg.pop('constructor') == 'TryOnOptimWrapperConstructor'
    return MODELS.build(cfg.model), optim_cfg


def _built(constructor_cls, model, optim_cfg):
    paramwise = optim_cfg.pop('paramwise_cfg', None)
    logger = MMLogger.get_current_instance()
    records = _Records()
    logger.addHandler(records)
    try:
        wrapper = constructor_cls(dict(optim_cfg), paramwise)(model)
    finally:
        logger.removeHandler(records)
    return wrapper, records.messages


def test_same_optimizer_as_mmengine_with_one_summary_line():
    model, optim_cfg = _student_and_optim_cfg()
    ours, our_lines = _built(TryOnOptimWrapperConstructor, model, dict(optim_cfg))
    default, default_lines = _built(DefaultOptimWrapperConstructor, model, dict(optim_cfg))
    assert [(g['lr'], [id(p) for p in g['params']]) for g in ours.optimizer.param_groups] == \
        [(g['lr'], [id(p) for p in g['params']]) for g in default.optimizer.param_groups]
    # MMEngine's default logs each frozen teacher tensor and each lr_mult tensor.
    assert sum(FROZEN_MARK in m for m in default_lines) > 100
    assert sum(PARAMWISE_MARK in m for m in default_lines) > 100
    assert not [m for m in our_lines if FROZEN_MARK in m or PARAMWISE_MARK in m]
    summary = [m for m in our_lines if m.startswith('optimizer: ')]
    assert len(summary) == 1
    frozen = sum(not p.requires_grad for p in model.parameters())
    assert f'{frozen} frozen tensors left out' in summary[0]
    assert 'lr_mult=0.2 for' in summary[0]
