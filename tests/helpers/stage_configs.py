"""Synthetic stage configs shrunk for tests: 64x64 images, a handful of samples."""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, ConfigDict
from torch import nn

from tests.conftest import REPO_ROOT

#: Test image size (FlowWarpModel needs sides >= 64 and multiples of 32).
SIZE = (64, 64)


def _resize_pipelines(node, size):
    if isinstance(node, dict):
        if node.get('type') == 'ResizePad':
            node['size'] = size
        for value in node.values():
            _resize_pipelines(value, size)
    elif isinstance(node, list):
        for value in node:
            _resize_pipelines(value, size)


def stage_config(stage: str, data_root: str, work_root: str, epochs: int = 1,
                 num_train: int = 4, config_path: Optional[str] = None,
                 teacher_stage: str = 'pbafn_tryon') -> Config:
    """``configs/synthetic/<stage>.py`` (or ``config_path``, a config of that stage) on
    ``data_root`` at 64x64, checkpoints of earlier stages taken from
    ``work_root/<stage>/epoch_<epochs>.pth``; the work dir is ``work_root/<stage>``.
    A frozen teacher loads ``work_root/<teacher_stage>/epoch_<epochs>.pth`` (PF-AFN's
    ``pbafn_tryon`` by default; e.g. ``fsvton_teacher_tryon`` for the FS-VTON stages)."""
    cfg = Config.fromfile(config_path or
                          osp.join(REPO_ROOT, 'configs', 'synthetic', f'{stage}.py'))
    cfg.work_dir = osp.join(work_root, stage)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key) is not None:
            cfg[key].dataset.data_root = data_root
            cfg[key].num_workers = 0
            cfg[key].batch_size = 2
            _resize_pipelines(cfg[key].dataset.pipeline, SIZE)
    cfg.train_dataloader.dataset.indices = num_train
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = epochs
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=True, window_size=1)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    for hook in cfg.get('custom_hooks', []):
        if 'switch_epoch' in hook:
            hook['switch_epoch'] = min(hook['switch_epoch'], epochs)
    final = f'epoch_{epochs}.pth'
    model = cfg.model
    if model.get('init_cfg'):
        source = osp.basename(osp.dirname(model.init_cfg.checkpoint))
        model.init_cfg.checkpoint = osp.join(work_root, source, final)
    if model.get('teacher'):
        model.teacher.checkpoint = osp.join(work_root, teacher_stage, final)
    cfg.test_evaluator = None
    cfg.test_dataloader = None
    cfg.test_cfg = None
    return cfg


def stage_model_config(stage: str, config_path: Optional[str] = None) -> ConfigDict:
    """``model`` of ``configs/synthetic/<stage>.py`` (or of ``config_path``) that builds
    without earlier stages: no ``init_cfg``, a random teacher."""
    path = config_path or osp.join(REPO_ROOT, 'configs', 'synthetic', f'{stage}.py')
    model = Config.fromfile(path).model
    model.pop('init_cfg', None)
    if model.get('teacher'):
        model.teacher.checkpoint = None
    return model


def build_stage_model(stage: str, seed: int = 0, **overrides) -> nn.Module:
    """The model of :func:`stage_model_config` with seeded random weights; ``overrides``
    replace top-level arguments (e.g. ``warp_loss=None`` for an inference-only model)."""
    from vtonbox.registry import MODELS
    from vtonbox.utils import register_all_modules

    register_all_modules()
    cfg = stage_model_config(stage).to_dict()
    cfg.update(overrides)
    torch.manual_seed(seed)
    return MODELS.build(cfg)


def first_batch(stage: str, data_root: str, work_root: str) -> dict:
    """The first training batch of a stage (no shuffling), through the data
    preprocessor: ``dict(inputs=..., data_samples=...)``."""
    from mmengine.runner import Runner

    from vtonbox.registry import MODELS
    from vtonbox.utils import register_all_modules

    register_all_modules()
    cfg = stage_config(stage, data_root, work_root)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=False)
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader)))
    return MODELS.build(dict(type='TryOnDataPreprocessor'))(batch, True)
