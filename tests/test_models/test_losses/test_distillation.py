"""Gated feature / flow distillation: gate, hand computations, any batch size."""
import math

import pytest
import torch

from vtonbox.models.losses import FeatureDistillationLoss, FlowDistillationLoss, teacher_better_gate
from vtonbox.registry import MODELS


def test_gate_counts_samples_where_teacher_is_better():
    target = torch.zeros(3, 3, 4, 2)
    teacher = torch.stack([torch.full((3, 4, 2), 0.1), torch.full((3, 4, 2), 0.5),
                           torch.full((3, 4, 2), 0.2)])
    student = torch.stack([torch.full((3, 4, 2), 0.3), torch.full((3, 4, 2), 0.2),
                           torch.full((3, 4, 2), -0.2)])
    teacher.requires_grad_(True)
    gate = teacher_better_gate(teacher, student, target)
    assert gate.tolist() == [1.0, 0.0, 0.0]  # equal errors are not "better"
    assert gate.dtype == torch.float32 and not gate.requires_grad
    with pytest.raises(ValueError, match='same'):
        teacher_better_gate(teacher, student[:2], target)


def test_feature_loss_matches_hand_computation():
    student = [torch.tensor([[[[1.0, 2.0]]], [[[0.0, 0.0]]], [[[3.0, 1.0]]]]),  # (3, 1, 1, 2)
               torch.zeros(3, 2, 1, 1)]
    teacher = [torch.tensor([[[[0.0, 0.0]]], [[[5.0, 5.0]]], [[[1.0, 1.0]]]]),
               torch.tensor([[[[1.0]], [[1.0]]], [[[9.0]], [[9.0]]], [[[0.0]], [[2.0]]]])]
    gate = torch.tensor([1.0, 0.0, 1.0])
    loss = FeatureDistillationLoss(level_weights=(0.2, 0.16))
    # level 0: samples 0 and 2: (1 + 4) + (4 + 0) = 9, / (C*h*w = 2) / n = 2
    # level 1: (1 + 1) + (0 + 4) = 6, / (2 * 1 * 1) / 2
    expected = 0.2 * 9 / (2 * 2) + 0.16 * 6 / (2 * 2)
    assert loss(student, teacher, gate).item() == pytest.approx(expected)
    # without a gate every sample counts (n = 3)
    all_samples = 0.2 * (5 + 50 + 4) / (2 * 3) + 0.16 * (2 + 162 + 4) / (2 * 3)
    assert loss(student, teacher).item() == pytest.approx(all_samples)


def test_flow_loss_matches_hand_computation_and_uses_fine_levels_only():
    flows_s = [torch.full((2, 2, 1, 1), 100.0), torch.full((2, 2, 1, 2), -100.0)]
    flows_t = [torch.zeros(2, 2, 1, 1), torch.zeros(2, 2, 1, 2)]
    s2 = torch.zeros(2, 2, 1, 2)
    t2 = torch.tensor([[[[3.0, 0.0]], [[4.0, 1.0]]], [[[1.0, 1.0]], [[1.0, 1.0]]]])
    loss = MODELS.build(dict(type='FlowDistillationLoss', levels=[2], level_weights=[3.0]))
    gate = torch.tensor([1.0, 1.0])
    # sample 0: norms 5 and 1; sample 1: sqrt(2) twice; / (h*w = 2) / n = 2
    expected = 3.0 * (5 + 1 + 2 * math.sqrt(2)) / (2 * 2)
    value = loss(flows_s + [s2], flows_t + [t2], gate)
    assert value.item() == pytest.approx(expected)
    # default: levels 2, 3, 4 with weights 3, 4, 5
    default = FlowDistillationLoss()
    five_s = flows_s + [s2, s2, s2]
    five_t = flows_t + [t2, t2, torch.zeros_like(t2)]
    assert default(five_s, five_t, gate).item() == pytest.approx(expected * (3 + 4) / 3)


def test_zero_when_teacher_equals_student_and_gradients_are_finite():
    torch.manual_seed(0)
    feats = [torch.randn(2, 4, 2, 2, requires_grad=True) for _ in range(5)]
    flows = [torch.randn(2, 2, 2 ** i, 2 ** i, requires_grad=True) for i in range(5)]
    gate = torch.ones(2)
    feat_loss = FeatureDistillationLoss()(feats, [f.detach() for f in feats], gate)
    flow_loss = FlowDistillationLoss()(flows, [f.detach() for f in flows], gate)
    assert feat_loss.item() == 0 and flow_loss.item() == 0
    (feat_loss + flow_loss).backward()
    assert all(torch.isfinite(f.grad).all() for f in flows[2:])


def test_student_gets_gradients_teacher_does_not():
    student = [torch.randn(2, 2, 3, 3, requires_grad=True)]
    teacher = [torch.randn(2, 2, 3, 3, requires_grad=True)]
    FlowDistillationLoss(levels=[0], level_weights=[1.0])(student, teacher).backward()
    assert student[0].grad is not None and teacher[0].grad is None


@pytest.mark.parametrize('batch', [1, 3, 5])
def test_any_batch_size_and_empty_gate(batch):
    feats_s = [torch.randn(batch, 3, 2, 3) for _ in range(5)]
    feats_t = [torch.randn(batch, 3, 2, 3) for _ in range(5)]
    loss = FeatureDistillationLoss()
    assert loss(feats_s, feats_t, torch.zeros(batch)).item() == 0  # n clamps to 1, no NaN
    assert loss(feats_s, feats_t, torch.ones(batch)) > 0
    with pytest.raises(ValueError, match='gate'):
        loss(feats_s, feats_t, torch.ones(batch + 1))


def test_config_errors():
    with pytest.raises(ValueError, match='same length'):
        FlowDistillationLoss(levels=(2, 3), level_weights=(1.0, ))
    loss = FeatureDistillationLoss()
    with pytest.raises(ValueError, match='levels'):
        loss([torch.zeros(1, 1, 1, 1)] * 3, [torch.zeros(1, 1, 1, 1)] * 3)
    with pytest.raises(ValueError, match='differ'):
        FeatureDistillationLoss(level_weights=(1.0, ))([torch.zeros(1, 2, 2, 2)],
                                                       [torch.zeros(1, 2, 2, 1)])
