import pytest
import torch
import torch.nn.functional as F

from tests.helpers.official_pfafn import apply_offset, correlation
from tests.helpers.warp_inputs import head_inputs
from vtonbox.models.ops import identity_grid
from vtonbox.models.warpers import AFlowNet, WarpOutput
from vtonbox.registry import MODELS


def upstream_forward(net, x, x_edge, x_warps, x_conds):
    """PF-AFN_train/models/afwm.py AFlowNet.forward with torch-1.1 defaults made explicit
    (grid_sample align_corners=True, bilinear interpolate align_corners=False)."""
    def sample(inp, grid, padding):
        return F.grid_sample(inp, grid, mode='bilinear', padding_mode=padding,
                             align_corners=True)

    weight = net.second_difference.weight
    last_flow = None
    outs = dict(last_flow_all=[], delta_list=[], x_all=[], x_edge_all=[], delta_x_all=[],
                delta_y_all=[], cond_fea_all=[])
    num = len(x_warps)
    for i in range(num):
        x_warp, x_cond = x_warps[num - 1 - i], x_conds[num - 1 - i]
        outs['cond_fea_all'].append(x_cond)
        if last_flow is not None:
            x_warp_after = sample(x_warp, last_flow.detach().permute(0, 2, 3, 1), 'border')
        else:
            x_warp_after = x_warp
        corr = F.leaky_relu(correlation(x_warp_after, x_cond), 0.1)
        flow = net.main_nets[i](corr)
        outs['delta_list'].append(flow)
        flow = apply_offset(flow)
        if last_flow is not None:
            flow = sample(last_flow, flow, 'border')
        else:
            flow = flow.permute(0, 3, 1, 2)
        last_flow = flow
        x_warp = sample(x_warp, flow.permute(0, 2, 3, 1), 'border')
        flow = net.refine_nets[i](torch.cat([x_warp, x_cond], 1))
        outs['delta_list'].append(flow)
        flow = sample(last_flow, apply_offset(flow), 'border')
        last_flow = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
        outs['last_flow_all'].append(last_flow)
        grid = last_flow.permute(0, 2, 3, 1)
        scale = 0.5 ** (num - 1 - i)
        cur_x = F.interpolate(x, scale_factor=scale, mode='bilinear', align_corners=False)
        outs['x_all'].append(sample(cur_x, grid, 'border'))
        cur_edge = F.interpolate(x_edge, scale_factor=scale, mode='bilinear',
                                 align_corners=False)
        outs['x_edge_all'].append(sample(cur_edge, grid, 'zeros'))
        flow_x, flow_y = torch.split(last_flow, 1, dim=1)
        outs['delta_x_all'].append(F.conv2d(flow_x, weight))
        outs['delta_y_all'].append(F.conv2d(flow_y, weight))
    x_warp = sample(x, last_flow.permute(0, 2, 3, 1), 'border')
    return x_warp, last_flow, outs


def scale_up_heads(net, factor=20.0):
    """Random heads give tiny offsets; scale the last convs for multi-pixel displacements."""
    with torch.no_grad():
        for head in list(net.main_nets) + list(net.refine_nets):
            head[6].weight.mul_(factor)


def test_matches_upstream_forward():
    torch.manual_seed(0)
    net = AFlowNet(num_levels=5, in_channels=8)
    scale_up_heads(net)
    cloth, mask, cloth_pyr, cond_pyr = head_inputs()
    out = net(cloth, mask, cloth_pyr, cond_pyr)
    warped, last_flow, ref = upstream_forward(net, cloth, mask, cloth_pyr, cond_pyr)
    # a non-trivial warp: several pixels away from the identity, mostly inside the image
    pixels = (last_flow - identity_grid(2, 64, 64)) * (64 - 1) / 2
    assert pixels.abs().mean() > 2.0 and (last_flow.abs() < 1).float().mean() > 0.5
    close = dict(atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out.warped_cloth, warped, **close)
    torch.testing.assert_close(out.flow, last_flow, **close)
    pairs = [(out.level_flows, ref['last_flow_all']), (out.deltas, ref['delta_list']),
             (out.level_warped_cloths, ref['x_all']),
             (out.level_warped_masks, ref['x_edge_all']),
             (out.cond_features, ref['cond_fea_all'])]
    for ours, theirs in pairs:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, **close)
    for diff, dx, dy in zip(out.level_flow_diffs, ref['delta_x_all'], ref['delta_y_all']):
        torch.testing.assert_close(diff, torch.stack([dx, dy], 1).squeeze(2), **close)
    expected_mask = F.grid_sample(mask, last_flow.permute(0, 2, 3, 1), padding_mode='zeros',
                                  align_corners=True)
    torch.testing.assert_close(out.warped_mask, expected_mask, **close)


