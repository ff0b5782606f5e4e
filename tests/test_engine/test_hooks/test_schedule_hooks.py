"""TrainableScheduleHook and LossWeightSwitchHook follow the epoch (resume-safe)."""
import copy
import itertools
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from torch import nn

from vtonbox.engine.hooks import LossWeightSwitchHook, TrainableScheduleHook
from vtonbox.utils.checkpoint import load_checkpoint_file


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.cond_net = nn.Linear(2, 2)
        self.main_net = nn.Linear(2, 2)
        self.frozen = nn.Linear(2, 2).requires_grad_(False)
        self.gen_loss = SimpleNamespace()


_hub_names = itertools.count()


def runner_at(model, epoch, optim_wrapper=None, message_hub=None):
    """A stand-in runner: the model, the epoch, an Adam wrapper and a message hub."""
    if optim_wrapper is None:
        optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.1))
    if message_hub is None:
        message_hub = MessageHub.get_instance(f'test_schedule_hooks_{next(_hub_names)}')
    return SimpleNamespace(model=model, epoch=epoch, optim_wrapper=optim_wrapper,
                           message_hub=message_hub)


def test_trainable_schedule_switches_and_keeps_frozen_parts_frozen():
    model = Toy()
    hook = TrainableScheduleHook(trainable=[r'^cond_'], switch_epoch=2)
    hook.before_train(runner_at(model, 0))
    hook.before_train_epoch(runner_at(model, 1))
    assert all(p.requires_grad for p in model.cond_net.parameters())
    assert not any(p.requires_grad for p in model.main_net.parameters())
    hook.before_train_epoch(runner_at(model, 2))
    assert all(p.requires_grad for p in model.main_net.parameters())
    assert not any(p.requires_grad for p in model.frozen.parameters())
    # Resuming at an early epoch restores the partial state.
    hook.before_train_epoch(runner_at(model, 0))
    assert not any(p.requires_grad for p in model.main_net.parameters())


def test_trainable_schedule_rejects_patterns_matching_nothing():
    hook = TrainableScheduleHook(trainable=[r'^nothing'], switch_epoch=1)
    with pytest.raises(ValueError, match='no trainable parameter matches'):
        hook.before_train(runner_at(Toy(), 0))


def test_loss_weight_switch_depends_on_epoch_only():
    model = Toy()
    model.gen_loss = nn.Module()
    model.gen_loss.skin_l1_weight = 30.0
    hook = LossWeightSwitchHook('gen_loss', dict(skin_l1_weight=60.0), switch_epoch=3)
    hook.before_train(runner_at(model, 0))
    hook.before_train_epoch(runner_at(model, 2))
    assert model.gen_loss.skin_l1_weight == 30.0
    hook.before_train_epoch(runner_at(model, 3))
    assert model.gen_loss.skin_l1_weight == 60.0
    hook.before_train_epoch(runner_at(model, 1))  # e.g. resumed before the switch
    assert model.gen_loss.skin_l1_weight == 30.0


def test_loss_weight_switch_names_unknown_attributes():
    model = Toy()
    model.gen_loss = nn.Module()
    hook = LossWeightSwitchHook('gen_loss', dict(nope=1.0), switch_epoch=1)
    with pytest.raises(AttributeError, match='nope'):
        hook.before_train(runner_at(model, 0))


def test_trainable_schedule_gradients_reach_only_the_partial_set():
    model = Toy()
    hook = TrainableScheduleHook(trainable=[r'^cond_'], switch_epoch=1)
    hook.before_train(runner_at(model, 0))
    hook.before_train_epoch(runner_at(model, 0))
    x = torch.randn(3, 2)
    (model.cond_net(x).sum() + model.main_net(x).sum()).backward()
    assert model.cond_net.weight.grad is not None and model.main_net.weight.grad is None


def adam_steps(optimizer, param):
    state = optimizer.state.get(param, {})
    return int(state['step']) if 'step' in state else 0


def train_steps(model, optimizer, n):
    for _ in range(n):
        optimizer.zero_grad()
        x = torch.randn(3, 2)
        (model.cond_net(x).sum() + model.main_net(x).sum()).backward()
        optimizer.step()


@pytest.mark.parametrize('reset', [True, False])
def test_trainable_schedule_resets_the_optimizer_state_at_the_switch(reset):
    """Upstream switches to a new Adam: the state of the partial phase is gone (reset)
    or, with reset_optimizer=False, one Adam carries on."""
    model = Toy()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    runner = runner_at(model, 0, optim_wrapper=OptimWrapper(optimizer))
    hook = TrainableScheduleHook(trainable=[r'^cond_'], switch_epoch=1, reset_optimizer=reset)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    train_steps(model, optimizer, 3)
    assert adam_steps(optimizer, model.cond_net.weight) == 3
    assert adam_steps(optimizer, model.main_net.weight) == 0
    lr = optimizer.param_groups[0]['lr']

    runner.epoch = 1
    hook.before_train_epoch(runner)
    assert adam_steps(optimizer, model.cond_net.weight) == (0 if reset else 3)
    assert (len(optimizer.state) == 0) == reset
    assert optimizer.param_groups[0]['lr'] == lr  # the schedule is not touched
    train_steps(model, optimizer, 2)
    assert adam_steps(optimizer, model.cond_net.weight) == (2 if reset else 5)
    assert adam_steps(optimizer, model.main_net.weight) == 2
    # the switch epoch starting again (resumed from a checkpoint within it) and later
    # epochs keep the state
    for epoch in (1, 2):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert adam_steps(optimizer, model.cond_net.weight) == (2 if reset else 5)


