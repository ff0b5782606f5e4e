"""tools/dist_train.sh and tools/dist_test.sh: every problem found before torchrun starts
is one ``error:`` line and exit 2 (the distributed runs themselves:
tests/test_models/test_tryon/test_distributed.py / test_test_tool.py)."""
import os
import os.path as osp
import shutil
import socket
import stat
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, TOY_DIR, tool_env

TOY_CONFIG = osp.join(TOY_DIR, 'toy_config.py')
TRAIN_SH = osp.join(REPO_ROOT, 'tools', 'dist_train.sh')
TEST_SH = osp.join(REPO_ROOT, 'tools', 'dist_test.sh')
CHECKS_SH = osp.join(REPO_ROOT, 'tools', 'dist_checks.sh')
DIST_ENV = ('NNODES', 'NODE_RANK', 'PORT', 'MASTER_ADDR')


def script_env(**overrides):
    env = tool_env()
    for name in DIST_ENV:
        env.pop(name, None)
    env.update(overrides)
    return env


def run_script(args, env=None, timeout=120):
    return subprocess.run(['bash', *args], cwd=REPO_ROOT, env=env or script_env(),
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(result):
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), result.stderr
    assert 'torch.distributed' not in result.stdout + result.stderr  # torchrun never ran
    return lines[0]


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / 'model.pth'
    path.write_bytes(b'weights')  # only its existence is checked before torchrun
    return str(path)


@pytest.fixture
def busy_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def script_args(script, config, procs, checkpoint):
    return [script, config, checkpoint, procs] if script == TEST_SH else [script, config, procs]


@pytest.mark.parametrize('script', [TRAIN_SH, TEST_SH])
def test_busy_port(script, busy_port, checkpoint):
    line = one_error_line(run_script(script_args(script, TOY_CONFIG, '2', checkpoint),
                                     env=script_env(PORT=str(busy_port))))
    assert line.startswith(f'error: port {busy_port} is in use (PORT): set PORT=<free port> '
                           '(e.g. PORT=')
    assert line.endswith(') or stop the run that holds it')


def test_busy_port_is_not_checked_on_other_nodes(busy_port, tmp_path):
    """Node 1 does not bind the port (node 0 does): the check is skipped there, so the
    script gets as far as starting torchrun (a fake python records that)."""
    fake = fake_repo_with_venv_python(tmp_path)
    result = run_script([osp.join(fake, 'tools', 'dist_train.sh'), TOY_CONFIG, '2'],
                        env=without_python(script_env(PORT=str(busy_port), NNODES='2',
                                                      NODE_RANK='1')))
    assert result.returncode == 0, result.stderr
    assert 'torch.distributed.run' in open(osp.join(fake, 'calls.log')).read()


@pytest.mark.parametrize('script', [TRAIN_SH, TEST_SH])
def test_missing_config(script, tmp_path, checkpoint):
    missing = str(tmp_path / 'nope.py')
    line = one_error_line(run_script(script_args(script, missing, '2', checkpoint)))
    assert line == f'error: config file not found ({missing}): check the path (configs are ' \
        'listed in configs/)'


def test_missing_checkpoint(tmp_path):
    missing = str(tmp_path / 'absent.pth')
    line = one_error_line(run_script([TEST_SH, TOY_CONFIG, missing, '2']))
    assert line == f'error: checkpoint not found ({missing}): check the path'


@pytest.mark.parametrize('script', [TRAIN_SH, TEST_SH])
@pytest.mark.parametrize('procs', ['0', 'two', '-1', '1.5'])
def test_process_count_must_be_a_positive_integer(script, procs, checkpoint):
    line = one_error_line(run_script(script_args(script, TOY_CONFIG, procs, checkpoint)))
    assert line == ('error: the number of processes per node must be a positive integer, '
                    f"got '{procs}' (NUM_PROCS_PER_NODE): pass e.g. 2 (one process per GPU)")


@pytest.mark.parametrize('script', [TRAIN_SH, TEST_SH])
def test_missing_arguments(script):
    line = one_error_line(run_script([script, TOY_CONFIG]))
    assert line.startswith(f'error: missing arguments ({script}): usage: {script} CONFIG ')


