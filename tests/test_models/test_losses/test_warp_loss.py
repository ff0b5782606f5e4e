"""MultiScaleWarpLoss on a fake WarpOutput (types.SimpleNamespace)."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.losses import MultiScaleWarpLoss, SecondOrderSmoothLoss
from vtonbox.registry import MODELS

H, W, LEVELS, BATCH = 64, 48, 5, 2
KEYS = {'loss_warp_l1', 'loss_warp_vgg', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
#: Random, shallow VGG: fast; the full-depth one runs once (perfect-warp test).
RANDOM_VGG = dict(type='VGGPerceptualLoss', pretrained=False, layers=('relu1_1', 'relu2_1'),
                  layer_weights=(1 / 32, 1 / 16))


def _resize(x, size):
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


def _targets():
    gen = torch.Generator().manual_seed(0)
    mask = torch.zeros(BATCH, 1, H, W)
    mask[:, :, 16:48, 12:36] = 1
    cloth = (torch.rand(BATCH, 3, H, W, generator=gen) * 2 - 1) * mask
    return cloth, mask


def fake_warp_output(cloth, mask, perfect, requires_grad=False):
    """Coarse -> fine levels at 1/16 ... 1/1 of (H, W), like the AFlowNet warper."""
    gen = torch.Generator().manual_seed(1)
    sizes = [(H // 2 ** (LEVELS - 1 - lvl), W // 2 ** (LEVELS - 1 - lvl))
             for lvl in range(LEVELS)]

    def leaf(t):
        return t.clone().requires_grad_(requires_grad)

    def noise(*shape):
        return 0.0 if perfect else torch.randn(*shape, generator=gen) * 0.1

    out = SimpleNamespace(
        level_warped_cloths=[leaf(_resize(cloth, s) + noise(BATCH, 3, *s)) for s in sizes],
        level_warped_masks=[leaf(_resize(mask, s) + noise(BATCH, 1, *s)) for s in sizes],
        level_flow_diffs=[leaf(torch.zeros(BATCH, 2, 4, h - 2, w - 2) + noise(
            BATCH, 2, 4, h - 2, w - 2)) for h, w in sizes],
        deltas=[leaf(torch.zeros(BATCH, 2, h, w) + noise(BATCH, 2, h, w))
                for h, w in sizes for _ in range(2)],
        level_flows=[torch.zeros(BATCH, 2, *s) for s in sizes],
        cond_features=[torch.zeros(BATCH, 256, h // 2, w // 2) for h, w in sizes])
    out.warped_cloth = out.level_warped_cloths[-1]
    out.warped_mask = out.level_warped_masks[-1]
    out.flow = out.level_flows[-1]
    return out


def test_terms_are_named_finite_and_backward_works():
    loss = MODELS.build(dict(type='MultiScaleWarpLoss', vgg_loss=RANDOM_VGG))
    cloth, mask = _targets()
    output = fake_warp_output(cloth, mask, perfect=False, requires_grad=True)
    terms = loss(output, cloth, mask)
    assert set(terms) == KEYS
    assert all(t.ndim == 0 and torch.isfinite(t) and t > 0 for t in terms.values())
    sum(terms.values()).backward()
    for field in ('level_warped_cloths', 'level_warped_masks', 'level_flow_diffs', 'deltas'):
        assert all(t.grad is not None and torch.isfinite(t.grad).all()
                   for t in getattr(output, field)), field


def test_perfect_warp_gives_zero_except_the_charbonnier_floor():
    loss = MultiScaleWarpLoss(vgg_loss=dict(type='VGGPerceptualLoss', pretrained=False))
    cloth, mask = _targets()
    terms = loss(fake_warp_output(cloth, mask, perfect=True), cloth, mask)
    for key in ('loss_warp_l1', 'loss_warp_vgg', 'loss_warp_mask', 'loss_warp_tv'):
        assert terms[key].item() == pytest.approx(0, abs=1e-6), key
    # the generalised Charbonnier is 2 * eps**0.9 per level at zero second differences
    floor = 6.0 * sum(range(1, LEVELS + 1)) * 2 * (1e-3 ** 2) ** 0.45
    assert terms['loss_warp_smooth'].item() == pytest.approx(floor, rel=1e-5)


def test_terms_equal_hand_computation():
    weights = (0.5, 1.0, 1.5, 2.0, 2.5)
    loss = MultiScaleWarpLoss(vgg_loss=None, l1_weight=3.0, mask_weight=4.0, smooth_weight=5.0,
                              tv_weight=0.1, level_weights=weights, prefix='loss_w')
    cloth, mask = _targets()
    out = fake_warp_output(cloth, mask, perfect=False)
    terms = loss(out, cloth, mask)
    assert set(terms) == {'loss_w_l1', 'loss_w_mask', 'loss_w_smooth', 'loss_w_tv'}
    l1 = sum(w * (c - _resize(cloth, c.shape[-2:])).abs().mean()
             for w, c in zip(weights, out.level_warped_cloths))
    msk = sum(w * (m - _resize(mask, m.shape[-2:])).abs().mean()
              for w, m in zip(weights, out.level_warped_masks))
    smooth = SecondOrderSmoothLoss(level_weights=weights)(out.level_flow_diffs)
    tv = sum((d[:, :, 1:] - d[:, :, :-1]).abs().mean() + (d[..., 1:] - d[..., :-1]).abs().mean()
             for d in out.deltas)
    assert torch.allclose(terms['loss_w_l1'], 3.0 * l1)
    assert torch.allclose(terms['loss_w_mask'], 4.0 * msk)
    assert torch.allclose(terms['loss_w_smooth'], 5.0 * smooth)
    assert torch.allclose(terms['loss_w_tv'], 0.1 * tv)


def test_mapping_input_and_shared_vgg_module():
    vgg = MODELS.build(RANDOM_VGG)
    loss = MultiScaleWarpLoss(vgg_loss=vgg)
    assert loss.vgg_loss is vgg
    cloth, mask = _targets()
    out = fake_warp_output(cloth, mask, perfect=False)
    from_object = loss(out, cloth, mask)
    from_dict = loss(vars(out), cloth, mask)
    assert all(torch.equal(from_object[k], from_dict[k]) for k in KEYS)


def test_bad_inputs_raise():
    loss = MultiScaleWarpLoss(vgg_loss=None)
    cloth, mask = _targets()
    out = fake_warp_output(cloth, mask, perfect=True)
    with pytest.raises(TypeError, match='level_flow_diffs'):
        loss(SimpleNamespace(level_warped_cloths=[], level_warped_masks=[]), cloth, mask)
    out.level_warped_masks = out.level_warped_masks[1:]
    with pytest.raises(ValueError, match='level_weights'):
        loss(out, cloth, mask)
    with pytest.raises(TypeError, match='sub-loss'):
        MultiScaleWarpLoss(vgg_loss='VGG')
