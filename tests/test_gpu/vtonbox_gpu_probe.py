"""A hook for the GPU tests that run training in subprocesses: every rank writes what it
trained with (device, process group, BatchNorm kind, optimizer wrapper, losses) to
``probe_rank<r>.json`` in the work dir. Imported through ``custom_imports``."""
import json
import math
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from vtonbox.registry import HOOKS


def _finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


@HOOKS.register_module()
class RecordDeviceSetupHook(Hook):
    """Before training: BatchNorm kinds, parameter devices, process group, optimizer
    wrapper; after it: iterations run, whether every logged loss was finite, the loss
    scale of an ``AmpOptimWrapper``."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.info = {}
        self.losses_finite = True
        self.iters = 0

    def before_train(self, runner) -> None:
        modules = list(runner.model.modules())
        wrapper = runner.optim_wrapper
        self.info = dict(
            rank=runner.rank, world_size=runner.world_size, distributed=runner.distributed,
            backend=dist.get_backend() if dist.is_available() and dist.is_initialized()
            else None,
            sync_batchnorm=sum(isinstance(m, nn.SyncBatchNorm) for m in modules),
            batchnorm=sum(isinstance(m, _BatchNorm) and not isinstance(m, nn.SyncBatchNorm)
                          for m in modules),
            devices=sorted({str(p.device) for p in runner.model.parameters()}),
            model_wrapper=type(runner.model).__name__,
            optim_wrapper=type(wrapper).__name__,
            autocast_dtype=str(getattr(wrapper, 'cast_dtype', None)))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.iters += 1
        if outputs:
            self.losses_finite &= all(_finite(v) for v in outputs.values())

    def after_train(self, runner) -> None:
        scaler = getattr(runner.optim_wrapper, 'loss_scaler', None)
        self.info.update(iters=self.iters, final_iter=runner.iter,
                         losses_finite=self.losses_finite,
                         loss_scale=float(scaler.get_scale()) if scaler is not None
                         and scaler.is_enabled() else None)
        with open(osp.join(runner.work_dir, f'probe_rank{runner.rank}.json'), 'w') as f:
            json.dump(self.info, f)
