"""Every config file in configs/ loads, and every model a config defines builds as the
config's type and runs on a 64x64 synthetic batch."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT
from tests.helpers.configs import offline
from tests.helpers.contracts import assert_composition, assert_warp_output
from vtonbox.models.tryon.base_tryon import BaseTryOnModel
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True))
#: Config folders whose parser-based networks read VITON-HD's 3-channel DensePose rendering
#: in place of the 25-channel one-hot: their batch carries a rendering-sized input instead.
DENSEPOSE_RENDERING_DIRS = ('viton_hd', )


def test_configs_exist():
    assert osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py') in CONFIGS


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_loads_and_model_builds(path, request):
    cfg = Config.fromfile(path)
    assert cfg.filename == path
    # MMEngine's Runner wants each loop's dataloader, cfg and evaluator all set or all None.
    is_experiment = '_base_' not in osp.relpath(path, REPO_ROOT).split(osp.sep)
    for loop in ('val', 'test') if is_experiment else ():
        parts = [cfg.get(f'{loop}_{k}') is None for k in ('dataloader', 'cfg', 'evaluator')]
        assert len(set(parts)) == 1, f'{loop} loop is half configured in {path}'
        assert '_delete_' not in str(cfg.get(f'{loop}_dataloader'))
    register_all_modules()
    init_default_scope('vtonbox')
    # Top-level experiment configs build their model; _base_ model files expose
    # sub-network dicts (warp_model, generator, ...) which must build on their own.
    built = []
    for key, value in cfg.items():
        if isinstance(value, dict) and 'type' in value and key in ('model', 'warp_model',
                                                                  'generator', 'parser'):
            torch.manual_seed(0)
            module = MODELS.build(offline(value.to_dict()))
            assert type(module) is MODELS.get(value['type']), (key, type(module))
            trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
            assert trainable > 0, key
            with torch.no_grad():
                runs_on_a_batch(module.eval(), config_batch(path, request))
            built.append(key)
    if is_experiment:
        assert 'model' in built, f'{path} defines no model'


def config_batch(path, request):
    """The shared 64x64 batch, with the first 3 DensePose channels standing in for a
    rendering in the configs of ``DENSEPOSE_RENDERING_DIRS``."""
    batch = request.getfixturevalue('tryon_batch')
    if osp.relpath(path, REPO_ROOT).split(osp.sep)[1] not in DENSEPOSE_RENDERING_DIRS:
        return batch
    inputs = dict(batch['inputs'], densepose_onehot=batch['inputs']['densepose_onehot'][:, :3])
    return dict(batch, inputs=inputs)


def runs_on_a_batch(module, batch):
    """A forward pass of the built module on the shared 64x64 synthetic batch that
    checks the shapes of what it returns."""
    inputs = batch['inputs']
    if isinstance(module, BaseTryOnModel):
        out = module.warp(inputs)
        assert_warp_output(out, 2, 64, 64, num_levels=out.num_levels)
        if hasattr(module, 'generator'):
            assert_composition(module.render(inputs, out), 2, 64, 64)
        samples = module(inputs, mode='predict')
        assert samples[0].pred_warped_cloth.shape == (3, 64, 64)
    elif type(module).__name__ == 'FlowWarpModel':
        cond = torch.rand(2, module.cond_channels, 64, 64) * 2 - 1
        out = module(cond, inputs['cloth'], inputs['cloth_mask'])
        assert_warp_output(out, 2, 64, 64, num_levels=module.num_levels)
    elif type(module).__name__ == 'ResUnetGenerator':
        out = module(torch.rand(2, module.in_channels, 64, 64) * 2 - 1)
        assert out.shape == (2, module.out_channels, 64, 64)
    elif type(module).__name__ == 'HumanParser':
        logits = module(inputs, mode='tensor')
        assert logits.shape == (2, module.num_classes, 64, 64)
        assert module.loss(logits, inputs['parsing']).isfinite()
    # other modules: built as their type with parameters (checked by the caller)
