"""Synthetic stage configs shrunk for tests: 64x64 images, a handful of samples."""
import os.path as osp

from mmengine.config import Config

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
                 num_train: int = 4) -> Config:
    """``configs/synthetic/<stage>.py`` on ``data_root`` at 64x64, checkpoints of earlier
    stages taken from ``work_root/<stage>/epoch_<epochs>.pth``."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', f'{stage}.py'))
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
        model.teacher.checkpoint = osp.join(work_root, 'pbafn_tryon', final)
    cfg.test_evaluator = None
    cfg.test_dataloader = None
    cfg.test_cfg = None
    return cfg
