import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vtonbox.deploy.upsample_conv import (
    UpsampleConv2d,
    fuse_upsample_convs,
    is_nearest_x2,
    phase_weights,
)
from vtonbox.models.generators.res_unet import ResUnetGenerator

TOLERANCE = 1e-4


@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('size', [(5, 7), (1, 1), (4, 6)])
def test_matches_upsample_then_conv(bias, channels_last, size):
    torch.manual_seed(0)
    conv = nn.Conv2d(6, 5, 3, padding=1, bias=bias).double()
    x = torch.randn(2, 6, *size, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    expected = conv(F.interpolate(x, scale_factor=2, mode='nearest'))
    fused = UpsampleConv2d(conv)
    out = fused(x)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected)
    assert out.is_contiguous(memory_format=torch.channels_last) == (
        channels_last and size != (1, 1))


def test_phase_weights_sum_to_the_original_taps():
    weight = torch.randn(3, 2, 3, 3)
    phases = phase_weights(weight).view(4, 3, 2, 2, 2)
    for phase in phases:  # every phase sees every 3x3 tap exactly once
        torch.testing.assert_close(phase.sum((-2, -1)), weight.sum((-2, -1)))


def test_generator_pairs_fused():
    torch.manual_seed(0)
    generator = ResUnetGenerator(in_channels=7, ngf=4).eval()
    x = torch.randn(1, 7, 64, 64)
    fused, count = fuse_upsample_convs(generator)
    assert count == 5  # one per U-Net level
    assert not any(isinstance(m, nn.Upsample) for m in fused.modules())
    with torch.no_grad():
        torch.testing.assert_close(fused(x), generator(x), atol=TOLERANCE, rtol=0)


def test_other_patterns_untouched():
    bilinear = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear'), nn.Conv2d(2, 2, 3,
                                                                                    padding=1))
    strided = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 3, 2, padding=1))
    for net in (bilinear, strided):
        assert fuse_upsample_convs(net)[1] == 0
    assert not is_nearest_x2(nn.Upsample(scale_factor=3))
    with pytest.raises(ValueError, match='3x3'):
        UpsampleConv2d(nn.Conv2d(2, 2, 5, padding=2))
