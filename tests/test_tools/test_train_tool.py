"""tools/train.py and tools/dist_train.sh on the toy config (CPU, subprocesses)."""
import glob
import os.path as osp
import subprocess
import sys

import torch

import vtonbox  # noqa: F401  (registers the safe checkpoint globals)
from tests.conftest import REPO_ROOT, TOY_DIR, tool_env

TOY_CONFIG = osp.join(TOY_DIR, 'toy_config.py')


def run_tool(args, timeout=300):
    result = subprocess.run(args, cwd=REPO_ROOT, env=tool_env([TOY_DIR]), timeout=timeout,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_train_writes_checkpoint_and_resumes(tmp_path):
    work_dir = str(tmp_path / 'work')
    run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', work_dir])
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)
    # The checkpoint (with MMEngine's message hub) loads under weights_only=True.
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == 2

    result = run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', work_dir,
                       '--resume', '--cfg-options', 'train_cfg.max_iters=4'])
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower()
    resumed = torch.load(osp.join(work_dir, 'iter_4.pth'), map_location='cpu',
                         weights_only=True)
    assert resumed['meta']['iter'] == 4
    # Resume continued from iteration 2: iter 3 and 4 were logged, iter 1 was not re-run.
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log


def test_resume_from_explicit_checkpoint(tmp_path):
    work_dir = str(tmp_path / 'work')
    run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', work_dir])
    result = run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir',
                       str(tmp_path / 'other'), '--resume', osp.join(work_dir, 'iter_2.pth'),
                       '--cfg-options', 'train_cfg.max_iters=3'])
    assert 'Iter(train) [3/3]' in result.stdout + result.stderr


def test_train_amp_on_cpu(tmp_path):
    result = run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir',
                       str(tmp_path), '--amp'])
    assert osp.isfile(osp.join(tmp_path, 'iter_2.pth')), result.stdout[-2000:]


def test_missing_config_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, 'tools/train.py', str(tmp_path / 'nope.py')],
                            cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True)
    assert result.returncode != 0
    assert 'Config file not found' in result.stderr


def test_dist_train_two_cpu_processes(tmp_path):
    work_dir = str(tmp_path / 'dist')
    run_tool(['bash', 'tools/dist_train.sh', TOY_CONFIG, '2', '--work-dir', work_dir,
              '--cfg-options', 'env_cfg.dist_cfg.backend=gloo'], timeout=600)
    assert glob.glob(osp.join(work_dir, 'iter_2.pth'))
    logs = ''.join(open(p).read() for p in glob.glob(osp.join(work_dir, '*', '*.log')))
    assert 'Distributed training: True' in logs and 'dist_cfg' in logs
    state = torch.load(osp.join(work_dir, 'iter_2.pth'), map_location='cpu', weights_only=True)
    assert set(state['state_dict']) == {'linear.weight', 'linear.bias'}  # unwrapped from DDP


def test_truncated_latest_checkpoint_falls_back(tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(work_dir),
              '--cfg-options', 'train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=2'])
    latest = work_dir / 'iter_4.pth'
    latest.write_bytes(latest.read_bytes()[:1000])  # a run killed while saving
    result = run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir',
                       str(work_dir), '--resume', '--cfg-options', 'train_cfg.max_iters=6',
                       'default_hooks.checkpoint.interval=2'])
    log = result.stdout + result.stderr
    assert 'Skipping checkpoint' in log and 'iter_4.pth' in log
    assert 'Iter(train) [3/6]' in log  # resumed from iter_2


def test_explicit_truncated_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'PK\x03\x04 not really a checkpoint')
    result = subprocess.run([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir',
                             str(tmp_path), '--resume', str(bad)], cwd=REPO_ROOT,
                            env=tool_env([TOY_DIR]), capture_output=True, text=True)
    assert result.returncode != 0 and 'bad.pth' in result.stderr and 'corrupt' in result.stderr
