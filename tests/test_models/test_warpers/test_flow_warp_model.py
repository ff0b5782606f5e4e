import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.helpers.warp_inputs import warp_batch
from vtonbox.models.warpers import AFlowNet, FlowWarpModel, TPSWarper, WarpOutput
from vtonbox.registry import MODELS

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
#: Warp-model lines of the released PF-AFN checkpoint's key table (names and shapes).
KEYS_FILE = osp.join(osp.dirname(__file__), 'fixtures', 'pfafn_warp_keys.txt')
UPSTREAM_PREFIXES = {
    'image_features.': 'cloth_encoder.', 'cond_features.': 'cond_encoder.',
    'image_FPN.': 'cloth_fpn.', 'cond_FPN.': 'cond_fpn.',
    'aflow_net.netMain.': 'warper.main_nets.', 'aflow_net.netRefine.': 'warper.refine_nets.'}
BUFFER_SUFFIXES = ('running_mean', 'running_var', 'num_batches_tracked')

SMALL = dict(encoder=dict(type='FeatureEncoder', channels=[4, 8, 8, 8, 8]),
             fpn=dict(type='RefinePyramid', out_channels=8),
             warper=dict(type='AFlowNet', hidden_channels=[16, 16, 16]))
SMALL_TPS = dict(type='TPSWarper', regressor_channels=[8, 8, 8, 8])


def small_model(cond_channels=3, warper=None, **kwargs):
    cfg = dict(type='FlowWarpModel', cond_channels=cond_channels, **copy.deepcopy(SMALL))
    cfg.update(kwargs)
    if warper is not None:
        cfg['warper'] = warper
    return MODELS.build(cfg)


def load_upstream_keys():
    keys = {}
    with open(KEYS_FILE) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            _, key, shape, _ = line.rstrip('\n').split('\t')
            keys[key] = tuple(int(s) for s in shape.strip('()').split(',') if s.strip())
    return keys


def rename(key):
    for old, new in UPSTREAM_PREFIXES.items():
        if key.startswith(old):
            return new + key[len(old):]
    raise AssertionError(f'no prefix rename for upstream key {key}')


def level_sizes(height, width):
    return [(height >> s, width >> s) for s in range(4, -1, -1)]


