"""TrainableScheduleHook and LossWeightSwitchHook follow the epoch (resume-safe)."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from vtonbox.engine.hooks import LossWeightSwitchHook, TrainableScheduleHook


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.cond_net = nn.Linear(2, 2)
        self.main_net = nn.Linear(2, 2)
        self.frozen = nn.Linear(2, 2).requires_grad_(False)
        self.gen_loss = SimpleNamespace()


def runner_at(model, epoch):
    return SimpleNamespace(model=model, epoch=epoch)


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
