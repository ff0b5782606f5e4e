"""TryOnGeneratorLoss: its named terms, each weight scaling only its own term, the
perceptual terms only with a VGG and the skin terms only with a skin mask."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vtonbox.models.losses.tryon_loss import TryOnGeneratorLoss
from vtonbox.registry import MODELS

BASE_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}
VGG_TERMS = {'loss_gen_vgg', 'loss_gen_rendered_vgg'}
#: weight argument -> the term it scales.
WEIGHTS = {'l1_weight': 'loss_gen_l1', 'vgg_weight': 'loss_gen_vgg',
           'rendered_l1_weight': 'loss_gen_rendered_l1',
           'rendered_vgg_weight': 'loss_gen_rendered_vgg', 'mask_weight': 'loss_gen_mask',
           'skin_l1_weight': 'loss_gen_skin_l1', 'skin_vgg_weight': 'loss_gen_skin_vgg'}


class FakePerceptual(nn.Module):
    """A stand-in for VGGPerceptualLoss: mean squared difference (records its calls)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, pred, target):
        self.calls.append((pred, target))
        return ((pred - target) ** 2).mean()


@pytest.fixture
def images():
    gen = torch.Generator().manual_seed(0)
    tryon, rendered, target = (torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1
                               for _ in range(3))
    mask = torch.rand(2, 1, 16, 16, generator=gen)
    skin = (torch.rand(2, 1, 16, 16, generator=gen) > 0.5).float()
    return tryon, rendered, mask, target, skin


def test_terms_against_the_formula(images):
    tryon, rendered, mask, target, skin = images
    vgg = FakePerceptual()
    loss = TryOnGeneratorLoss(vgg_loss=vgg, l1_weight=2.0, vgg_weight=3.0,
                              rendered_l1_weight=4.0, rendered_vgg_weight=5.0,
                              mask_weight=6.0, skin_l1_weight=7.0, skin_vgg_weight=8.0)
    terms = loss(tryon, rendered, mask, target, skin)
    expected = {
        'loss_gen_l1': 2.0 * F.l1_loss(tryon, target),
        'loss_gen_vgg': 3.0 * vgg(tryon, target),
        'loss_gen_rendered_l1': 4.0 * F.l1_loss(rendered, target),
        'loss_gen_rendered_vgg': 5.0 * vgg(rendered, target),
        'loss_gen_mask': 6.0 * (1 - mask).abs().mean(),
        'loss_gen_skin_l1': 7.0 * F.l1_loss(rendered * skin, target * skin),
        'loss_gen_skin_vgg': 8.0 * vgg(rendered * skin, target * skin),
    }
    assert set(terms) == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(terms[key], value, msg=key)


@pytest.mark.parametrize('weight', sorted(WEIGHTS))
def test_each_weight_scales_only_its_term(images, weight):
    on = dict.fromkeys(WEIGHTS, 1.0)
    base = TryOnGeneratorLoss(vgg_loss=FakePerceptual(), **on)(*images)
    doubled = TryOnGeneratorLoss(vgg_loss=FakePerceptual(), **dict(on, **{weight: 2.0}))(
        *images)
    zero = TryOnGeneratorLoss(vgg_loss=FakePerceptual(), **dict(on, **{weight: 0.0}))(*images)
    term = WEIGHTS[weight]
    assert base[term] > 0
    for key in base:
        if key == term:
            torch.testing.assert_close(doubled[key], 2 * base[key])
        else:
            torch.testing.assert_close(doubled[key], base[key])
    # weight 0 removes the term's contribution to the sum
    total = sum(base.values())
    torch.testing.assert_close(sum(zero.values()), total - base[term])


def test_without_vgg_no_perceptual_terms(images):
    tryon, rendered, mask, target, skin = images
    assert set(TryOnGeneratorLoss(vgg_loss=None)(tryon, rendered, mask, target)) == BASE_TERMS
    terms = TryOnGeneratorLoss(vgg_loss=None, skin_l1_weight=30.0, skin_vgg_weight=2.0)(
        *images)
    assert set(terms) == BASE_TERMS | {'loss_gen_skin_l1'}


def test_skin_terms_only_with_their_weights_and_a_mask(images):
    tryon, rendered, mask, target, skin = images
    vgg = FakePerceptual()
    plain = TryOnGeneratorLoss(vgg_loss=vgg)
    assert set(plain(tryon, rendered, mask, target)) == BASE_TERMS | VGG_TERMS
    assert set(plain(*images)) == BASE_TERMS | VGG_TERMS  # a mask alone adds nothing
    skin_loss = TryOnGeneratorLoss(vgg_loss=vgg, skin_l1_weight=30.0, skin_vgg_weight=2.0)
    assert set(skin_loss(*images)) == BASE_TERMS | VGG_TERMS | {'loss_gen_skin_l1',
                                                                'loss_gen_skin_vgg'}
    with pytest.raises(ValueError, match='skin loss weights are set but no skin_mask'):
        skin_loss(tryon, rendered, mask, target)
    # the skin terms see only the skin region
    changed = rendered + (1 - skin) * 0.5
    a = skin_loss(tryon, rendered, mask, target, skin)
    b = skin_loss(tryon, changed, mask, target, skin)
    torch.testing.assert_close(a['loss_gen_skin_l1'], b['loss_gen_skin_l1'])
    assert not torch.allclose(a['loss_gen_rendered_l1'], b['loss_gen_rendered_l1'])


def test_prefix_and_config_build(images):
    loss = MODELS.build(dict(type='TryOnGeneratorLoss', vgg_loss=None, prefix='loss_x'))
    assert set(loss(*images[:4])) == {'loss_x_l1', 'loss_x_rendered_l1', 'loss_x_mask'}


def test_shared_vgg_instance_is_kept():
    vgg = FakePerceptual()
    assert TryOnGeneratorLoss(vgg_loss=vgg).vgg_loss is vgg
