import pytest
import torch
import torch.nn.functional as F

from vtonbox.models.ops import (
    apply_offset,
    compose_flows,
    identity_grid,
    resize_flow,
    resize_image,
    warp,
)


def upstream_apply_offset(offset):
    """Verbatim logic of PF-AFN's apply_offset."""
    sizes = list(offset.size()[2:])
    grids = torch.meshgrid([torch.arange(size) for size in sizes], indexing='ij')
    grids = reversed(grids)
    grids = [grid.float().unsqueeze(0) + offset[:, dim, ...] for dim, grid in enumerate(grids)]
    grids = [grid / ((size - 1.0) / 2.0) - 1.0 for grid, size in zip(grids, reversed(sizes))]
    return torch.stack(grids, dim=-1)


def test_apply_offset_zero_is_identity_grid_and_reproduces_input():
    grid = apply_offset(torch.zeros(2, 2, 5, 7))
    assert grid.shape == (2, 5, 7, 2)
    assert grid[0, 0, 0].tolist() == [-1.0, -1.0] and grid[0, -1, -1].tolist() == [1.0, 1.0]
    image = torch.randn(2, 3, 5, 7)
    torch.testing.assert_close(warp(image, grid.permute(0, 3, 1, 2)), image)
    torch.testing.assert_close(identity_grid(2, 5, 7), grid.permute(0, 3, 1, 2))


def test_apply_offset_matches_upstream():
    offset = torch.randn(2, 2, 6, 4) * 3
    torch.testing.assert_close(apply_offset(offset), upstream_apply_offset(offset))


def test_pixel_offset_shifts_the_image():
    image = torch.arange(20.).view(1, 1, 4, 5)
    offset = torch.zeros(1, 2, 4, 5)
    offset[:, 0] = 1.0  # sample one column to the right
    shifted = warp(image, apply_offset(offset).permute(0, 3, 1, 2), 'border')
    torch.testing.assert_close(shifted[..., :-1], image[..., 1:])
    torch.testing.assert_close(shifted[..., -1], image[..., -1])  # border padding
    zeros = warp(image, apply_offset(offset).permute(0, 3, 1, 2), 'zeros')
    assert torch.all(zeros[..., -1] == 0)


def test_apply_offset_needs_two_pixels_and_a_2_channel_flow():
    with pytest.raises(ValueError, match='H, W >= 2'):
        apply_offset(torch.zeros(1, 2, 1, 4))
    with pytest.raises(ValueError, match=r'\(N, 2, H, W\)'):
        apply_offset(torch.zeros(1, 3, 4, 4))


def test_compose_flows():
    flow = torch.rand(2, 2, 6, 5) * 2 - 1
    identity = apply_offset(torch.zeros(2, 2, 6, 5))
    torch.testing.assert_close(compose_flows(flow, identity), flow)
    # composing two one-pixel shifts gives a two-pixel shift (away from the border)
    offset = torch.zeros(1, 2, 6, 9)
    offset[:, 0] = 1.0
    one = apply_offset(offset)
    two = compose_flows(one.permute(0, 3, 1, 2), one)
    expected = apply_offset(2 * offset)
    torch.testing.assert_close(two[..., :-2], expected.permute(0, 3, 1, 2)[..., :-2])


def test_flows_stay_float32_under_autocast():
    offset = torch.randn(1, 2, 4, 4).bfloat16()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        grid = apply_offset(offset)
        warped = warp(torch.randn(1, 3, 4, 4).bfloat16(), grid.permute(0, 3, 1, 2))
    assert grid.dtype == torch.float32 and warped.dtype == torch.float32


def test_resize_helpers_use_align_corners_false():
    flow = torch.rand(1, 2, 4, 3)
    expected = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
    torch.testing.assert_close(resize_flow(flow, (8, 6)), expected)
    constant = torch.full((1, 2, 4, 3), 0.25)
    torch.testing.assert_close(resize_flow(constant, (8, 6)), torch.full((1, 2, 8, 6), 0.25))
    image = torch.rand(1, 3, 8, 6)
    assert resize_image(image, (8, 6)) is image
    torch.testing.assert_close(resize_image(image, (4, 3)),
                               F.interpolate(image, scale_factor=0.5, mode='bilinear'))
