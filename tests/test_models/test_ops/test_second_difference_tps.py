import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.ops import SecondDifference, TPSGridGenerator, identity_grid
from vtonbox.models.ops.tps import regular_grid_points


def test_second_difference_filters_and_shape():
    diff = SecondDifference()
    assert 'weight' not in diff.state_dict()  # non-persistent: no upstream extra key
    assert diff.weight.shape == (4, 1, 3, 3)
    # upstream order: horizontal, vertical, diagonal, anti-diagonal, centre -2
    assert diff.weight[0, 0, 1].tolist() == [1, -2, 1]
    assert diff.weight[1, 0, :, 1].tolist() == [1, -2, 1]
    assert torch.diagonal(diff.weight[2, 0]).tolist() == [1, -2, 1]
    assert torch.diagonal(diff.weight[3, 0].flip(1)).tolist() == [1, -2, 1]
    flow = torch.randn(2, 2, 7, 6)
    out = diff(flow)
    assert out.shape == (2, 2, 4, 5, 4)
    # equals upstream: conv2d of each channel with the filter bank
    torch.testing.assert_close(out[:, 1], F.conv2d(flow[:, 1:2], diff.weight))


def test_second_difference_values():
    diff = SecondDifference()
    # an affine (e.g. identity) flow has zero second differences
    assert diff(identity_grid(1, 6, 5)).abs().max() < 1e-6
    # x channel = col ** 2 has horizontal/diagonal second difference 2, vertical 0
    cols = torch.arange(5.).view(1, 5).expand(4, 5)
    flow = torch.stack([cols ** 2, torch.zeros(4, 5)]).unsqueeze(0)
    out = diff(flow)
    assert torch.all(out[0, 0, 0] == 2) and torch.all(out[0, 0, 1] == 0)
    assert torch.all(out[0, 0, 2] == 2) and torch.all(out[0, 0, 3] == 2)
    assert torch.all(out[0, 1] == 0)


def test_second_difference_float32_under_autocast_and_bad_input():
    diff = SecondDifference()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = diff(identity_grid(1, 8, 8) * 1.001)
    assert out.dtype == torch.float32
    with pytest.raises(ValueError, match='H, W >= 3'):
        diff(torch.zeros(1, 2, 2, 5))


def test_tps_identity_and_affine():
    tps = TPSGridGenerator(grid_size=5)
    assert len(tps.state_dict()) == 0  # derived buffers are not saved
    points = tps.control_points.expand(2, -1, -1)
    grid = tps(points, (8, 6))
    assert grid.shape == (2, 2, 8, 6) and grid.dtype == torch.float32
    torch.testing.assert_close(grid, identity_grid(2, 8, 6), atol=1e-5, rtol=0)
    # TPS reproduces affine maps exactly
    matrix = torch.tensor([[0.8, 0.1], [-0.2, 0.9]])
    shift = torch.tensor([0.05, -0.1])
    affine = tps((tps.control_points @ matrix.T + shift).unsqueeze(0), (7, 5))
    outputs = regular_grid_points(7, 5)
    expected = (outputs @ matrix.T + shift).T.reshape(1, 2, 7, 5)
    torch.testing.assert_close(affine, expected, atol=1e-5, rtol=0)


def test_tps_interpolates_control_points_and_checks_input():
    tps = TPSGridGenerator(grid_size=3)
    targets = tps.control_points + 0.1 * torch.randn(1, 9, 2)
    grid = tps(targets, (5, 5))  # the 3x3 control points lie on this 5x5 grid
    at_controls = grid[0, :, ::2, ::2].reshape(2, 9).T
    torch.testing.assert_close(at_controls, targets[0], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r'\(N, 9, 2\)'):
        tps(torch.zeros(1, 25, 2), (4, 4))
