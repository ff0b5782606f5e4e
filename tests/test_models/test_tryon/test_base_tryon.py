"""The guarded training step: non-finite loss terms stop training or skip the update."""
import pytest
import torch
from mmengine.optim import OptimWrapper

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


def test_policy_and_mode_are_checked():
    with pytest.raises(ValueError, match='nonfinite_loss'):
        ScaleModel(nonfinite_loss='ignore')
    with pytest.raises(ValueError, match='mode'):
        ScaleModel()(dict(person=torch.zeros(1, 3, 4, 4)), mode='train')


def test_nonfinite_terms_lists_every_bad_term():
    losses = dict(a=torch.tensor(1.0), b=torch.tensor(float('nan')),
                  c=[torch.tensor(1.0), torch.tensor(float('inf'))])
    assert nonfinite_terms(losses) == ['b', 'c']
