"""Write try-on result grids (person | cloth | tutor | warped cloth | try-on | truth)
during training and testing through the runner's visualizer (local files, TensorBoard)."""
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from vtonbox.registry import HOOKS


@HOOKS.register_module()
class TryOnVisualizationHook(Hook):
    """Draw result grids every ``interval`` training iterations and every
    ``test_interval`` test/val batches.

    In training the hook runs the model's ``val_step`` on the current batch in eval
    mode (BatchNorm running statistics are not touched) and restores train mode.
    The runner's visualizer must be a :class:`TryOnVisualizer`.

    Args:
        interval (int): training iterations between grids; 0 disables.
        test_interval (int): test/val batches between grids; 0 disables.
        max_samples (int): samples per grid.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, test_interval: int = 50, max_samples: int = 4) -> None:
        if interval < 0 or test_interval < 0:
            raise ValueError('interval and test_interval must be >= 0')
        self.interval = interval
        self.test_interval = test_interval
        self.max_samples = max_samples

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.interval or not self.every_n_train_iters(runner, self.interval):
            return
        if runner.rank != 0 or data_batch is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.eval()
        try:
            with torch.no_grad():
                samples = model.val_step(data_batch)
        finally:
            model.train()
        self._draw(runner, 'train', samples, runner.iter + 1)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Optional[Sequence] = None) -> None:
        self._after_eval_iter(runner, 'val', batch_idx, outputs)

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        self._after_eval_iter(runner, 'test', batch_idx, outputs)

    def _after_eval_iter(self, runner, mode: str, batch_idx: int,
                         outputs: Optional[Sequence]) -> None:
        if not self.test_interval or outputs is None or batch_idx % self.test_interval:
            return
        # step = batch index: reading runner.iter would build the training loop (and its
        # dataloader) in a test-only run.
        self._draw(runner, f'{mode}_{batch_idx:06d}', outputs, batch_idx)

    def _draw(self, runner, name: str, samples: Sequence, step: int) -> None:
        runner.visualizer.add_datasample(name, data_sample=list(samples)[:self.max_samples],
                                         step=step)
