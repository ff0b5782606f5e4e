"""ParserBasedWarp (stage 1) and ParserBasedTryOn (stage 2): the contract on a real
synthetic batch, the condition and generator inputs, the loss terms and weights."""
import pytest
import torch

from tests.helpers.contracts import assert_composition, assert_predictions, assert_warp_output
from tests.helpers.stage_configs import build_stage_model
from vtonbox.models.tryon.parser_based import (
    DENSEPOSE_ARM_IDS,
    ids_mask,
    teacher_condition,
    teacher_generator_input,
)

WARP_TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
GEN_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}
#: Channels of the synthetic configs' narrow FPN.
FPN_CHANNELS = 64


@pytest.fixture(scope='module')
def stage1():
    return build_stage_model('pbafn_warp').eval()


@pytest.fixture(scope='module')
def stage2():
    return build_stage_model('pbafn_tryon').eval()


def test_condition_is_layout_densepose_and_pose(inputs):
    cond = teacher_condition(inputs)
    assert cond.shape == (2, 45, 64, 64)
    assert torch.equal(cond[:, 0:1], inputs['face_mask'])
    assert torch.equal(cond[:, 1:2], inputs['other_clothes_mask'])
    assert torch.equal(cond[:, 2:27], inputs['densepose_onehot'])
    assert torch.equal(cond[:, 27:], inputs['pose'])
    no_densepose = teacher_condition(inputs, use_densepose=False)
    assert no_densepose.shape == (2, 20, 64, 64)
    assert torch.equal(no_densepose[:, 2:], inputs['pose'])


def test_generator_input_keeps_regions_and_repaints_arms(inputs):
    warped, mask = inputs['cloth'], inputs['cloth_mask']
    region = inputs['upper_cloth_mask']
    gen_input = teacher_generator_input(inputs, warped, mask, region)
    assert gen_input.shape == (2, 8, 64, 64)
    keep = gen_input[:, :3]
    face = inputs['face_mask'].bool().expand_as(keep)
    assert torch.equal(keep[face], inputs['person'][face])  # the face is kept as is
    assert torch.equal(gen_input[:, 3:6], warped) and torch.equal(gen_input[:, 6:7], mask)
    arms = ids_mask(inputs['densepose'], DENSEPOSE_ARM_IDS) * (1 - region)
    assert torch.equal(gen_input[:, 7:], arms) and arms.sum() > 0


def test_warp_contract(stage1, inputs):
    with torch.no_grad():
        out = stage1.warp(inputs)
        assert_warp_output(out, 2, 64, 64, num_deltas=10, cond_channels=FPN_CHANNELS)
        # conditioned on the layout: a person photo does not change the warp
        other = stage1.warp(inputs, person=torch.zeros_like(inputs['person']))
    assert torch.equal(out.flow, other.flow)


def test_stage1_predicts_the_warp(stage1, inputs):
    with torch.no_grad():
        out = stage1.warp(inputs)
        samples = stage1(inputs, mode='predict')
    assert_predictions(samples, dict(person=inputs['person'], cloth=inputs['cloth'],
                                     pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask))
    assert getattr(samples[0], 'pred_tryon', None) is None


def test_render_contract_and_cloth_region(stage2, inputs):
    region = inputs['upper_cloth_mask']
    with torch.no_grad():
        out = stage2.warp(inputs)
        comp = stage2.render(inputs, out)
        trained = stage2.render(inputs, out, cloth_region=region)
    assert_composition(comp, 2, 64, 64)
    # training composes inside the real cloth region only
    assert trained.composite_mask[region.expand_as(trained.composite_mask) == 0].abs().max() == 0
    assert not torch.equal(trained.tryon, comp.tryon)


def test_stage2_predicts_warp_and_tryon(stage2, inputs):
    with torch.no_grad():
        out = stage2.warp(inputs)
        comp = stage2.render(inputs, out)
        samples = stage2(inputs, mode='predict')
    assert_predictions(samples, dict(pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask,
                                     pred_rendered=comp.rendered, pred_tryon=comp.tryon))


@pytest.mark.parametrize('stage, overrides', [
    ('pbafn_warp', dict(warp_loss=None)),
    ('pbafn_tryon', dict(gen_loss=None)),
    ('pbafn_tryon', dict(warp_loss=None)),
])
def test_inference_only_model_refuses_loss(inputs, stage, overrides):
    model = build_stage_model(stage, **overrides)
    name = type(model).__name__
    with pytest.raises(RuntimeError, match=rf'^{name} was built for inference \(no '
                       r'losses/teacher\); build it from the training config'):
        model(inputs, mode='loss')


def test_loss_terms_and_stage_weights(inputs):
    assert set(build_stage_model('pbafn_warp')(inputs, mode='loss')) == WARP_TERMS
    plain = build_stage_model('pbafn_tryon', warp_loss_weight=1.0, gen_loss_weight=1.0)
    weighted = build_stage_model('pbafn_tryon', warp_loss_weight=0.5, gen_loss_weight=2.0)
    with torch.no_grad():
        base = plain(inputs, mode='loss')
        scaled = weighted(inputs, mode='loss')
    assert set(base) == set(scaled) == WARP_TERMS | GEN_TERMS
    for key in base:
        factor = 0.5 if key.startswith('loss_warp') else 2.0
        torch.testing.assert_close(scaled[key], factor * base[key])


def test_frozen_vgg_is_shared_and_kept_out_of_the_state_dict():
    vgg = dict(type='VGGPerceptualLoss', pretrained=False, layers=('relu1_1', 'relu2_1'),
               layer_weights=(1.0, 1.0))
    model = build_stage_model('pbafn_tryon', warp_loss=dict(type='MultiScaleWarpLoss',
                                                            vgg_loss=vgg),
                              gen_loss=dict(type='TryOnGeneratorLoss', vgg_loss=vgg))
    assert model.warp_loss.vgg_loss is model.gen_loss.vgg_loss  # one VGG19
    assert any(name.endswith('vgg_loss') for name, _ in model.named_modules())
    assert not [k for k in model.state_dict() if 'vgg' in k or 'loss' in k]
    assert not any(p.requires_grad for p in model.warp_loss.vgg_loss.parameters())
