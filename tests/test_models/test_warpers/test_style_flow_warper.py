import copy
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from tests.helpers.warp_inputs import feature_pyramids, warp_batch
from vtonbox.models.warpers import FlowWarpModel, StyleFlowWarper, WarpOutput
from vtonbox.models.warpers.style_flow_warper import OFFICIAL_KEY_RENAMES
from vtonbox.registry import MODELS

#: aflow_net.* names and shapes of the released FS-VTON warp checkpoint.
KEYS_FILE = osp.join(osp.dirname(__file__), '..', '..', 'data', 'fsvton_aflow_keys.txt')
SMALL_WARPER = dict(type='StyleFlowWarper', style_channels=4, style_net_channels=6,
                    flow_net_channels=8, refine_channels=[8, 8, 8])
SMALL = dict(encoder=dict(type='FeatureEncoder', channels=[4, 8, 8, 8, 8]),
             fpn=dict(type='RefinePyramid', out_channels=8), warper=SMALL_WARPER)


def small_model(warper=None):
    cfg = dict(type='FlowWarpModel', cond_channels=3, **copy.deepcopy(SMALL))
    if warper is not None:
        cfg['warper'] = warper
    return MODELS.build(cfg)


def load_official_keys():
    keys = {}
    with open(KEYS_FILE) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            key, shape = line.rstrip('\n').split('\t')
            keys[key] = tuple(int(s) for s in shape.strip('()').split(',') if s.strip())
    return keys


def rename(key):
    for old, new in OFFICIAL_KEY_RENAMES:
        if key.startswith(old):
            return new + key[len(old):]
    raise AssertionError(f'no prefix rename for official key {key}')


def reference_flows(net, cloth_pyramid, cond_pyramid):
    """The style-flow cascade restated from the FS-VTON description with plain torch ops
    (grid_sample align_corners=True as torch 1.1, per-sample modulated convs)."""
    def sample(inp, flow, padding='border'):
        return F.grid_sample(inp, flow.permute(0, 2, 3, 1), mode='bilinear',
                             padding_mode=padding, align_corners=True)

    def offset_to_flow(offset):
        height, width = offset.shape[-2:]
        xs = (torch.arange(width).view(1, 1, width) + offset[:, 0]) / ((width - 1) / 2) - 1
        ys = (torch.arange(height).view(1, height, 1) + offset[:, 1]) / ((height - 1) / 2) - 1
        return torch.stack([xs, ys], dim=1)

    def modconv(conv, x, style):
        linear = conv.mlp_class_std.linear
        scales = F.linear(style, linear.weight_orig * math.sqrt(2 / style.shape[1]),
                          linear.bias)
        outs = []
        for n in range(x.shape[0]):
            w = conv.weight * math.sqrt(2 / (x.shape[1] * 9)) * scales[n][None, :, None, None]
            w = w * torch.rsqrt(w.pow(2).sum(dim=(1, 2, 3), keepdim=True) + 1e-5)
            outs.append(F.conv2d(x[n:n + 1], w, padding=1))
        return torch.cat(outs) + conv.bias

    def act(x):
        return F.leaky_relu(x, 0.2) * math.sqrt(2)

    def style_code(head, x):
        return F.leaky_relu(F.conv2d(x, head[0].weight, head[0].bias), 0.1).flatten(1)

    style = torch.cat([style_code(net.cond_style, cond_pyramid[-1]),
                       style_code(net.cloth_style, cloth_pyramid[-1])], dim=1)
    flow, flows = None, []
    for i in range(5):
        x_cloth, x_cond = cloth_pyramid[4 - i], cond_pyramid[4 - i]
        x = x_cloth if flow is None else sample(x_cloth, flow.detach())
        x = act(modconv(net.style_nets[i].conv0, x, style))
        x = act(modconv(net.style_nets[i].conv1, x, style))
        x = act(modconv(net.flow_nets[i].conv0, x, style))
        new = offset_to_flow(modconv(net.flow_nets[i].conv1, x, style))
        flow = new if flow is None else sample(flow, new)
        offset = net.refine_nets[i](torch.cat([sample(x_cloth, flow), x_cond], 1))
        flow = sample(flow, offset_to_flow(offset))
        flow = F.interpolate(flow, scale_factor=2, mode='bilinear', align_corners=False)
        flows.append(flow)
    return style, flows


def level_sizes(height, width):
    return [(height >> s, width >> s) for s in range(4, -1, -1)]


