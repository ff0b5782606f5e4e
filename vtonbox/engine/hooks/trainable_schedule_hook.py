"""Train only part of a model for the first epochs, then all of it.

PF-AFN stage 3 first trains only the student's condition branch and refine nets (the
parts not initialised from the teacher), then everything (reference §3.6). The hook
derives the state from the current epoch, so resuming at any epoch is correct.
"""
import re
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from vtonbox.registry import HOOKS


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class TrainableScheduleHook(Hook):
    """Before epoch ``switch_epoch`` only parameters matching ``trainable`` train.

    Only parameters that were trainable when training started are touched, so frozen
    parts (teacher, VGG) stay frozen. Frozen-for-now parameters get
    ``requires_grad=False``: they receive no gradient and the optimizer leaves them and
    their state alone. Under DDP set ``find_unused_parameters=True``.

    Args:
        trainable (Sequence[str]): regular expressions (``re.search``) on parameter names
            of the (unwrapped) model, e.g. ``[r'^warp_model\\.cond_', r'refine_nets']``.
        switch_epoch (int): first epoch (0-based) in which everything trains.
    """

    priority = 'HIGH'

    def __init__(self, trainable: Sequence[str], switch_epoch: int) -> None:
        if not trainable:
            raise ValueError('trainable needs at least one pattern')
        self.patterns = [re.compile(p) for p in trainable]
        self.switch_epoch = switch_epoch
        self._managed = None

    def before_train(self, runner: Runner) -> None:
        params = dict(_unwrap(runner.model).named_parameters())
        self._managed = {name: p for name, p in params.items() if p.requires_grad}
        partial = [n for n in self._managed if any(p.search(n) for p in self.patterns)]
        if not partial:
            raise ValueError(f'TrainableScheduleHook: no trainable parameter matches '
                             f'{[p.pattern for p in self.patterns]}')

    def before_train_epoch(self, runner: Runner) -> None:
        everything = runner.epoch >= self.switch_epoch
        count = 0
        for name, param in self._managed.items():
            train = everything or any(p.search(name) for p in self.patterns)
            param.requires_grad_(train)
            count += param.numel() if train else 0
        print_log(f'epoch {runner.epoch + 1}: training {"all" if everything else "part"} of '
                  f'the model ({count:,} parameters)', logger='current')
