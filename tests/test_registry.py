"""Registries: scope, lazy locations, and user modules through custom_imports."""
import sys
import textwrap

from mmengine.config import Config
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import init_default_scope

from vtonbox import registry
from vtonbox.registry import MODELS


def test_every_registry_is_a_child_of_mmengine_with_locations():
    names = ['MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'METRICS', 'EVALUATOR',
             'HOOKS', 'VISUALIZERS', 'VISBACKENDS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS',
             'RUNNERS', 'WEIGHT_INITIALIZERS']
    for name in names:
        node = getattr(registry, name)
        assert node.parent is not None and node.parent.scope == 'mmengine', name
        assert node.scope == 'vtonbox', name
        assert node._locations and all(loc.startswith('vtonbox.') for loc in node._locations)
    assert MODELS.parent is MMENGINE_MODELS


def test_mmengine_modules_resolve_from_vtonbox_scope():
    init_default_scope('vtonbox')
    from vtonbox.registry import OPTIM_WRAPPERS
    assert OPTIM_WRAPPERS.get('OptimWrapper') is not None
    assert OPTIM_WRAPPERS.get('CPUAutocastOptimWrapper') is not None


def test_custom_module_through_custom_imports(tmp_path, monkeypatch):
    module = tmp_path / 'my_vton_plugin.py'
    module.write_text(textwrap.dedent('''
        import torch
        from vtonbox.registry import MODELS

        @MODELS.register_module()
        class MyTinyHead(torch.nn.Module):
            def __init__(self, channels=4):
                super().__init__()
                self.conv = torch.nn.Conv2d(channels, 2, 1)

            def forward(self, x):
                return self.conv(x)
    '''))
    config = tmp_path / 'my_config.py'
    config.write_text(textwrap.dedent('''
        custom_imports = dict(imports=['my_vton_plugin'], allow_failed_imports=False)
        model = dict(type='MyTinyHead', channels=3)
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = Config.fromfile(str(config))  # imports the plugin, which registers MyTinyHead
    init_default_scope('vtonbox')
    model = MODELS.build(cfg.model)
    assert model.conv.in_channels == 3
    assert 'my_vton_plugin' in sys.modules
    MODELS._module_dict.pop('MyTinyHead')
