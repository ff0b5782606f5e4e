"""The guarded training step: non-finite loss terms stop training or skip the update."""
import glob
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from vtonbox.models.tryon.base_tryon import BaseTryOnModel, nonfinite_terms


class ScaleModel(BaseTryOnModel):
    """loss_good = mean(w * x); loss_bad = the same times ``bad_factor`` (NaN/inf)."""

    def __init__(self, bad_factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.weight = torch.nn.Parameter(torch.ones(3))
        self.bad_factor = bad_factor

    def loss(self, inputs, data_samples=None):
        value = (self.weight * inputs['person'].mean(dim=(0, 2, 3))).sum()
        return dict(loss_good=value, loss_bad=value * self.bad_factor)


def step(model):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    batch = dict(inputs=dict(person=[torch.full((3, 4, 4), 200, dtype=torch.uint8)]))
    return model.train_step(batch, optim)


def test_finite_losses_update_the_parameters():
    model = ScaleModel()
    log = step(model)
    assert set(log) >= {'loss', 'loss_good', 'loss_bad'}
    assert not torch.equal(model.weight.detach(), torch.ones(3))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_nonfinite_loss_raises_naming_the_term(bad):
    model = ScaleModel(bad_factor=bad)
    with pytest.raises(FloatingPointError, match='loss_bad'):
        step(model)
    assert torch.equal(model.weight.detach(), torch.ones(3))


def test_nonfinite_loss_skip_leaves_parameters_untouched():
    model = ScaleModel(bad_factor=float('nan'), nonfinite_loss='skip')
    log = step(model)
    assert torch.equal(model.weight.detach(), torch.ones(3))
    assert model.skipped_updates == 1 and 'loss_good' in log


def test_skipped_step_logs_its_own_nonfinite_values():
    model = ScaleModel(bad_factor=float('inf'), nonfinite_loss='skip')
    log = step(model)
    # the total is logged (as computed: inf), so the log cannot show a stale total
    assert math.isinf(float(log['loss'])) and math.isinf(float(log['loss_bad']))
    assert math.isfinite(float(log['loss_good']))
    assert float(log['skipped_updates']) == 1
    assert float(step(model)['skipped_updates']) == 2


def test_skip_stops_after_max_consecutive_skips():
    model = ScaleModel(bad_factor=float('nan'), nonfinite_loss='skip', max_consecutive_skips=3)
    step(model)
    step(model)
    with pytest.raises(FloatingPointError,
                       match=r'loss_bad in 3 consecutive iterations.*max_consecutive_skips=3'):
        step(model)
    assert torch.equal(model.weight.detach(), torch.ones(3))


def test_good_step_restarts_the_consecutive_count():
    model = ScaleModel(bad_factor=float('nan'), nonfinite_loss='skip', max_consecutive_skips=3)
    for bad_factor in (float('nan'), float('nan'), 1.0, float('nan'), float('nan')):
        model.bad_factor = bad_factor
        step(model)  # never three in a row: no error
    assert (model.skipped_updates, model.consecutive_skips) == (4, 2)
    model.bad_factor = 1.0
    assert 'skipped_updates' not in step(model) and model.consecutive_skips == 0


@pytest.mark.parametrize('value', [0, -1, 2.5, True])
def test_max_consecutive_skips_is_checked(value):
    with pytest.raises(ValueError, match='max_consecutive_skips'):
        ScaleModel(nonfinite_loss='skip', max_consecutive_skips=value)


class NaNAtIteration(ScaleModel):
    """loss_bad is NaN at the ``bad_call``-th loss computation (1-based) only."""

    def __init__(self, bad_call, **kwargs):
        super().__init__(**kwargs)
        self.bad_call, self.calls = bad_call, 0

    def loss(self, inputs, data_samples=None):
        self.calls += 1
        self.bad_factor = float('nan') if self.calls == self.bad_call else 1.0
        return super().loss(inputs, data_samples)


def test_runner_log_of_a_skipped_iteration_is_not_stale(tmp_path):
    """Through MMEngine's RuntimeInfoHook and LogProcessor: iteration 2 is skipped and its
    log line shows NaN, not iteration 1's loss."""
    data = [dict(inputs=dict(person=torch.full((3, 4, 4), 50 * (i + 1), dtype=torch.uint8)))
            for i in range(3)]
    runner = Runner(
        model=NaNAtIteration(bad_call=2, nonfinite_loss='skip'), work_dir=str(tmp_path),
        train_dataloader=DataLoader(data, batch_size=1, collate_fn=pseudo_collate),
        train_cfg=dict(by_epoch=False, max_iters=3),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        log_processor=dict(window_size=1, by_epoch=False),
        default_scope='vtonbox', experiment_name='nonfinite_log')
    runner.train()
    log = open(glob.glob(osp.join(str(tmp_path), '*', '*.log'))[0]).read()
    lines = {int(m.group(1)): m.group(0)
             for m in re.finditer(r'Iter\(train\) \[(\d)/3\].*', log)}
    loss = {i: re.search(r' loss: (\S+)', line).group(1) for i, line in lines.items()}
    assert loss[2] == 'nan' and loss[1] != 'nan' and loss[3] != 'nan', lines
    assert 'skipped_updates: 1' in lines[2] and 'skipped_updates' not in lines[1]


def test_policy_and_mode_are_checked():
    with pytest.raises(ValueError, match='nonfinite_loss'):
        ScaleModel(nonfinite_loss='ignore')
    with pytest.raises(ValueError, match='mode'):
        ScaleModel()(dict(person=torch.zeros(1, 3, 4, 4)), mode='train')


def test_nonfinite_terms_lists_every_bad_term():
    losses = dict(a=torch.tensor(1.0), b=torch.tensor(float('nan')),
                  c=[torch.tensor(1.0), torch.tensor(float('inf'))])
    assert nonfinite_terms(losses) == ['b', 'c']
