"""CPVTONBaseline: CP-VTON's cloth-agnostic representation, TPS warp and generator under
the shared contract."""
import pytest
import torch
import torch.nn.functional as F

from tests.helpers.contracts import assert_composition, assert_predictions, assert_warp_output
from tests.helpers.stage_configs import build_stage_model
from vtonbox.models.tryon.cpvton import AGNOSTIC_CHANNELS, cloth_agnostic

TERMS = {'loss_warp_l1', 'loss_warp_mask', 'loss_warp_smooth',  # TPS: no deltas, no TV
         'loss_gen_l1', 'loss_gen_rendered_l1', 'loss_gen_mask'}


@pytest.fixture(scope='module')
def model():
    return build_stage_model('cpvton_gmm').eval()


def test_agnostic_representation(inputs):
    agnostic = cloth_agnostic(inputs)
    assert AGNOSTIC_CHANNELS == 22 and agnostic.shape == (2, 22, 64, 64)
    assert torch.equal(agnostic[:, :18], inputs['pose'])
    # the body shape is blurred (downsampled 16x: 4x4 at 64x64), in [-1, 1]
    body = (inputs['parsing'] > 0).float()
    blurred = F.interpolate(F.interpolate(body, size=(4, 4), mode='bilinear'),
                            size=(64, 64), mode='bilinear')
    torch.testing.assert_close(agnostic[:, 18:19], blurred * 2 - 1)
    assert not torch.equal(agnostic[:, 18:19], body * 2 - 1)
    assert torch.equal(agnostic[:, 19:], inputs['person'] * inputs['face_mask'])
    # nothing of the worn cloth: changing the cloth pixels of the photo changes nothing
    cloth_region = inputs['upper_cloth_mask']
    repainted = dict(inputs, person=inputs['person'] * (1 - cloth_region) + cloth_region)
    assert torch.equal(cloth_agnostic(repainted), agnostic)


def test_warp_and_render_contract(model, inputs):
    with torch.no_grad():
        out = model.warp(inputs)
        comp = model.render(inputs, out)
        samples = model(inputs, mode='predict')
        # conditioned on the agnostic representation, not on the photo argument
        other = model.warp(inputs, person=torch.zeros_like(inputs['person']))
    assert_warp_output(out, 2, 64, 64, num_deltas=0)
    assert_composition(comp, 2, 64, 64)
    assert torch.equal(other.flow, out.flow)
    assert_predictions(samples, dict(person=inputs['person'], cloth=inputs['cloth'],
                                     pred_warped_cloth=out.warped_cloth,
                                     pred_warped_mask=out.warped_mask,
                                     pred_rendered=comp.rendered, pred_tryon=comp.tryon))


def test_untrained_tps_is_the_identity(model, inputs):
    """The offset regressor starts at zero: the warped cloth is the cloth."""
    with torch.no_grad():
        out = model.warp(inputs)
    cloth = inputs['cloth'] * inputs['cloth_mask']
    torch.testing.assert_close(out.warped_cloth, cloth, atol=1e-4, rtol=0)


@pytest.mark.parametrize('overrides', [dict(warp_loss=None), dict(gen_loss=None)])
def test_inference_only_model_refuses_loss(inputs, overrides):
    with pytest.raises(RuntimeError, match=r'^CPVTONBaseline was built for inference'):
        build_stage_model('cpvton_gmm', **overrides)(inputs, mode='loss')


def test_loss_terms_and_warp_weight(model, inputs, monkeypatch):
    weight = model.warp_loss_weight
    with torch.no_grad():
        losses = model(inputs, mode='loss')
        monkeypatch.setattr(model, 'warp_loss_weight', 3 * weight)
        tripled = model(inputs, mode='loss')
    assert set(losses) == TERMS
    for key in losses:
        factor = 3.0 if key.startswith('loss_warp') else 1.0
        torch.testing.assert_close(tripled[key], factor * losses[key])