@pytest.mark.parametrize('size,batch', [((256, 192), 1), ((512, 384), 1), ((128, 96), 2)])
def test_forward_backward_bf16(size, batch):
    model = small_model()
    assert isinstance(model.warper, StyleFlowWarper)
    cond, cloth, mask = warp_batch(size, batch)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = model(cond, cloth, mask)
        loss = sum((c.float() - F.interpolate(cloth, c.shape[-2:])).abs().mean()
                   for c in out.level_warped_cloths)
        loss = loss + sum(d.abs().mean() for d in out.level_flow_diffs) + out.warped_mask.mean()
    loss.backward()
    sizes = level_sizes(*size)
    assert isinstance(out, WarpOutput) and out.num_levels == 5
    assert out.flow.shape == (batch, 2) + size and out.flow.dtype == torch.float32
    assert out.warped_cloth.shape == (batch, 3) + size
    assert [tuple(f.shape) for f in out.level_flows] == [(batch, 2) + s for s in sizes]
    assert all(f.dtype == torch.float32 for f in out.level_flows)
    assert [tuple(c.shape) for c in out.level_warped_masks] == [(batch, 1) + s for s in sizes]
    assert [tuple(d.shape) for d in out.level_flow_diffs] == [
        (batch, 2, 4, h - 2, w - 2) for h, w in sizes]
    assert [tuple(d.shape) for d in out.deltas] == [
        (batch, 2, h // 2, w // 2) for h, w in sizes for _ in range(2)]
    assert [tuple(c.shape) for c in out.cond_features] == [
        (batch, 8, h // 2, w // 2) for h, w in sizes]
    assert torch.isfinite(out.warped_cloth).all()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
    warper = model.warper
    for module in (warper.cond_style, warper.cloth_style, warper.style_nets[0],
                   warper.flow_nets[4], warper.refine_nets[2], model.cond_encoder):
        assert sum(p.grad.abs().sum() for p in module.parameters()) > 0


def test_fp32_matches_restated_reference():
    warper = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    with torch.no_grad():  # non-zero biases so the bias paths are compared too
        for name, param in warper.named_parameters():
            if name.endswith('bias'):
                param.normal_(std=0.1)
    cloth_pyramid, cond_pyramid = feature_pyramids(size=(256, 192))
    with torch.no_grad():
        style, expected = reference_flows(warper, cloth_pyramid, cond_pyramid)
        flows, deltas, cond_features = warper.estimate_flows(cloth_pyramid, cond_pyramid)
        assert torch.allclose(warper.style_vector(cloth_pyramid, cond_pyramid), style)
    assert len(deltas) == 10 and cond_features == cond_pyramid[::-1]
    for flow, ref in zip(flows, expected):
        assert torch.allclose(flow, ref, atol=1e-4)  # float rounding through 10 compositions


def test_grouped_modulation_gives_the_same_flows():
    static = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    grouped = MODELS.build(dict(SMALL_WARPER, in_channels=8, grouped_modulation=True))
    grouped.load_state_dict(static.state_dict())
    cloth_pyramid, cond_pyramid = feature_pyramids()
    with torch.no_grad():
        for a, b in zip(static.estimate_flows(cloth_pyramid, cond_pyramid)[0],
                        grouped.estimate_flows(cloth_pyramid, cond_pyramid)[0]):
            assert torch.allclose(a, b, atol=1e-4)


def test_style_pooling_is_identity_at_256x192():
    warper = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    cloth_pyramid, cond_pyramid = feature_pyramids(size=(256, 192))
    assert cloth_pyramid[-1].shape[-2:] == (8, 6)
    assert warper.pool_style_input(cloth_pyramid[-1]) is cloth_pyramid[-1]
    with torch.no_grad():
        unpooled = torch.cat([warper.cond_style(cond_pyramid[-1]).flatten(1),
                              warper.cloth_style(cloth_pyramid[-1]).flatten(1)], dim=1)
        assert torch.equal(warper.style_vector(cloth_pyramid, cond_pyramid), unpooled)
        # at 512x384 the kernel sees the 2x2-average of the 16x12 coarsest map
        cloth_pyramid, cond_pyramid = feature_pyramids(size=(512, 384))
        pooled = torch.cat([warper.cond_style(F.avg_pool2d(cond_pyramid[-1], 2)).flatten(1),
                            warper.cloth_style(F.avg_pool2d(cloth_pyramid[-1], 2)).flatten(1)],
                           dim=1)
        assert torch.allclose(warper.style_vector(cloth_pyramid, cond_pyramid), pooled,
                              atol=1e-6)
        # smaller than the kernel (128x96 -> 4x3) still gives one vector per sample
        cloth_pyramid, cond_pyramid = feature_pyramids(size=(128, 96))
        assert warper.style_vector(cloth_pyramid, cond_pyramid).shape == (2, 8)


def test_prewarp_uses_the_detached_previous_flow():
    warper = MODELS.build(dict(SMALL_WARPER, in_channels=8))
    cloth_pyramid, cond_pyramid = feature_pyramids()
    # level 1's style-flow offset sees level 0's flow only through the detached pre-warp:
    # no gradient may reach level 0's flow nets
    _, deltas, _ = warper.estimate_flows(cloth_pyramid, cond_pyramid)
    deltas[2].square().sum().backward()
    for module in (warper.flow_nets[0], warper.refine_nets[0]):
        assert all(p.grad is None or not p.grad.any() for p in module.parameters())
    assert warper.flow_nets[1].conv1.weight.grad.abs().sum() > 0
    # ... whereas level 1's flow depends on level 0's through the composition
    warper.zero_grad()
    flows, _, _ = warper.estimate_flows(cloth_pyramid, cond_pyramid)
    flows[1].square().sum().backward()
    for module in (warper.flow_nets[0], warper.refine_nets[0]):
        assert sum(p.grad.abs().sum() for p in module.parameters()) > 0


def test_state_dict_maps_onto_official_keys():
    official = load_official_keys()
    assert len(official) == 124 and all(k.startswith('aflow_net.') for k in official)
    model = FlowWarpModel(cond_channels=3, warper=dict(type='StyleFlowWarper'))
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    renamed = {rename(k): shape for k, shape in official.items()}
    assert len(renamed) == len(official)  # one-to-one
    assert renamed == {k: s for k, s in ours.items() if k.startswith('warper.')}
    # the 340 encoder / FPN keys are PF-AFN's (the full file has 464 keys)
    pfafn = FlowWarpModel(cond_channels=3)
    assert len(ours) == 464
    assert {k: s for k, s in ours.items() if not k.startswith('warper.')} == {
        k: tuple(v.shape) for k, v in pfafn.state_dict().items()
        if not k.startswith('warper.')}
    # refine nets have AFlowNet's layout, so its rename of netRefine is the same
    assert {k: s for k, s in ours.items() if k.startswith('warper.refine_nets.')} == {
        k: tuple(v.shape) for k, v in pfafn.state_dict().items()
        if k.startswith('warper.refine_nets.')}


def test_final_flow_and_detach():
    model = small_model()
    cond, cloth, mask = warp_batch((64, 64), 1)
    with torch.no_grad():
        out = model(cond, cloth, mask)
        flow = model.final_flow(model.encode_cloth(cloth), model.encode_cond(cond))
    assert torch.equal(flow, out.flow)
    assert out.detach().flow.shape == (1, 2, 64, 64)


def test_bad_configs_and_inputs():
    with pytest.raises(ValueError, match='style_kernel_size'):
        StyleFlowWarper(in_channels=8, style_kernel_size=(8, 6, 1))
    with pytest.raises(ValueError, match='num_levels'):
        StyleFlowWarper(num_levels=0)
    warper = StyleFlowWarper(in_channels=8, style_channels=4, style_net_channels=4,
                             flow_net_channels=4, refine_channels=[4])
    cloth_pyramid, cond_pyramid = feature_pyramids()
    with pytest.raises(ValueError, match='StyleFlowWarper expects 5 pyramid levels'):
        warper.estimate_flows(cloth_pyramid[:4], cond_pyramid[:4])
    assert StyleFlowWarper(in_channels=8, style_kernel_size=4).style_kernel_size == (4, 4)


@pytest.mark.parametrize('size', [(8, 6), (16, 12), (4, 3), (2, 3), (12, 9), (5, 7)])
def test_style_pooling_equals_adaptive_pooling(size):
    """The exportable block-pooling / repeat forms equal adaptive average pooling."""
    warper = StyleFlowWarper(num_levels=5, in_channels=8, style_channels=4,
                             style_net_channels=4, flow_net_channels=4)
    feature = torch.randn(2, 8, *size)
    expected = torch.nn.functional.adaptive_avg_pool2d(feature, (8, 6))
    torch.testing.assert_close(warper.pool_style_input(feature), expected, rtol=0, atol=1e-6)
