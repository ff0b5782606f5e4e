import pytest
import torch
import torch.nn.functional as F

from tests.helpers.warp_inputs import feature_pyramids, warp_batch
from vtonbox.models.warpers import ClothFlowWarper, FlowWarpModel, WarpOutput
from vtonbox.registry import MODELS

SMALL_WARPER = dict(type='ClothFlowWarper', refine_channels=[8, 8, 8])
SMALL = dict(encoder=dict(type='FeatureEncoder', channels=[4, 8, 8, 8, 8]),
             fpn=dict(type='RefinePyramid', out_channels=8), warper=SMALL_WARPER)


def reference_flows(net, cloth_pyramid, cond_pyramid):
    """Refinement-only cascade restated with plain torch ops (align_corners=True)."""
    def sample(inp, flow):
        return F.grid_sample(inp, flow.permute(0, 2, 3, 1), mode='bilinear',
                             padding_mode='border', align_corners=True)

    def offset_to_flow(offset):
        height, width = offset.shape[-2:]
        xs = (torch.arange(width).view(1, 1, width) + offset[:, 0]) / ((width - 1) / 2) - 1
        ys = (torch.arange(height).view(1, height, 1) + offset[:, 1]) / ((height - 1) / 2) - 1
        return torch.stack([xs, ys], dim=1)

    flow, flows = None, []
    for i in range(5):
        x_cloth, x_cond = cloth_pyramid[4 - i], cond_pyramid[4 - i]
        x = x_cloth if flow is None else sample(x_cloth, flow.detach())
        new = offset_to_flow(net.refine_nets[i](torch.cat([x, x_cond], 1)))
        flow = new if flow is None else sample(flow, new)
        flow = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
        flows.append(flow)
    return flows


@pytest.mark.parametrize('size,batch,autocast', [((256, 192), 1, True), ((128, 96), 2, False)])
def test_forward_backward(size, batch, autocast):
    model = MODELS.build(dict(type='FlowWarpModel', cond_channels=3, **SMALL))
    assert isinstance(model.warper, ClothFlowWarper)
    cond, cloth, mask = warp_batch(size, batch)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        out = model(cond, cloth, mask)
        loss = sum((c.float() - F.interpolate(cloth, c.shape[-2:])).abs().mean()
                   for c in out.level_warped_cloths) + out.warped_mask.mean()
    loss.backward()
    sizes = [(size[0] >> s, size[1] >> s) for s in range(4, -1, -1)]
    assert isinstance(out, WarpOutput)
    assert out.flow.shape == (batch, 2) + size and out.flow.dtype == torch.float32
    assert [tuple(f.shape) for f in out.level_flows] == [(batch, 2) + s for s in sizes]
    assert [tuple(d.shape) for d in out.deltas] == [(batch, 2, h // 2, w // 2) for h, w in sizes]
    assert [tuple(c.shape) for c in out.cond_features] == [
        (batch, 8, h // 2, w // 2) for h, w in sizes]
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
    assert sum(p.grad.abs().sum() for p in model.warper.refine_nets[0].parameters()) > 0


def test_matches_restated_reference_and_final_flow():
    warper = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    cloth_pyramid, cond_pyramid = feature_pyramids()
    with torch.no_grad():
        flows, deltas, cond_features = warper.estimate_flows(cloth_pyramid, cond_pyramid)
        for flow, ref in zip(flows, reference_flows(warper, cloth_pyramid, cond_pyramid)):
            assert torch.allclose(flow, ref, atol=1e-4)
    assert len(deltas) == 5 and cond_features == cond_pyramid[::-1]
    model = MODELS.build(dict(type='FlowWarpModel', cond_channels=3, **SMALL))
    cond, cloth, mask = warp_batch((64, 64), 1)
    with torch.no_grad():
        out = model(cond, cloth, mask)
        final = model.final_flow(model.encode_cloth(cloth), model.encode_cond(cond))
    assert torch.equal(final, out.flow)


def test_prewarp_uses_the_detached_previous_flow():
    warper = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    cloth_pyramid, cond_pyramid = feature_pyramids()
    _, deltas, _ = warper.estimate_flows(cloth_pyramid, cond_pyramid)
    deltas[1].square().sum().backward()
    assert all(p.grad is None for p in warper.refine_nets[0].parameters())
    warper.zero_grad()
    flows, _, _ = warper.estimate_flows(cloth_pyramid, cond_pyramid)
    flows[1].square().sum().backward()
    assert sum(p.grad.abs().sum() for p in warper.refine_nets[0].parameters()) > 0


def test_state_dict_has_only_aflownet_style_refine_nets():
    model = FlowWarpModel(cond_channels=3, warper=dict(type='ClothFlowWarper'))
    pfafn = FlowWarpModel(cond_channels=3)
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expected = {k: tuple(v.shape) for k, v in pfafn.state_dict().items()
                if not k.startswith('warper.main_nets.')}
    assert ours == expected and len(ours) == 380


def test_bad_inputs():
    warper = ClothFlowWarper(in_channels=8, refine_channels=[4])
    cloth_pyramid, cond_pyramid = feature_pyramids()
    with pytest.raises(ValueError, match='ClothFlowWarper expects 5 pyramid levels'):
        warper.estimate_flows(cloth_pyramid[1:], cond_pyramid[1:])
    with pytest.raises(ValueError, match='num_levels'):
        ClothFlowWarper(num_levels=0)
