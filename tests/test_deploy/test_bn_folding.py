import pytest
import torch
from torch import nn

from vtonbox.deploy import (
    count_batchnorms,
    fold_batchnorms,
    is_foldable_pair,
    randomize_batchnorm_stats,
)
from vtonbox.models.backbones.feature_encoder import FeatureEncoder
from vtonbox.models.generators.res_unet import ResUnetGenerator

TOLERANCE = 1e-4


def with_random_bn(module, seed=0):
    """Random BN statistics *and* affine parameters, eval mode."""
    randomize_batchnorm_stats(module, seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=generator) - 0.5)
    return module.eval()


def test_conv_bn_pair_folds_exactly():
    torch.manual_seed(0)
    net = with_random_bn(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False),
                                       nn.BatchNorm2d(8), nn.ReLU()))
    x = torch.randn(2, 3, 16, 12)
    folded, count = fold_batchnorms(net)
    assert count == 1 and count_batchnorms(folded) == 0
    assert isinstance(folded[1], nn.Identity) and folded[0].bias is not None
    torch.testing.assert_close(folded(x), net(x), atol=TOLERANCE, rtol=0)
    assert count_batchnorms(net) == 1  # the source is untouched (deep copy)


def test_preactivation_bn_is_not_folded():
    # BN -> ReLU -> conv: the ReLU sits between the BN and the conv
    net = with_random_bn(nn.Sequential(nn.BatchNorm2d(3), nn.ReLU(), nn.Conv2d(3, 4, 3)))
    folded, count = fold_batchnorms(net)
    assert count == 0 and count_batchnorms(folded) == 1
    assert not is_foldable_pair(net[1], net[2])


def test_feature_encoder_folds_only_the_middle_bn_of_each_resblock():
    torch.manual_seed(0)
    encoder = with_random_bn(FeatureEncoder(3, channels=(8, 16, 16)))
    x = torch.randn(2, 3, 32, 32)
    folded, count = fold_batchnorms(encoder)
    stages = len(encoder.out_channels)
    # per stage: DownSample BN (pre-activation) and 2 ResBlocks x (head BN, middle BN)
    assert count == 2 * stages
    assert count_batchnorms(folded) == 3 * stages
    for got, expected in zip(folded(x), encoder(x)):
        torch.testing.assert_close(got, expected, atol=TOLERANCE, rtol=0)


def test_generator_folds_every_bn():
    torch.manual_seed(0)
    generator = with_random_bn(ResUnetGenerator(in_channels=7, ngf=4))
    x = torch.randn(2, 7, 64, 64)
    folded, count = fold_batchnorms(generator)
    assert count == count_batchnorms(generator) and count_batchnorms(folded) == 0
    torch.testing.assert_close(folded(x), generator(x), atol=TOLERANCE, rtol=0)


def test_inplace_and_bad_input():
    net = with_random_bn(nn.Sequential(nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2)))
    same, count = fold_batchnorms(net, inplace=True)
    assert same is net and count == 1 and count_batchnorms(net) == 0
    with pytest.raises(TypeError, match='nn.Module'):
        fold_batchnorms('not a module')
