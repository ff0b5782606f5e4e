"""SecondOrderSmoothLoss and TotalVariationLoss against direct computations."""
import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.losses import SecondOrderSmoothLoss, TotalVariationLoss
from vtonbox.registry import MODELS

EPS, ALPHA = 1e-3, 0.45
#: Upstream AFlowNet filters: horizontal, vertical, main and anti diagonal.
FILTERS = torch.tensor([
    [[0, 0, 0], [1, -2, 1], [0, 0, 0]],
    [[0, 1, 0], [0, -2, 0], [0, 1, 0]],
    [[1, 0, 0], [0, -2, 0], [0, 0, 1]],
    [[0, 0, 1], [0, -2, 0], [1, 0, 0]],
], dtype=torch.float64).unsqueeze(1)


def second_differences(flow):
    """(N, 2, H, W) -> (N, 2, 4, H - 2, W - 2), as upstream's delta_x / delta_y."""
    n, c, h, w = flow.shape
    diffs = F.conv2d(flow.reshape(n * c, 1, h, w), FILTERS.to(flow.dtype))
    return diffs.reshape(n, c, 4, h - 2, w - 2)


def loop_reference(diffs):
    """Upstream: for x and y separately sum((d^2 + eps^2)^0.45) / (b * c * h * w), added."""
    n, _, k, h, w = diffs.shape
    total = 0.0
    for channel in range(2):
        acc = 0.0
        for b in range(n):
            for f in range(k):
                for i in range(h):
                    for j in range(w):
                        d = float(diffs[b, channel, f, i, j])
                        acc += (d * d + EPS * EPS) ** ALPHA
        total += acc / (n * k * h * w)
    return total


def test_matches_loop_reference():
    torch.manual_seed(0)
    diffs = torch.randn(2, 2, 4, 3, 4, dtype=torch.float64) * 0.1
    loss = MODELS.build(dict(type='SecondOrderSmoothLoss'))
    assert loss(diffs).item() == pytest.approx(loop_reference(diffs), rel=1e-6)


def test_level_list_weights_and_loss_weight():
    torch.manual_seed(1)
    levels = [torch.randn(2, 2, 4, 2, 3), torch.randn(2, 2, 4, 4, 5)]
    single = SecondOrderSmoothLoss()
    weighted = SecondOrderSmoothLoss(level_weights=(1.0, 2.0), loss_weight=3.0)
    expected = 3.0 * (single(levels[0]) + 2.0 * single(levels[1]))
    assert torch.allclose(weighted(levels), expected)
    with pytest.raises(ValueError, match='level_weights'):
        weighted(levels[:1])
    with pytest.raises(ValueError, match='flow_diffs'):
        single(torch.zeros(2, 8, 3, 3))


def test_affine_flow_gives_the_floor_and_curvature_costs_more():
    h, w = 10, 12
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, dtype=torch.float64),
                            torch.linspace(-1, 1, w, dtype=torch.float64), indexing='ij')
    affine = torch.stack([0.9 * xs + 0.2 * ys + 0.1, -0.3 * xs + 1.1 * ys - 0.05])[None]
    diffs = second_differences(affine)
    assert diffs.abs().max() < 1e-12
    loss = SecondOrderSmoothLoss()
    floor = 2 * (EPS ** 2) ** ALPHA  # x and y terms at d = 0
    assert loss(diffs).item() == pytest.approx(floor, rel=1e-6)
    curved = affine + torch.stack([0.5 * xs ** 2, 0.3 * ys * xs])[None]
    assert loss(second_differences(curved)).item() > 2 * floor


def test_gradients_and_bf16():
    diffs = (torch.randn(2, 2, 4, 3, 3) * 0.01).requires_grad_(True)
    loss = SecondOrderSmoothLoss()
    loss(diffs).backward()
    assert torch.isfinite(diffs.grad).all() and diffs.grad.abs().sum() > 0
    value = loss(diffs.detach().bfloat16())
    assert value.dtype == torch.float32 and torch.isfinite(value)


def test_total_variation_matches_manual():
    torch.manual_seed(2)
    x = torch.randn(2, 2, 5, 4)
    manual = (x[:, :, 1:] - x[:, :, :-1]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()
    tv = MODELS.build(dict(type='TotalVariationLoss', loss_weight=0.5))
    assert torch.allclose(tv(x), 0.5 * manual)
    y = torch.randn(2, 2, 3, 3)
    assert torch.allclose(tv([x, y]), tv(x) + tv(y))
    assert TotalVariationLoss()(torch.ones(1, 2, 4, 4) * 3).item() == 0
    with pytest.raises(ValueError, match='TotalVariationLoss'):
        tv(torch.zeros(2, 4, 4))
    with pytest.raises(TypeError, match='sequence of Tensors'):
        tv([])
