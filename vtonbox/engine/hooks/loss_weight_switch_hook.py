"""Change loss weights from a given epoch on (PF-AFN stage 4: skin terms 30, 2 -> 60, 4,
docs/advanced_guides/losses.md). The weights are derived from the current epoch, so resuming at any
epoch gives the right values."""
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from vtonbox.registry import HOOKS


@HOOKS.register_module()
class LossWeightSwitchHook(Hook):
    """Set attributes of a sub-module of the model to ``values`` from ``switch_epoch``.

    Args:
        module (str): dotted path of the sub-module in the unwrapped model, e.g.
            ``'gen_loss'``.
        values (dict): attribute -> value from ``switch_epoch`` (0-based) on; before it
            the values the module was built with apply.
        switch_epoch (int): first epoch with the new values.
    """

    priority = 'HIGH'

    def __init__(self, module: str, values: Dict[str, float], switch_epoch: int) -> None:
        if not values:
            raise ValueError('values must name at least one attribute')
        self.module = module
        self.values = dict(values)
        self.switch_epoch = switch_epoch
        self._initial: Optional[Dict[str, float]] = None

    def _target(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        target = model.get_submodule(self.module)
        missing = [k for k in self.values if not hasattr(target, k)]
        if missing:
            raise AttributeError(f'{self.module} ({type(target).__name__}) has no '
                                 f'attributes {missing}')
        return target

    def before_train(self, runner: Runner) -> None:
        target = self._target(runner)
        self._initial = {k: getattr(target, k) for k in self.values}

    def before_train_epoch(self, runner: Runner) -> None:
        target = self._target(runner)
        values = self.values if runner.epoch >= self.switch_epoch else self._initial
        changed = {k: v for k, v in values.items() if getattr(target, k) != v}
        for key, value in values.items():
            setattr(target, key, value)
        if changed:
            print_log(f'epoch {runner.epoch + 1}: {self.module} weights set to {changed}',
                      logger='current')
