import pytest
import torch

from vtonbox.models.backbones import ResNetEncoder
from vtonbox.registry import MODELS


def test_pyramid_contract_matches_feature_encoder():
    encoder = MODELS.build(dict(type='ResNetEncoder', in_channels=45))
    assert encoder.out_channels == [64, 128, 256, 256, 256]
    features = encoder(torch.randn(1, 45, 64, 64))
    assert [tuple(f.shape) for f in features] == [
        (1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8), (1, 256, 4, 4), (1, 256, 2, 2)]
    # projections only where the ResNet width differs (64->128, 128->256, 512->256)
    assert [isinstance(p, torch.nn.Identity) for p in encoder.projections] == [
        True, False, False, True, False]


def test_custom_channels_and_bad_length():
    encoder = ResNetEncoder(3, channels=[8, 8, 16, 16, 16])
    features = encoder(torch.randn(2, 3, 64, 32))
    assert [f.shape[1] for f in features] == [8, 8, 16, 16, 16]
    assert features[-1].shape[-2:] == (2, 1)
    with pytest.raises(ValueError, match='5 levels'):
        ResNetEncoder(3, channels=[8, 8])