def test_trainable_schedule_resumed_after_the_switch_keeps_the_state():
    """A run resumed at a later epoch (fresh hook and message hub) does not reset."""
    model = Toy()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    train_steps(model, optimizer, 2)
    runner = runner_at(model, 3, optim_wrapper=OptimWrapper(optimizer))
    hook = TrainableScheduleHook(trainable=[r'^cond_'], switch_epoch=1)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    assert adam_steps(optimizer, model.cond_net.weight) == 2


# --- the same with MMEngine's Runner: checkpoints, resume ---------------------------

class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.cond_net = nn.Linear(2, 2)
        self.main_net = nn.Linear(2, 2)

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss=(self.main_net(self.cond_net(inputs)) ** 2).mean())


class OptimizerStateProbe(Hook):
    """Records the optimizer state at the start of each epoch, after the schedule hook."""
    priority = 'LOW'

    def __init__(self):
        self.states = {}

    def before_train_epoch(self, runner):
        self.states[runner.epoch] = copy.deepcopy(
            runner.optim_wrapper.optimizer.state_dict()['state'])


ITERS_PER_EPOCH = 4
_runner_names = itertools.count()


def make_runner(work_dir, reset, resume_from=None):
    torch.manual_seed(0)
    probe = OptimizerStateProbe()
    runner = Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'test_schedule_hooks_runner_{next(_runner_names)}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.randn(2)) for _ in range(ITERS_PER_EPOCH)],
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'), batch_size=1, num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=[
            TrainableScheduleHook(trainable=[r'^cond_'], switch_epoch=1,
                                  reset_optimizer=reset),
            # one checkpoint within the switch epoch (after its 2nd iteration)
            dict(type='CheckpointHook', interval=ITERS_PER_EPOCH + 2, by_epoch=False,
                 save_last=False),
            probe],
        load_from=resume_from, resume=resume_from is not None,
        default_scope='mmengine')
    return runner, probe


def steps_of(state, index):
    return int(state[index]['step']) if index in state else 0


def assert_same_state(got, want):
    assert got.keys() == want.keys()
    for index in want:
        assert want[index].keys() == got[index].keys()
        for key, value in want[index].items():
            assert torch.equal(torch.as_tensor(got[index][key]), torch.as_tensor(value))


@pytest.fixture(scope='module', params=[True, False], ids=['reset', 'keep'])
def trained(request, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('reset' if request.param else 'keep')
    runner, probe = make_runner(work_dir, request.param)
    runner.train()
    return request.param, work_dir, probe


def test_runner_switch_epoch_state_is_fresh_or_kept(trained):
    reset, _, probe = trained
    # parameter order of the single param group: cond_net.weight, cond_net.bias, ...
    cond, main = 0, 2
    assert steps_of(probe.states[1], cond) == (0 if reset else ITERS_PER_EPOCH)
    assert steps_of(probe.states[1], main) == 0
    assert steps_of(probe.states[2], cond) == ITERS_PER_EPOCH * (1 if reset else 2)
    assert steps_of(probe.states[2], main) == ITERS_PER_EPOCH


@pytest.mark.parametrize('checkpoint,epoch', [
    ('epoch_2.pth', 2),  # saved at the end of the switch epoch
    (f'iter_{ITERS_PER_EPOCH + 2}.pth', 1),  # saved within it: that epoch starts again
])
def test_runner_resumed_after_the_switch_has_the_saved_state(trained, checkpoint, epoch,
                                                             tmp_path):
    reset, work_dir, _ = trained
    path = str(work_dir / checkpoint)
    saved = load_checkpoint_file(path)['optimizer']['state']  # weights only, allow-listed
    assert saved  # the switch epoch has trained
    runner, probe = make_runner(tmp_path, reset, resume_from=path)
    runner.train()
    assert min(probe.states) == epoch
    assert_same_state(probe.states[epoch], saved)


def test_runner_resumed_before_the_switch_resets(trained, tmp_path):
    reset, work_dir, _ = trained
    runner, probe = make_runner(tmp_path, reset, resume_from=str(work_dir / 'epoch_1.pth'))
    runner.train()
    assert min(probe.states) == 1
    assert (len(probe.states[1]) == 0) == reset