@pytest.mark.parametrize('size', [(256, 192), (128, 96), (64, 64)])
@pytest.mark.parametrize('autocast', [False, True])
def test_output_shapes(size, autocast):
    model = small_model(cond_channels=45)
    cond, cloth, mask = warp_batch(size, batch=1, cond_channels=45)
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        out = model(cond, cloth, mask)
    sizes = level_sizes(*size)
    assert isinstance(out, WarpOutput)
    assert out.warped_cloth.shape == (1, 3) + size and out.warped_mask.shape == (1, 1) + size
    assert out.flow.shape == (1, 2) + size and out.flow.dtype == torch.float32
    assert [tuple(f.shape) for f in out.level_flows] == [(1, 2) + s for s in sizes]
    assert [tuple(c.shape) for c in out.level_warped_cloths] == [(1, 3) + s for s in sizes]
    assert [tuple(d.shape) for d in out.level_flow_diffs] == [
        (1, 2, 4, h - 2, w - 2) for h, w in sizes]
    assert len(out.deltas) == 10
    assert [tuple(c.shape) for c in out.cond_features] == [
        (1, 8, h // 2, w // 2) for h, w in sizes]
    assert torch.isfinite(out.warped_cloth.float()).all()


def test_full_width_shapes_64x64():
    model = FlowWarpModel(cond_channels=3)
    with torch.no_grad():
        out = model(*warp_batch((64, 64), batch=1, cond_channels=3))
    assert out.flow.shape == (1, 2, 64, 64)
    assert [tuple(c.shape) for c in out.cond_features] == [
        (1, 256, s, s) for s in (2, 4, 8, 16, 32)]
    assert [tuple(d.shape) for d in out.deltas[::2]] == [(1, 2, s, s) for s in (2, 4, 8, 16, 32)]


@pytest.mark.parametrize('warper', [SMALL['warper'], SMALL_TPS])
def test_warpers_are_interchangeable(warper):
    model = small_model(cond_channels=20, warper=warper)
    assert isinstance(model.warper, AFlowNet if warper['type'] == 'AFlowNet' else TPSWarper)
    cond, cloth, mask = warp_batch((64, 64), cond_channels=20)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # two steps: TPS starts at the exact identity (zero-initialised regressor output),
    # which has no gradient path to the encoders until the first update
    for _ in range(2):
        optimizer.zero_grad()
        out = model(cond, cloth, mask)
        loss = sum((c - cloth[:, :, ::cloth.shape[-1] // c.shape[-1], ::cloth.shape[-1]
                               // c.shape[-1]]).abs().mean() for c in out.level_warped_cloths)
        loss = loss + out.warped_mask.mean() + sum(d.abs().mean() for d in out.level_flow_diffs)
        loss.backward()
        optimizer.step()
    for encoder in (model.cloth_encoder, model.cond_encoder):
        grads = [p.grad for p in encoder.parameters()]
        assert all(g is not None for g in grads)
        assert sum(g.abs().sum() for g in grads) > 0


def test_resnet_encoder_is_interchangeable():
    model = small_model(encoder=dict(type='ResNetEncoder', channels=[4, 8, 8, 8, 8]))
    out = model(*warp_batch((64, 64), batch=1, cond_channels=3))
    assert out.flow.shape == (1, 2, 64, 64) and len(out.level_flows) == 5


def test_state_dict_matches_released_checkpoint():
    upstream = load_upstream_keys()
    assert len(upstream) == 420
    model = FlowWarpModel(cond_channels=3)
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    renamed = {rename(k): shape for k, shape in upstream.items()}
    assert len(renamed) == len(upstream)  # one-to-one
    assert renamed == ours
    num_params = sum(p.numel() for p in model.parameters())
    expected = sum(math.prod(s) for k, s in upstream.items() if not k.endswith(BUFFER_SUFFIXES))
    assert num_params == expected
    assert abs(num_params / 1e6 - 29.3) < 0.05


@pytest.mark.parametrize('name,key,cond_channels,warper', [
    ('pfafn_warp', 'warp_model', 3, AFlowNet),
    ('pbafn_tryon', 'pbafn_warp_model', 45, AFlowNet),
    ('cpvton_tps_warp', 'warp_model', 22, TPSWarper)])
def test_base_configs_build(name, key, cond_channels, warper):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', f'{name}.py'))
    model = MODELS.build(cfg[key])
    assert isinstance(model, FlowWarpModel) and isinstance(model.warper, warper)
    first_conv = model.cond_encoder.encoders[0][0].block[2].weight
    assert first_conv.shape == (64, cond_channels, 3, 3)


@pytest.mark.parametrize('size', [(100, 64), (64, 48), (32, 32)])
def test_unsupported_sizes_raise(size):
    model = small_model()
    with pytest.raises(ValueError, match=f'{size[0]}x{size[1]}'):
        model(*warp_batch(size, batch=1, cond_channels=3))


def test_bad_inputs_and_configs():
    model = small_model()
    cond, cloth, mask = warp_batch((64, 64), batch=1, cond_channels=3)
    with pytest.raises(ValueError, match=r'cond must have shape \(N, 3, H, W\)'):
        model(torch.randn(1, 4, 64, 64), cloth, mask)
    with pytest.raises(ValueError, match='share N, H, W'):
        model(cond, cloth, mask[:, :, :32])
    with pytest.raises(ValueError, match='in_channels is derived'):
        FlowWarpModel(3, encoder=dict(type='FeatureEncoder', in_channels=3))
    with pytest.raises(ValueError, match='num_levels=4'):
        small_model(warper=dict(type='AFlowNet', num_levels=4))
