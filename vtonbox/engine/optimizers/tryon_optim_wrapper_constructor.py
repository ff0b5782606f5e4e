"""MMEngine's default optimizer constructor with a one-line summary instead of a line
per parameter.

``DefaultOptimWrapperConstructor`` logs a warning for every frozen parameter ("... is
skipped since its requires_grad=False": ~400 lines for the teacher of stages 3 and 4)
and an info line for every parameter a ``paramwise_cfg`` key matches. The optimizer it
builds is kept as it is; only those lines are counted and summarised.
"""
import logging
from collections import Counter

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from torch import nn

from vtonbox.registry import OPTIM_WRAPPER_CONSTRUCTORS

#: Message fragments of the per-parameter lines that are summarised.
FROZEN_MARK = 'is skipped since its requires_grad=False'
PARAMWISE_MARK = 'paramwise_options -- '


class _CountingFilter(logging.Filter):
    """Drops the per-parameter records and counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen = 0
        self.options = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if FROZEN_MARK in message:
            self.frozen += 1
            return False
        if PARAMWISE_MARK in message:
            option = message.split(PARAMWISE_MARK, 1)[1].split(':', 1)[-1]
            self.options[option] += 1
            return False
        return True


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TryOnOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` that logs one summary line.

    Same arguments and result as MMEngine's default (``optim_wrapper_cfg``,
    ``paramwise_cfg``); the line reads e.g. ``optimizer: 612 trainable tensors
    (lr=1e-05 for 420 via paramwise_cfg); 681 frozen tensors left out (teacher, VGG)``.
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        logger = MMLogger.get_current_instance()
        counter = _CountingFilter()
        logger.addFilter(counter)
        try:
            wrapper = super().__call__(model)
        finally:
            logger.removeFilter(counter)
        trainable = sum(len(group['params']) for group in wrapper.optimizer.param_groups)
        options = ', '.join(f'{option} for {count}' for option, count in
                            sorted(counter.options.items()))
        line = f'optimizer: {trainable} trainable tensors'
        line += f' ({options} via paramwise_cfg)' if options else ''
        if counter.frozen:
            line += f'; {counter.frozen} frozen tensors left out (teacher, VGG, schedule)'
        print_log(line, logger='current')
        return wrapper
