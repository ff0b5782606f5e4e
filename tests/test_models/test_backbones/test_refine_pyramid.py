import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.backbones import FeatureEncoder, RefinePyramid
from vtonbox.registry import MODELS


def test_shapes_and_upstream_key_order():
    fpn = MODELS.build(dict(type='RefinePyramid', in_channels=[64, 128, 256, 256, 256]))
    keys = fpn.state_dict()
    # adaptive is coarse -> fine: input channels 256, 256, 256, 128, 64
    assert [keys[f'adaptive.{j}.weight'].shape[1] for j in range(5)] == [256, 256, 256, 128, 64]
    assert keys['smooth.0.weight'].shape == (256, 256, 3, 3) and 'smooth.4.bias' in keys
    features = FeatureEncoder(3)(torch.randn(1, 3, 64, 64))
    outputs = fpn(features)
    assert [tuple(o.shape) for o in outputs] == [
        (1, 256, 32 >> s, 32 >> s) for s in range(5)]


def test_matches_top_down_formula():
    torch.manual_seed(0)
    fpn = RefinePyramid([2, 3, 4], out_channels=5)
    features = [torch.randn(1, 2, 8, 8), torch.randn(1, 3, 4, 4), torch.randn(1, 4, 2, 2)]
    coarse = fpn.smooth[0](fpn.adaptive[0](features[2]))
    middle = fpn.smooth[1](fpn.adaptive[1](features[1])
                           + F.interpolate(coarse, scale_factor=2, mode='nearest'))
    fine = fpn.smooth[2](fpn.adaptive[2](features[0])
                         + F.interpolate(middle, scale_factor=2, mode='nearest'))
    for out, expected in zip(fpn(features), [fine, middle, coarse]):
        torch.testing.assert_close(out, expected)


def test_wrong_number_of_levels():
    with pytest.raises(ValueError, match='expected 2 pyramid levels'):
        RefinePyramid([2, 3])([torch.randn(1, 2, 4, 4)])
