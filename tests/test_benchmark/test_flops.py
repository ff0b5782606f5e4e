import torch
from torch import nn

from tests.helpers.tiny_configs import TINY_SIZE
from vtonbox.benchmark.flops import analytic_correlation, correlation_flops, count_flops
from vtonbox.models.ops.correlation import Correlation


class CorrNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1, bias=False)
        self.correlation = Correlation()

    def forward(self, x):
        y = self.conv(x)
        return self.correlation(y, y)


def test_conv_and_correlation_counts():
    net = CorrNet()
    x = torch.randn(2, 4, 8, 6)
    count = count_flops(lambda: net(x), net)
    conv = 2 * 2 * 8 * 6 * 8 * 4 * 9
    corr = 2 * 2 * 8 * 49 * 8 * 6
    assert correlation_flops(torch.zeros(2, 8, 8, 6), 49) == corr
    assert count.by_operator['correlation (analytic)'] == corr
    assert count.total == conv + corr  # the GEMM correlation's bmm is not counted
    assert net.correlation.implementation == 'gemm'  # restored


def test_correlation_with_gradients_counts_backward():
    net = CorrNet()
    x = torch.randn(1, 4, 8, 6, requires_grad=True)
    forward = correlation_flops(torch.zeros(1, 8, 8, 6), 49)
    with analytic_correlation(net) as counter:
        out = net(x)
        assert counter['flops'] == forward
        out.sum().backward()
    assert counter['flops'] == 3 * forward


def test_tiny_model_flops(tiny_model):
    inputs = dict(person=torch.zeros(1, 3, *TINY_SIZE), cloth=torch.zeros(1, 3, *TINY_SIZE),
                  cloth_mask=torch.ones(1, 1, *TINY_SIZE))
    with torch.no_grad():
        count = count_flops(lambda: tiny_model.tensor_forward(inputs), tiny_model)
    convolution = sum(v for k, v in count.by_operator.items() if 'convolution' in k)
    assert convolution > 0 and count.by_operator['correlation (analytic)'] > 0
    assert count.per_item(1) == count.total / 1e9
