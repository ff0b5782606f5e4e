"""Shared pieces of the GPU tests: the marks, the stage configs on CUDA, subprocess
environments and the numeric settings the CUDA-vs-CPU comparisons need."""
import json
import os.path as osp
import socket
import subprocess
import sys
from contextlib import contextmanager
from typing import Optional, Sequence

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT, TOY_DIR, tool_env
from tests.helpers.stage_configs import stage_config

#: ``pytestmark = GPU`` in every module here: selected by ``pytest -m gpu``, skipped
#: (collected, not run) without a CUDA device.
GPU = [pytest.mark.gpu,
       pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')]
GPU_DIR = osp.dirname(osp.abspath(__file__))
#: The synthetic twins of every training stage (configs/synthetic/<stage>.py).
STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student', 'cpvton_gmm')
#: Mixed precisions of ``AmpOptimWrapper(dtype=...)``.
AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}
#: Module (on PYTHONPATH in subprocesses) with the hook that records the device set-up.
PROBE_MODULE = 'vtonbox_gpu_probe'
SUBPROCESS_TIMEOUT_S = 300


def bf16_supported() -> bool:
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def skip_without_bf16(precision: str) -> None:
    if precision == 'bf16' and not bf16_supported():
        pytest.skip('this GPU has no bf16')


def standalone_config(stage: str, data_root: str, work_root: str, epochs: int = 1,
                      num_train: int = 4) -> Config:
    """The 64 x 64 test config of ``stage`` that needs no earlier stage's checkpoint:
    no ``init_cfg``, a random (seeded) teacher."""
    cfg = stage_config(stage, data_root, work_root, epochs=epochs, num_train=num_train)
    cfg.model.pop('init_cfg', None)
    if cfg.model.get('teacher'):
        cfg.model.teacher.checkpoint = None
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    return cfg


def use_amp(cfg: Config, precision: str) -> Config:
    """``tools/train.py --amp`` (``AmpOptimWrapper``, dynamic loss scale on CUDA) with
    the autocast dtype of ``precision``; fp32 leaves ``cfg`` as it is."""
    from vtonbox.engine.launch import enable_amp
    if precision != 'fp32':
        enable_amp(cfg)
        cfg.optim_wrapper['dtype'] = str(AMP_DTYPES[precision]).replace('torch.', '')
    return cfg


def add_probe_hooks(cfg: Config, extra_modules: Sequence[str] = (),
                    extra_hooks: Sequence[dict] = ()) -> Config:
    """Record the device set-up of every rank (``probe_rank<r>.json`` in the work dir)."""
    cfg.custom_imports = dict(imports=[PROBE_MODULE, *extra_modules],
                              allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='RecordDeviceSetupHook'), *extra_hooks]
    return cfg


def read_probe(work_dir: str, rank: int = 0) -> dict:
    with open(osp.join(work_dir, f'probe_rank{rank}.json')) as f:
        return json.load(f)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def subprocess_env(cpu_only: bool = False, **overrides) -> dict:
    """``tool_env`` with the toy hooks and the probe importable; ``cpu_only`` hides the
    GPUs (MMEngine's Runner then trains on the CPU)."""
    env = tool_env([TOY_DIR, GPU_DIR])
    for name in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR',
                 'MASTER_PORT', 'NNODES', 'NODE_RANK', 'PORT'):
        env.pop(name, None)
    if cpu_only:
        env['CUDA_VISIBLE_DEVICES'] = '-1'
    env.update(overrides)
    return env


def run_command(args: Sequence[str], env: Optional[dict] = None,
                timeout: int = SUBPROCESS_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run a tool from the repository root; fail the test with the output's tail."""
    result = subprocess.run(list(args), cwd=REPO_ROOT, env=env or subprocess_env(),
                            capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f'{" ".join(args)} failed:\n{output[-5000:]}'
    return result


def train_tool(config: str, *args: str) -> list:
    return [sys.executable, osp.join('tools', 'train.py'), config, *args]


@contextmanager
def strict_fp32_cuda():
    """Full fp32 on CUDA: cuDNN convolutions (TF32 by default on Ampere and later) and
    matmuls without TF32, so that CUDA and CPU agree to 1e-4."""
    flags = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags


def trainable_snapshot(model: torch.nn.Module) -> dict:
    return {name: p.detach().clone() for name, p in model.named_parameters()
            if p.requires_grad}


def changed_parameters(model: torch.nn.Module, before: dict) -> list:
    current = dict(model.named_parameters())
    return [name for name, value in before.items() if not torch.equal(current[name], value)]


def assert_state_close(actual: dict, expected: dict, atol: float) -> None:
    """Same keys; every floating tensor within ``atol`` (devices may differ)."""
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        other = actual[key].to(value.device)
        if value.is_floating_point():
            torch.testing.assert_close(other, value, atol=atol, rtol=0, msg=lambda m, k=key:
                                       f'{k}: {m}')
        else:
            assert torch.equal(other, value), key


def dump_config(cfg: Config, path: str) -> str:
    cfg.dump(path)
    return path
