import pytest
import torch

from tests.helpers.warp_inputs import head_inputs
from vtonbox.models.ops import identity_grid, resize_image
from vtonbox.models.warpers import TPSWarper
from vtonbox.models.warpers.tps_warper import global_correlation
from vtonbox.registry import MODELS


def small_warper(**kwargs):
    return MODELS.build(dict(type='TPSWarper', in_channels=8, regressor_channels=(16, 8, 8, 8),
                             **kwargs))


def test_initial_warp_is_identity_and_contract_shapes():
    warper = small_warper()
    cloth, mask, cloth_pyr, cond_pyr = head_inputs()
    out = warper(cloth, mask, cloth_pyr, cond_pyr)
    sizes = [(4, 4), (8, 8), (16, 16), (32, 32), (64, 64)]
    assert [tuple(f.shape) for f in out.level_flows] == [(2, 2) + s for s in sizes]
    assert [tuple(d.shape) for d in out.level_flow_diffs] == [
        (2, 2, 4, h - 2, w - 2) for h, w in sizes]
    assert out.deltas == [] and [c.shape[-1] for c in out.cond_features] == [2, 4, 8, 16, 32]
    torch.testing.assert_close(out.flow, identity_grid(2, 64, 64), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.warped_cloth, cloth, atol=1e-4, rtol=0)
    torch.testing.assert_close(out.warped_mask, mask, atol=1e-4, rtol=0)
    for level_cloth, (h, w) in zip(out.level_warped_cloths, sizes):
        torch.testing.assert_close(level_cloth, resize_image(cloth, (h, w)), atol=1e-4, rtol=0)


def test_regressed_points_move_the_grid_and_get_gradients():
    warper = small_warper()
    torch.nn.init.normal_(warper.linear.weight, std=0.05)
    cloth, mask, cloth_pyr, cond_pyr = head_inputs(size=(128, 96), batch=2)
    cloth_pyr = [f.requires_grad_() for f in cloth_pyr]
    out = warper(cloth, mask, cloth_pyr, cond_pyr)
    assert out.flow.shape == (2, 2, 128, 96)
    assert (out.flow - identity_grid(2, 128, 96)).abs().max() > 1e-3
    out.warped_cloth.mean().backward()
    assert cloth_pyr[warper.level].grad.abs().sum() > 0  # the correlated level
    assert cloth_pyr[0].grad is None or cloth_pyr[0].grad.abs().sum() == 0


def test_global_correlation_layout():
    first, second = torch.randn(1, 4, 3, 2), torch.randn(1, 4, 3, 2)
    out = global_correlation(first, second)
    assert out.shape == (1, 6, 3, 2)
    y, x, i, j = 2, 1, 0, 1
    expected = (first[0, :, y, x] * second[0, :, i, j]).sum()
    torch.testing.assert_close(out[0, x * 3 + y, i, j], expected)


def test_bf16_autocast_and_other_feature_sizes():
    warper = small_warper()
    cloth, mask, cloth_pyr, cond_pyr = head_inputs(size=(256, 192), batch=1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = warper(cloth, mask, cloth_pyr, cond_pyr)
    assert out.flow.shape == (1, 2, 256, 192) and out.flow.dtype == torch.float32
    assert out.level_flows[0].shape[-2:] == (16, 12)


def test_bad_arguments():
    with pytest.raises(ValueError, match='level must be'):
        TPSWarper(num_levels=5, level=5)
    with pytest.raises(ValueError, match='multiples of 4'):
        TPSWarper(correlation_size=(10, 12))
    cloth, mask, cloth_pyr, cond_pyr = head_inputs()
    with pytest.raises(ValueError, match='expects 5 pyramid levels'):
        small_warper()(cloth, mask, cloth_pyr[:4], cond_pyr[:4])
