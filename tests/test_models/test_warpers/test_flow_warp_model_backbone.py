"""FlowWarpModel with one pyramid backbone per branch (DM-VTON's MobileAFWM) and the
garment pyramid in ``WarpOutput.cloth_features``."""
import pytest
import torch

from tests.helpers.contracts import assert_warp_output
from tests.helpers.dmvton_keys import mapped_warp_shapes
from vtonbox.models.backbones import MobileNetV2Pyramid
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

#: Parameters of the official warp (the reference: 7.17 M), the smoothing conv counted
#: once per pyramid.
OFFICIAL_WARP_PARAMETERS = 7_170_388
#: DM-VTON's warp model (configs/_base_/models/dmvton.py).
DMVTON_WARP = dict(type='FlowWarpModel', cond_channels=3,
                   backbone=dict(type='MobileNetV2Pyramid'),
                   warper=dict(type='AFlowNet', hidden_channels=[128, 64, 32],
                               prewarp_features=True))
SMALL_MOBILE = dict(type='FlowWarpModel', cond_channels=3,
                    backbone=dict(type='MobileNetV2Pyramid', out_channels=16),
                    warper=dict(type='AFlowNet', hidden_channels=[16, 16, 16]))


def build(cfg, **kwargs):
    register_all_modules()
    torch.manual_seed(0)
    return MODELS.build(dict(cfg, **kwargs))


def batch(size=(64, 64), cond_channels=3, n=2):
    torch.manual_seed(1)
    return (torch.randn(n, cond_channels, *size), torch.rand(n, 3, *size) * 2 - 1,
            (torch.rand(n, 1, *size) > 0.5).float())


@pytest.fixture(scope='module')
def dmvton_warp():
    return build(DMVTON_WARP).eval()


def test_dmvton_warp_keys_shapes_and_parameters(dmvton_warp):
    state = dmvton_warp.state_dict()
    mapped = mapped_warp_shapes()
    assert state.keys() == mapped.keys()
    for key, shape in mapped.items():
        assert tuple(state[key].shape) == shape, key
    count = sum(p.numel() for p in dmvton_warp.parameters())
    assert count == OFFICIAL_WARP_PARAMETERS and round(count / 1e6, 2) == 7.17
    assert isinstance(dmvton_warp.cloth_backbone, MobileNetV2Pyramid)
    assert not hasattr(dmvton_warp, 'cloth_encoder') and not hasattr(dmvton_warp, 'cond_fpn')


def test_dmvton_warp_forward_256x192(dmvton_warp):
    cond, cloth, mask = batch((256, 192), n=1)
    with torch.no_grad():
        out = dmvton_warp(cond, cloth, mask)
    assert_warp_output(out, 1, 256, 192, num_deltas=10, cond_channels=256)
    assert [tuple(f.shape) for f in out.cloth_features] == [
        (1, 256, 8 << lvl, 6 << lvl) for lvl in range(5)]


def test_branches_are_the_backbones():
    model = build(SMALL_MOBILE, cond_channels=45).eval()
    assert model.cond_backbone.in_channels == 45 and model.cloth_backbone.in_channels == 3
    cond, cloth, mask = batch(cond_channels=45)
    with torch.no_grad():
        for got, want in zip(model.encode_cloth(cloth), model.cloth_backbone(cloth)):
            torch.testing.assert_close(got, want)
        for got, want in zip(model.encode_cond(cond), model.cond_backbone(cond)):
            torch.testing.assert_close(got, want)
        out = model(cond, cloth, mask)
        pyramid = model.encode_cloth(cloth)
    assert_warp_output(out, 2, 64, 64, num_deltas=10, cond_channels=16)
    for got, want in zip(out.cloth_features, reversed(pyramid)):
        torch.testing.assert_close(got, want)
    assert model.size_divisor == 32
    assert len(model.final_flow(pyramid, model.encode_cond(cond)).shape) == 4


def test_encoder_fpn_path_fills_cloth_features_too():
    register_all_modules()
    model = MODELS.build(dict(type='FlowWarpModel', cond_channels=3,
                              encoder=dict(channels=[4, 8, 8, 8, 8]),
                              fpn=dict(out_channels=8),
                              warper=dict(hidden_channels=[8, 8, 8]))).eval()
    cond, cloth, mask = batch()
    with torch.no_grad():
        out = model(cond, cloth, mask)
        pyramid = model.encode_cloth(cloth)
    assert len(out.cloth_features) == 5
    for got, want in zip(out.cloth_features, reversed(pyramid)):
        torch.testing.assert_close(got, want)
    assert len(out.detach().cloth_features) == 5


@pytest.mark.parametrize('extra,message', [
    (dict(encoder=dict(channels=[4, 8, 8, 8, 8])), 'either backbone or encoder'),
    (dict(fpn=dict(out_channels=8)), 'either backbone or encoder'),
])
def test_backbone_excludes_encoder_and_fpn(extra, message):
    with pytest.raises(ValueError, match=message):
        build(SMALL_MOBILE, **extra)


def test_backbone_in_channels_is_derived():
    cfg = dict(SMALL_MOBILE, backbone=dict(type='MobileNetV2Pyramid', in_channels=3))
    with pytest.raises(ValueError, match='backbone.in_channels is derived'):
        build(cfg)
