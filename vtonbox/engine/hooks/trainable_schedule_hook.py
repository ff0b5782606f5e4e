"""Train only part of a model for the first epochs, then all of it.

PF-AFN stage 3 first trains only the student's condition branch and refine nets (the
parts not initialised from the teacher), then everything (docs/advanced_guides/
distillation.md). Upstream does
this with two Adam optimizers: a partial one for the first epochs, then a new one over
all parameters, whose moments and bias correction start from zero at the switch. The
hook keeps one optimizer and, by default, clears its state at the switch, which is the
same thing. The trainable set is derived from the current epoch, so resuming at any
epoch is correct.
"""
import re
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner

from vtonbox.registry import HOOKS
from vtonbox.utils.state_dict import bare_named_parameters


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
        reset_optimizer (bool): at the start of ``switch_epoch`` clear the optimizer's
            per-parameter state (Adam: step counts, first and second moments), as
            upstream's switch to a new optimizer does; learning rates and the
            schedulers are untouched. ``False`` keeps the state of the partial phase.
            The reset happens once: a run resumed from a checkpoint saved after it
            (at the end of any later epoch or within the switch epoch) keeps the
            optimizer state of the checkpoint. Defaults to True.
    """

    priority = 'HIGH'
    #: message hub key (saved in checkpoints) marking that the reset was done
    RESET_KEY = 'trainable_schedule_optimizer_reset'

    def __init__(self, trainable: Sequence[str], switch_epoch: int,
                 reset_optimizer: bool = True) -> None:
        if not trainable:
            raise ValueError('trainable needs at least one pattern')
        self.patterns = [re.compile(p) for p in trainable]
        self.switch_epoch = switch_epoch
        self.reset_optimizer = reset_optimizer
        self._managed = None

    def before_train(self, runner: Runner) -> None:
        params = dict(bare_named_parameters(runner.model))  # DDP children seen through
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
        if self.reset_optimizer and runner.epoch == self.switch_epoch:
            self._reset_optimizer_once(runner)

    def _reset_optimizer_once(self, runner: Runner) -> None:
        # Resuming from a checkpoint written within the switch epoch (iteration
        # checkpoints) starts this epoch again: its message hub says the reset is done.
        if runner.message_hub.get_info(self.RESET_KEY, False):
            return
        wrappers = (runner.optim_wrapper.values()
                    if isinstance(runner.optim_wrapper, OptimWrapperDict)
                    else [runner.optim_wrapper])
        cleared = 0
        for wrapper in wrappers:
            cleared += len(wrapper.optimizer.state)
            wrapper.optimizer.state.clear()
        runner.message_hub.update_info(self.RESET_KEY, True)
        print_log(f'epoch {runner.epoch + 1}: optimizer state reset ({cleared} parameters '
                  f'had state), as upstream\'s switch to a new optimizer',
                  logger='current')