@pytest.mark.parametrize('name, value, message', [
    ('PORT', '70000', "PORT must be a port number (1-65535), got '70000' (PORT)"),
    ('NNODES', '0', "NNODES must be a positive integer, got '0' (NNODES)"),
    ('NODE_RANK', '1', "NODE_RANK must be 0 to NNODES-1, got '1' (NODE_RANK)"),
])
def test_bad_distributed_variables(name, value, message):
    line = one_error_line(run_script([TRAIN_SH, TOY_CONFIG, '2'],
                                     env=script_env(**{name: value})))
    assert line.startswith(f'error: {message}: ')


def test_python_without_torch(tmp_path):
    # `-S`: no site-packages, so this interpreter cannot find torch
    no_torch = tmp_path / 'python-no-site'
    no_torch.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    no_torch.chmod(no_torch.stat().st_mode | stat.S_IEXEC)
    env = script_env(PYTHON=str(no_torch))
    env.pop('PYTHONPATH', None)
    line = one_error_line(run_script([TRAIN_SH, TOY_CONFIG, '2'], env=env))
    assert line.startswith('error: torch is not installed for ')
    assert line.endswith('(PYTHON): set PYTHON to the python of your vtonbox environment, or '
                         'install vtonbox into .venv')


def test_python_not_found():
    line = one_error_line(run_script([TRAIN_SH, TOY_CONFIG, '2'],
                                     env=script_env(PYTHON='/no/such/python')))
    assert line == ('error: python not found: /no/such/python (PYTHON): set PYTHON to the '
                    'python of your vtonbox environment')


def fake_repo_with_venv_python(tmp_path):
    """A copy of the two scripts (and their shared checks) in a repository whose
    .venv/bin/python runs the scripts' checks (read from stdin, ``-``) with the real
    python and only records other calls."""
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    for script in (TRAIN_SH, TEST_SH, CHECKS_SH):
        shutil.copy(script, repo / 'tools')
    python = repo / '.venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\n[ "$1" = - ] && exec {sys.executable} "$@"\n'
                      f'echo "$@" >> {repo}/calls.log\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return str(repo)


def without_python(env):
    env.pop('PYTHON', None)
    return env


@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh'])
def test_repository_venv_is_the_default_python(script, tmp_path, checkpoint):
    repo = fake_repo_with_venv_python(tmp_path)
    path = osp.join(repo, 'tools', script)
    args = [path, TOY_CONFIG, checkpoint, '2'] if script == 'dist_test.sh' \
        else [path, TOY_CONFIG, '2']
    result = run_script(args, env=without_python(script_env()))
    assert result.returncode == 0, result.stderr
    calls = open(osp.join(repo, 'calls.log')).read().splitlines()
    assert calls[-1].startswith('-m torch.distributed.run --nnodes=1 --node_rank=0 '
                                '--master_addr=127.0.0.1 --nproc_per_node=2 '
                                '--master_port=29500 ')
    assert f'{repo}/tools/{script.replace("dist_", "").replace(".sh", ".py")}' in calls[-1]


def test_explicit_python_wins_over_the_venv(tmp_path):
    repo = fake_repo_with_venv_python(tmp_path)
    other = tmp_path / 'other-python'
    other.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/other.log\n')
    other.chmod(other.stat().st_mode | stat.S_IEXEC)
    result = run_script([osp.join(repo, 'tools', 'dist_train.sh'), TOY_CONFIG, '2'],
                        env=script_env(PYTHON=str(other)))
    assert result.returncode == 0, result.stderr
    assert not os.path.exists(osp.join(repo, 'calls.log'))
    assert 'torch.distributed.run' in open(tmp_path / 'other.log').read()


SLURM_SH = osp.join(REPO_ROOT, 'tools', 'slurm_train.sh')


def test_slurm_missing_config(tmp_path):
    missing = str(tmp_path / 'nope.py')
    result = run_script([SLURM_SH, 'partition', 'job', missing, str(tmp_path / 'work')])
    assert one_error_line(result) == (f'error: config file not found ({missing}): check the '
                                      'path (configs are listed in configs/)')


def test_slurm_bad_gpu_count(tmp_path):
    result = run_script([SLURM_SH, 'partition', 'job', TOY_CONFIG, str(tmp_path / 'work')],
                        env=script_env(GPUS='eight'))
    assert one_error_line(result) == ("error: GPUS must be a positive integer, got 'eight' "
                                      '(GPUS): set e.g. GPUS=8')
