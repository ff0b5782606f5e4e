"""MobileUNetGenerator: DM-VTON's MobileNetV2 U-Net (7 -> 4), composed like PF-AFN."""
import pytest
import torch

from tests.helpers.contracts import assert_composition
from tests.helpers.dmvton_keys import GEN_FILE, official_shapes
from vtonbox.models.generators import MobileUNetGenerator
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

#: Parameters of the official generator (the reference: 2.18 M).
OFFICIAL_GEN_PARAMETERS = 2_179_736


@pytest.fixture(scope='module')
def generator():
    torch.manual_seed(0)
    return MobileUNetGenerator(7, 4).eval()


@pytest.mark.parametrize('size', [(256, 192), (64, 64)])
def test_output_shape(generator, size):
    with torch.no_grad():
        out = generator(torch.randn(2, 7, *size))
    assert out.shape == (2, 4, *size) and torch.isfinite(out).all()


def test_rejects_bad_inputs(generator):
    with pytest.raises(ValueError, match='multiples of 32'):
        generator(torch.randn(1, 7, 80, 64))
    with pytest.raises(ValueError, match=r'expected \(N, 7, H, W\)'):
        generator(torch.randn(1, 8, 64, 64))


def test_keys_and_shapes_equal_the_official_table(generator):
    table = official_shapes(GEN_FILE)
    state = generator.state_dict()
    assert state.keys() == table.keys()
    for key, shape in table.items():
        assert tuple(state[key].shape) == shape, key


def test_parameter_count(generator):
    count = sum(p.numel() for p in generator.parameters())
    assert count == OFFICIAL_GEN_PARAMETERS
    assert round(count / 1e6, 2) == 2.18


def test_parser_free_render_composes_it(tryon_batch):
    """ParserFreeTryOn.render: [person, warped cloth, warped mask] -> generator ->
    compose_tryon, unchanged for the mobile generator."""
    inputs = tryon_batch['inputs']
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ParserFreeTryOn',
        warp_model=dict(type='FlowWarpModel', cond_channels=3,
                        backbone=dict(type='MobileNetV2Pyramid', out_channels=32),
                        warper=dict(hidden_channels=[16, 16, 8])),
        generator=dict(type='MobileUNetGenerator', in_channels=7, out_channels=4))).eval()
    with torch.no_grad():
        out = model.warp(inputs)
        comp = model.render(inputs, out)
        samples = model(inputs, mode='predict')
    batch, _, height, width = inputs['person'].shape
    assert_composition(comp, batch, height, width)
    assert samples[0].pred_tryon.shape == (3, height, width)
