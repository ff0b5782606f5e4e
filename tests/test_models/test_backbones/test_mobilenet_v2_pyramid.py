"""MobileNetV2Pyramid: DM-VTON's 5-level MobileNetV2 FPN (one shared smoothing conv)."""
import pytest
import torch

from tests.helpers.dmvton_keys import WARP_FILE, official_shapes
from vtonbox.models.backbones import MobileNetV2Pyramid
from vtonbox.models.backbones.mobilenet_v2_pyramid import (
    DMVTON_PYRAMID_PREFIX_RENAMES,
    SHARED_SMOOTH_COPIES,
    rename_official_pyramid_key,
    shared_smooth_copies_agree,
)
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules


@pytest.fixture(scope='module')
def pyramid():
    torch.manual_seed(0)
    return MobileNetV2Pyramid(in_channels=3).eval()


@pytest.mark.parametrize('size', [(256, 192), (128, 96), (512, 384)])
def test_five_levels_finest_first(pyramid, size):
    height, width = size
    with torch.no_grad():
        levels = pyramid(torch.randn(1, 3, height, width))
    assert [tuple(f.shape) for f in levels] == [
        (1, 256, height // 2 ** (lvl + 1), width // 2 ** (lvl + 1)) for lvl in range(5)]
    assert all(torch.isfinite(f).all() for f in levels)


def test_in_out_channels_and_registry():
    register_all_modules()
    model = MODELS.build(dict(type='MobileNetV2Pyramid', in_channels=45, out_channels=64))
    levels = model(torch.randn(2, 45, 64, 64))
    assert [tuple(f.shape) for f in levels] == [(2, 64, 32 >> lvl, 32 >> lvl) for lvl in range(5)]
    assert model.num_levels == 5 and model.out_channels == 64 and model.size_divisor == 32
    with pytest.raises(ValueError, match=r'expected \(N, 45, H, W\)'):
        model(torch.randn(1, 3, 64, 64))


def test_one_shared_smoothing_conv_for_all_levels(pyramid):
    keys = pyramid.state_dict().keys()
    assert {k for k in keys if 'smooth' in k} == {'smooth_layer.weight', 'smooth_layer.bias'}
    calls = []
    handle = pyramid.smooth_layer.register_forward_hook(lambda *_: calls.append(1))
    with torch.no_grad():
        pyramid(torch.randn(1, 3, 64, 64))
    handle.remove()
    assert len(calls) == 5


def test_top_is_pooled_and_top_down_is_bilinear(pyramid):
    """Level 4 (coarsest) = smooth(lateral_4(block 5) + top(avgpool(block 6))): the top
    1x1 map is broadcast (bilinear from 1x1)."""
    x = torch.randn(1, 3, 128, 96)
    with torch.no_grad():
        feats, h = [], pyramid.first_layer(x)
        for block in pyramid.inverted_residual_blocks:
            h = block(h)
            feats.append(h)
        top = pyramid.top_layer(feats[6].mean(dim=(2, 3), keepdim=True))
        coarsest = pyramid.lateral_layers[4](feats[5]) + top
        expected = pyramid.smooth_layer(coarsest)
        torch.testing.assert_close(pyramid(x)[4], expected)


def test_keys_and_shapes_map_to_the_official_table(pyramid):
    """``image_mobile.*`` of the official warp file -> this module 1:1 by prefix renames,
    the 5 repeated smoothing convs onto the one shared conv."""
    table = official_shapes(WARP_FILE)
    official = {k[len('image_mobile.'):]: v for k, v in table.items()
                if k.startswith('image_mobile.')}
    assert {k for k in official if k.startswith(SHARED_SMOOTH_COPIES)}  # copies present
    mapped = {}
    for key, shape in official.items():
        new = rename_official_pyramid_key('image_mobile.' + key)
        if new is not None:
            assert new.startswith('cloth_backbone.')
            mapped[new[len('cloth_backbone.'):]] = shape
    state = pyramid.state_dict()
    assert mapped.keys() == state.keys()
    for key, shape in mapped.items():
        assert tuple(state[key].shape) == shape, key
    assert dict(DMVTON_PYRAMID_PREFIX_RENAMES) == {'image_mobile.': 'cloth_backbone.',
                                                   'cond_mobile.': 'cond_backbone.'}


def test_shared_copies_check():
    conv = torch.nn.Conv2d(4, 4, 3)
    state = {}
    for prefix in ('image_mobile.', 'cond_mobile.'):
        for i in range(5):
            state[f'{prefix}smooth_layers.{i}.weight'] = conv.weight.detach().clone()
            state[f'{prefix}smooth_layers.{i}.bias'] = conv.bias.detach().clone()
    assert shared_smooth_copies_agree(state)
    state['cond_mobile.smooth_layers.3.bias'] += 1
    assert not shared_smooth_copies_agree(state)
    del state['cond_mobile.smooth_layers.3.bias']
    assert not shared_smooth_copies_agree(state)
