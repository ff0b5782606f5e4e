"""One checkpoint layout for 1 and N processes: an algorithm whose children are wrapped
by ``MMSeparateDistributedDataParallel`` saves, loads and initialises with the keys of
the bare model; checkpoints of older runs with ``module.`` inside still load."""
import os.path as osp

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.model import MMSeparateDistributedDataParallel
from mmengine.runner.checkpoint import load_state_dict as mmengine_load_state_dict

from tests.conftest import REPO_ROOT
from vtonbox.models.initializers import PartialPretrained
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules
from vtonbox.utils.checkpoint import read_state_dict, strip_wrapper_prefixes
from vtonbox.utils.state_dict import bare_named_parameters, bare_submodule


@pytest.fixture(scope='module')
def process_group(tmp_path_factory):
    """A one-process gloo group (DDP needs one); destroyed after the module's tests."""
    if dist.is_initialized():
        pytest.skip('a process group already exists')
    store = tmp_path_factory.mktemp('gloo') / 'store'
    dist.init_process_group('gloo', init_method=f'file://{store}', rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def build_student_warp(teacher_checkpoint=None):
    """The synthetic stage-3 algorithm (student warp + frozen teacher), no init_cfg."""
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_warp.py'))
    cfg.model.pop('init_cfg')
    cfg.model.teacher.checkpoint = teacher_checkpoint
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def wrap_children(model):
    return MMSeparateDistributedDataParallel(model, find_unused_parameters=True)


def with_inner_module(state):
    """Keys as an older multi-process run wrote them: ``warp_model.module.x``."""
    return {k.replace('warp_model.', 'warp_model.module.', 1): v for k, v in state.items()}


def test_strip_wrapper_prefixes_at_any_depth():
    state = {'module.warp_model.a': 1, 'warp_model.module.b.c': 2, 'generator.d': 3}
    fixed, changed = strip_wrapper_prefixes(state)
    assert fixed == {'warp_model.a': 1, 'warp_model.b.c': 2, 'generator.d': 3}
    assert changed == 2


def test_wrapped_model_saves_the_single_process_keys(process_group):
    model = build_student_warp()
    plain_keys = list(model.state_dict())
    wrapped = wrap_children(model)
    assert type(model.warp_model).__name__ == 'MMDistributedDataParallel'
    assert list(wrapped.module.state_dict()) == plain_keys
    assert not [k for k in plain_keys if 'module.' in k or k.startswith('teacher.')]
    names = [name for name, _ in bare_named_parameters(wrapped)]
    assert 'warp_model.cond_encoder.encoders.0.0.block.0.weight' in names
    assert type(bare_submodule(wrapped, 'warp_model.warper')).__name__ == 'AFlowNet'


def test_wrapped_model_loads_plain_and_old_checkpoints(process_group):
    source = build_student_warp().state_dict()
    model = build_student_warp()
    wrapped = wrap_children(model)
    torch.nn.init.zeros_(model.warp_model.module.cond_encoder.encoders[0][0].block[0].weight)
    key = 'warp_model.cond_encoder.encoders.0.0.block.0.weight'
    for state in (source, with_inner_module(source)):
        wrapped.module.load_state_dict(state, strict=True)  # torch's path
        assert torch.equal(wrapped.module.state_dict()[key], source[key])
        mmengine_load_state_dict(wrapped.module, state, strict=True)  # the Runner's path
    assert torch.equal(wrapped.module.state_dict()[key], source[key])


def test_strict_round_trip_with_a_teacher():
    """The frozen teacher's non-persistent buffers stay out of strict loading."""
    model = build_student_warp()
    incompatible = model.load_state_dict(model.state_dict(), strict=True)
    assert not incompatible.missing_keys and not incompatible.unexpected_keys


def test_teacher_and_partial_init_read_old_multi_process_checkpoints(tmp_path):
    """A stage-2 checkpoint with ``warp_model.module.`` keys teaches and initialises."""
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'synthetic', 'pbafn_tryon.py'))
    torch.manual_seed(1)
    stage2 = MODELS.build(cfg.model).state_dict()
    path = str(tmp_path / 'stage2.pth')
    torch.save({'state_dict': with_inner_module(stage2)}, path)
    assert read_state_dict(path).keys() == stage2.keys()

    student = build_student_warp(teacher_checkpoint=path)
    key = 'warper.main_nets.0.0.weight'
    assert torch.equal(student.teacher.tryon.warp_model.state_dict()[key],
                       stage2['warp_model.' + key])
    PartialPretrained(path, src_prefix='warp_model.', dst='warp_model',
                      exclude=[r'^cond_', r'^warper\.refine_nets'])(student)
    assert torch.equal(student.warp_model.state_dict()[key], stage2['warp_model.' + key])

