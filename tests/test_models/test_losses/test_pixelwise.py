"""The registered L1Loss wrapper."""
import pytest
import torch
import torch.nn.functional as F

from vtonbox.registry import MODELS


def test_weighted_l1_and_reductions():
    pred, target = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    loss = MODELS.build(dict(type='L1Loss', loss_weight=5.0))
    assert torch.allclose(loss(pred, target), 5.0 * F.l1_loss(pred, target))
    summed = MODELS.build(dict(type='L1Loss', reduction='sum'))
    assert torch.allclose(summed(pred, target), (pred - target).abs().sum())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert loss(pred.bfloat16(), target).dtype == torch.float32
    with pytest.raises(ValueError, match='same shape'):
        loss(pred, target[:1])
    with pytest.raises(ValueError, match='reduction'):
        MODELS.build(dict(type='L1Loss', reduction='none'))
