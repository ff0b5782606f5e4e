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


@pytest.fixture
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    """A tiny parser-free try-on model (PF-AFN layout) with random weights and BN
    statistics, in eval mode (used by the fast-graph and inference API tests)."""
    from tests.test_apis.tiny_model import write_tiny_config
    from tests.test_engine.test_benchmark.tiny_configs import TINY_SIZE
    from vtonbox.deploy import load_tryon_model

    config = write_tiny_config(tmp_path_factory.mktemp('tiny_model'), size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=0)
    return model
