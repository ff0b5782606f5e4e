"""A progress bar over validation and test batches (rank 0), for long evaluations."""
import sys
from typing import Dict, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from vtonbox.registry import HOOKS


@HOOKS.register_module()
class EvalProgressHook(Hook):
    """Print a progress bar while the val/test loop runs (batches done / total)."""

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._bar: Optional[ProgressBar] = None

    def _start(self, runner, dataloader) -> None:
        if runner.rank == 0:
            # sys.stdout looked up now, so redirected output (logs, tests) gets the bar
            self._bar = ProgressBar(len(dataloader), file=sys.stdout)

    def _step(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def _end(self) -> None:
        if self._bar is not None:
            print(flush=True)
            self._bar = None

    def before_val_epoch(self, runner: Runner) -> None:
        self._start(runner, runner.val_dataloader)

    def before_test_epoch(self, runner: Runner) -> None:
        self._start(runner, runner.test_dataloader)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Optional[Sequence] = None) -> None:
        self._step()

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        self._step()

    def after_val_epoch(self, runner: Runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        self._end()

    def after_test_epoch(self, runner: Runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        self._end()
