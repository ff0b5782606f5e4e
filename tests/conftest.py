"""Shared test fixtures and paths."""
import os
import os.path as osp
import sys

import pytest
import torch

# Test tensors are tiny: one thread avoids OpenMP start-up and spin costs that dominate
# them (and oversubscription when several test processes share the 2 CI cores).
torch.set_num_threads(1)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY_DIR = osp.join(REPO_ROOT, 'tests', 'data', 'toy')


def tool_env(extra_pythonpath=()):
    """Environment for running a tool in a subprocess with the test's interpreter."""
    env = dict(os.environ)
    paths = [REPO_ROOT, *extra_pythonpath, env.get('PYTHONPATH', '')]
    env['PYTHONPATH'] = os.pathsep.join(p for p in paths if p)
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


@pytest.fixture(autouse=True, scope='module')
def registered_modules():
    """vtonbox's modules in the registries and ``vtonbox`` as the default scope, as every
    tool sets them up, before each test module (pytest-xdist runs modules in any order, and
    tests that run tools in-process reset the default scope, so no module may rely on the
    state an earlier one left)."""
    from vtonbox.utils import register_all_modules
    register_all_modules()


@pytest.fixture
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    """A tiny parser-free try-on model (PF-AFN layout) with random weights and BN
    statistics, in eval mode (used by the fast-graph and inference API tests)."""
    from tests.helpers.tiny_configs import TINY_SIZE
    from tests.helpers.tiny_model import write_tiny_config
    from vtonbox.deploy import load_tryon_model

    config = write_tiny_config(tmp_path_factory.mktemp('tiny_model'), size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=0)
    return model


@pytest.fixture(scope='module')
def unformatted_config_text():
    """Skip the yapf formatting of ``Config.pretty_text`` for the tests of a module.

    MMEngine's Runner formats the whole config when it logs it, dumps it and writes it
    into every checkpoint (about 2 s each on 2 shared cores). Without formatting the text
    is the same valid Python, on fewer lines. For tests that run the Runner in-process
    and do not test the config dump (the tools' tests run the real thing)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr('mmengine.config.config.FormatCode', lambda text, **kwargs: (text, None))
        yield


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    """A synthetic VITON dataset at 64x64 (6 training, 2 test samples)."""
    from vtonbox.datasets import make_synthetic_viton

    root = tmp_path_factory.mktemp('synthetic_tryon')
    make_synthetic_viton(str(root), num_train=6, num_test=2, seed=0, height=64, width=64)
    return str(root)


@pytest.fixture(scope='session')
def tryon_batch(tiny_synthetic, tmp_path_factory):
    """Its first preprocessed training batch: ``dict(inputs=..., data_samples=...)``, 2
    samples with every training input (photo, cloths, parsing masks, pose, DensePose);
    tests must not modify it."""
    from tests.helpers.stage_configs import first_batch

    return first_batch('pbafn_warp', tiny_synthetic, str(tmp_path_factory.mktemp('batch')))