def test_output_contract_shapes_128x96():
    net = MODELS.build(dict(type='AFlowNet', num_levels=5, in_channels=8))
    cloth, mask, cloth_pyr, cond_pyr = head_inputs(size=(128, 96), batch=1)
    out = net(cloth, mask, cloth_pyr, cond_pyr)
    assert isinstance(out, WarpOutput) and out.num_levels == 5
    sizes = [(8, 6), (16, 12), (32, 24), (64, 48), (128, 96)]
    assert [tuple(f.shape) for f in out.level_flows] == [(1, 2) + s for s in sizes]
    assert [tuple(c.shape) for c in out.level_warped_cloths] == [(1, 3) + s for s in sizes]
    assert [tuple(m.shape) for m in out.level_warped_masks] == [(1, 1) + s for s in sizes]
    assert [tuple(d.shape) for d in out.level_flow_diffs] == [
        (1, 2, 4, h - 2, w - 2) for h, w in sizes]
    assert [tuple(d.shape[-2:]) for d in out.deltas] == [
        (h // 2, w // 2) for h, w in sizes for _ in range(2)]
    assert [tuple(c.shape[-2:]) for c in out.cond_features] == [
        (h // 2, w // 2) for h, w in sizes]
    assert out.flow.shape == (1, 2, 128, 96) and out.warped_cloth.shape == (1, 3, 128, 96)
    assert out.warped_mask.shape == (1, 1, 128, 96) and out.flow.dtype == torch.float32
    detached = out.detach()
    assert all(not t.requires_grad for t in detached.level_flows + [detached.flow])


def test_state_dict_has_no_filter_key_and_upstream_indices():
    keys = set(AFlowNet(num_levels=2, in_channels=4).state_dict())
    assert not any('second_difference' in k or k == 'weight' for k in keys)
    assert {'main_nets.1.6.bias', 'refine_nets.0.0.weight', 'main_nets.0.4.weight'} <= keys
    assert not any(k.startswith(('main_nets.0.1', 'main_nets.0.3', 'main_nets.0.5'))
                   for k in keys)


def test_key_and_parameter_order_is_upstream():
    """netMain before netRefine, as in the released files (and in optimizer states, which
    index parameters by position)."""
    net = AFlowNet(num_levels=2, in_channels=4)
    for names in (list(net.state_dict()), [name for name, _ in net.named_parameters()]):
        heads = [name.split('.')[0] for name in names]
        assert heads == ['main_nets'] * 16 + ['refine_nets'] * 16


def test_bf16_autocast_runs():
    net = AFlowNet(num_levels=5, in_channels=8)
    cloth, mask, cloth_pyr, cond_pyr = head_inputs(batch=1)
    expected = net(cloth, mask, cloth_pyr, cond_pyr)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = net(cloth, mask, [f.bfloat16() for f in cloth_pyr],
                  [f.bfloat16() for f in cond_pyr])
    assert out.flow.dtype == torch.float32 and out.level_flow_diffs[0].dtype == torch.float32
    torch.testing.assert_close(out.flow, expected.flow, atol=5e-2, rtol=0)


def test_wrong_number_of_levels():
    cloth, mask, cloth_pyr, cond_pyr = head_inputs()
    with pytest.raises(ValueError, match='expects 4 pyramid levels'):
        AFlowNet(num_levels=4, in_channels=8)(cloth, mask, cloth_pyr, cond_pyr)
