import pytest
import torch

from vtonbox.models.backbones import DownSample, FeatureEncoder, ResBlock
from vtonbox.registry import MODELS


def test_full_width_pyramid_shapes_64x64():
    encoder = MODELS.build(dict(type='FeatureEncoder', in_channels=3))
    assert encoder.out_channels == [64, 128, 256, 256, 256]
    assert encoder.strides == [2, 4, 8, 16, 32]
    features = encoder(torch.randn(2, 3, 64, 64))
    assert [tuple(f.shape) for f in features] == [
        (2, 64, 32, 32), (2, 128, 16, 16), (2, 256, 8, 8), (2, 256, 4, 4), (2, 256, 2, 2)]


@pytest.mark.parametrize('size', [(256, 192), (128, 96)])
def test_small_width_pyramid_shapes(size):
    encoder = FeatureEncoder(45, channels=[4, 8, 8, 8, 8])
    features = encoder(torch.randn(1, 45, *size))
    assert [tuple(f.shape[-2:]) for f in features] == [
        (size[0] >> s, size[1] >> s) for s in range(1, 6)]


def test_upstream_module_structure():
    encoder = FeatureEncoder(3)
    keys = encoder.state_dict()
    # DownSample: BN 0, conv 2; ResBlock: BN 0, conv 2, BN 3, conv 5; no conv biases
    assert keys['encoders.0.0.block.0.running_mean'].shape == (3,)
    assert keys['encoders.0.0.block.2.weight'].shape == (64, 3, 3, 3)
    assert keys['encoders.4.2.block.5.weight'].shape == (256, 256, 3, 3)
    assert keys['encoders.1.1.block.3.weight'].shape == (128,)
    assert not any(k.endswith('block.2.bias') or k.endswith('block.5.bias') for k in keys)
    assert isinstance(encoder.encoders[2][0], DownSample)
    assert isinstance(encoder.encoders[2][1], ResBlock)
    stride = encoder.encoders[0][0].block[2].stride
    assert stride == (2, 2)


def test_resblock_is_identity_plus_residual():
    block = ResBlock(4).eval()
    torch.nn.init.zeros_(block.block[5].weight)
    x = torch.randn(1, 4, 6, 6)
    torch.testing.assert_close(block(x), x)


def test_bf16_autocast():
    encoder = FeatureEncoder(3, channels=[4, 8, 8, 8, 8])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        features = encoder(torch.randn(1, 3, 64, 64))
    assert features[-1].shape == (1, 8, 2, 2) and features[-1].dtype == torch.bfloat16


def test_bad_arguments():
    with pytest.raises(ValueError, match='in_channels'):
        FeatureEncoder(0)
