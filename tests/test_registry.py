"""Registries: scope, lazy locations, and user modules through custom_imports."""
import sys
import textwrap

from mmengine.config import Config
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import init_default_scope

from vtonbox import registry
from vtonbox.registry import MODELS


def test_every_registry_is_a_child_of_mmengine_with_locations():
    for name in registry.__all__:
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


def test_runner_builds_from_vtonbox_scope_without_registry_warnings(tmp_path):
    # Every kind the Runner builds needs a vtonbox node, or MMEngine warns "Failed to
    # search registry with scope vtonbox" (here: the loop, the log processor, the
    # optimizer and the optimizer-wrapper constructor of a tiny training run).
    import logging

    import torch
    from mmengine.logging import MMLogger
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class TinyModel(BaseModel):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return {'loss': (self.weight - inputs).pow(2).mean()}

    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    runner = Runner(
        model=TinyModel(), work_dir=str(tmp_path), default_scope='vtonbox',
        train_dataloader=dict(dataset=[dict(inputs=torch.ones(1))] * 2, batch_size=2,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=None), experiment_name='registry_warnings')
    handler = Collect()
    MMLogger.get_current_instance().addHandler(handler)
    try:
        runner.train()
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    assert not [m for m in records if 'Failed to search registry' in m], records


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
