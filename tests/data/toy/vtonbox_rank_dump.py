"""A hook for the distributed tests: every rank saves its trained parameters."""
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vtonbox.registry import HOOKS


@HOOKS.register_module()
class DumpRankParametersHook(Hook):
    """After training, write ``rank<r>_params.pth`` (parameters only) to the work dir."""

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        params = {k: v.detach().cpu() for k, v in model.named_parameters()}
        torch.save(params, osp.join(runner.work_dir, f'rank{runner.rank}_params.pth'))
