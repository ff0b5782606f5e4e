"""Run a tool's ``main`` in the test process, as its entry point does, without the
interpreter start-up of a subprocess (about 6 s of imports each on 2 shared cores).

For tests about what a tool computes; every tool keeps at least one test that starts it
as a real process (its exit status, its stderr)."""
import importlib.util
import os.path as osp
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

import pytest
import torch

from tests.conftest import REPO_ROOT

#: Environment variables torchrun sets: a tool must not see those of an outer launcher.
TORCHRUN_VARS = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'LOCAL_RANK')


def load_tool(relative_path: str):
    """The module of ``tools/<relative_path>`` (e.g. ``'train.py'``), not run."""
    path = osp.join(REPO_ROOT, 'tools', relative_path)
    name = 'vtonbox_tool_' + relative_path.replace('/', '_').replace('.py', '')
    spec = importlib.util.spec_from_file_location(name, path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@contextmanager
def fresh_process_state() -> Iterator[pytest.MonkeyPatch]:
    """What a fresh process would give a tool, undone afterwards: no loggers, message
    hubs or visualizers of earlier in-process runs (their handlers write to streams
    captured, and closed, by earlier tests), no torchrun variables; and the random and
    deterministic-algorithm state that a config's ``randomness`` changes for the whole
    process is restored for the next tests."""
    from mmengine.logging import MessageHub, MMLogger
    from mmengine.visualization import Visualizer

    deterministic = torch.are_deterministic_algorithms_enabled()
    rng_state = torch.get_rng_state()
    with pytest.MonkeyPatch.context() as patch:
        for name in TORCHRUN_VARS:
            patch.delenv(name, raising=False)
        for manager in (MMLogger, MessageHub, Visualizer):
            patch.setattr(manager, '_instance_dict', OrderedDict())
        try:
            yield patch
        finally:
            torch.use_deterministic_algorithms(deterministic)
            torch.set_rng_state(rng_state)
