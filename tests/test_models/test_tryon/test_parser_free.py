"""ParserFreeWarp (stage 3) and ParserFreeTryOn (stage 4, inference): the contract on a
real synthetic batch, training on the tutor image, distillation and skin terms, and the
weights of the loss terms."""
import pytest
import torch

from tests.helpers.contracts import assert_composition, assert_predictions, assert_warp_output
from tests.helpers.stage_configs import build_stage_model

WARP_TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth', 'loss_warp_tv'}
DISTILL_TERMS = {'loss_distill_feature', 'loss_distill_flow'}
GEN_TERMS = {'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}
FPN_CHANNELS = 64


@pytest.fixture(scope='module')
def stage3():
    return build_stage_model('pfafn_warp').eval()


@pytest.fixture(scope='module')
def stage4():
    return build_stage_model('pfafn_student').eval()


class Recorder:
    """Wraps a callable and keeps the arguments of each call."""

    def __init__(self, method):
        self.method, self.calls = method, []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.method(*args, **kwargs)


def test_warp_contract_and_person(stage3, inputs):
    other = inputs['person'].flip(-1)
    with torch.no_grad():
        out = stage3.warp(inputs)
        on_other = stage3.warp(inputs, person=other)
        direct = stage3.warp_model(other, inputs['cloth'] * inputs['cloth_mask'],
                                   inputs['cloth_mask'])
    assert_warp_output(out, 2, 64, 64, num_deltas=10, cond_channels=FPN_CHANNELS)
    assert torch.equal(on_other.flow, direct.flow)  # the photo is the condition
    assert not torch.equal(on_other.flow, out.flow)


def test_render_contract_and_person(stage4, inputs):
    other = inputs['person'].flip(-1)
    region = inputs['upper_cloth_mask']
    with torch.no_grad():
        out = stage4.warp(inputs)
        comp = stage4.render(inputs, out)
        on_other = stage4.render(inputs, out, person=other)
        expected = stage4.render(dict(inputs, person=other), out)
        trained = stage4.render(inputs, out, cloth_region=region)
    assert_composition(comp, 2, 64, 64)
    assert torch.equal(on_other.tryon, expected.tryon)
    assert not torch.equal(on_other.tryon, comp.tryon)
    assert trained.composite_mask[region.expand_as(trained.composite_mask) == 0].abs().max() == 0


def test_predict_fields_with_tutor(stage4, inputs):
    with torch.no_grad():
        out = stage4.warp(inputs)
        comp = stage4.render(inputs, out)
        tutor = stage4.teacher(inputs, paired=False).tutor
        samples = stage4(inputs, mode='predict')
        tensor = stage4(inputs, mode='tensor')
    assert_predictions(samples, dict(person=inputs['person'], cloth=inputs['cloth'],
                                     tutor=tutor, pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask,
                                     pred_rendered=comp.rendered, pred_tryon=comp.tryon))
    assert torch.equal(tensor, comp.tryon)


def test_predict_needs_only_person_and_cloth(stage3, stage4, inputs):
    """The test-time inputs: no parsing, pose or DensePose (so no tutor)."""
    test_inputs = {k: inputs[k] for k in ('person', 'cloth', 'cloth_mask')}
    with torch.no_grad():
        warped = stage3(test_inputs, mode='predict')
        tried = stage4(test_inputs, mode='predict')
    assert getattr(warped[0], 'tutor', None) is None and warped[0].pred_warped_cloth.shape == (
        3, 64, 64)
    assert getattr(tried[0], 'tutor', None) is None and tried[0].pred_tryon.shape == (3, 64, 64)


@pytest.mark.parametrize('stage, overrides', [
    ('pfafn_warp', dict(warp_loss=None)),
    ('pfafn_student', dict(gen_loss=None)),
    ('pfafn_student', dict(warp_loss=None, teacher=None, distill_cfg=None)),
])
def test_inference_only_model_refuses_loss(inputs, stage, overrides):
    model = build_stage_model(stage, **overrides)
    name = type(model).__name__
    with pytest.raises(RuntimeError, match=rf'^{name} was built for inference \(no '
                       r'losses/teacher\); build it from the training config'):
        model(inputs, mode='loss')


def test_distillation_needs_a_teacher():
    with pytest.raises(ValueError, match='distill_cfg needs a teacher'):
        build_stage_model('pfafn_warp', teacher=None)


def test_student_trains_on_the_tutor_image(stage4, inputs, monkeypatch):
    warp, gen_loss = Recorder(stage4.warp), Recorder(stage4.gen_loss.forward)
    monkeypatch.setattr(stage4, 'warp', warp)
    monkeypatch.setattr(stage4.gen_loss, 'forward', gen_loss)
    with torch.no_grad():
        stage4(inputs, mode='loss')
        teacher_out = stage4.teacher(inputs, paired=False)
    (args, kwargs), = warp.calls
    assert torch.equal(args[1], teacher_out.tutor)  # warp(inputs, tutor)
    (args, _), = gen_loss.calls
    tryon, rendered, composite_mask, target, skin_mask = args
    assert torch.equal(target, inputs['person'])  # supervised by the real photo
    expected_skin = teacher_out.tutor_cloth_mask * (1 - inputs['upper_cloth_mask'])
    assert torch.equal(skin_mask, expected_skin) and skin_mask.sum() > 0


@pytest.mark.parametrize('stage, expected', [
    ('pfafn_warp', WARP_TERMS | DISTILL_TERMS),
    ('pfafn_student', WARP_TERMS | DISTILL_TERMS | GEN_TERMS | {'loss_gen_skin_l1'}),
])
def test_loss_terms(stage3, stage4, inputs, stage, expected):
    model = stage3 if stage == 'pfafn_warp' else stage4
    with torch.no_grad():
        losses = model(inputs, mode='loss')
    assert set(losses) == expected
    assert all(v.ndim == 0 and torch.isfinite(v) for v in losses.values())


@pytest.mark.parametrize('overrides, expected', [
    (dict(distill_cfg=None), WARP_TERMS),
    (dict(distill_cfg=dict(flow=dict(type='FlowDistillationLoss', levels=[4],
                                     level_weights=[1]))), WARP_TERMS | {'loss_distill_flow'}),
])
def test_distillation_terms_follow_distill_cfg(inputs, overrides, expected):
    with torch.no_grad():
        assert set(build_stage_model('pfafn_warp', **overrides)(inputs, mode='loss')) == expected


def test_without_teacher_the_student_sees_the_real_photo(inputs, monkeypatch):
    model = build_stage_model('pfafn_warp', distill_cfg=None, teacher=None)
    warp = Recorder(model.warp)
    monkeypatch.setattr(model, 'warp', warp)
    model(inputs, mode='loss')
    (args, _), = warp.calls
    assert torch.equal(args[1], inputs['person'])


def test_warp_loss_weight_scales_warp_and_distillation_only(stage4, inputs, monkeypatch):
    with torch.no_grad():
        monkeypatch.setattr(stage4, 'warp_loss_weight', 1.0)
        full = stage4(inputs, mode='loss')
        monkeypatch.setattr(stage4, 'warp_loss_weight', 0.25)
        quarter = stage4(inputs, mode='loss')
    assert full.keys() == quarter.keys()
    for key in full:
        factor = 1.0 if key.startswith('loss_gen') else 0.25
        torch.testing.assert_close(quarter[key], factor * full[key])
    assert full['loss_distill_flow'] > 0 and full['loss_gen_skin_l1'] > 0
