"""A hook for the distributed tests: every rank saves its trained parameters."""
import os.path as osp

import torch
from mmengine.hooks import Hook

from vtonbox.registry import HOOKS
from vtonbox.utils.state_dict import bare_named_parameters


@HOOKS.register_module()
class DumpRankParametersHook(Hook):
    """After training, write ``rank<r>_params.pth`` (parameters only, keys as in a
    single-process model) to the work dir."""

    def after_train(self, runner):
        params = {k: v.detach().cpu() for k, v in bare_named_parameters(runner.model)}
        torch.save(params, osp.join(runner.work_dir, f'rank{runner.rank}_params.pth'))
