"""tools/train.py and tools/dist_train.sh on the toy config (CPU, subprocesses), and
the one-line errors of tools/train.py (in-process where no training runs)."""
import glob
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import zipfile
from collections import OrderedDict

import pytest
import torch
from mmengine.logging import MMLogger

import vtonbox  # noqa: F401  (registers the safe checkpoint globals)
from tests.conftest import REPO_ROOT, TOY_DIR, tool_env
from vtonbox.utils.cli import run_tool as run_with_errors

TOY_CONFIG = osp.join(TOY_DIR, 'toy_config.py')
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
TORCHRUN_VARS = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'LOCAL_RANK')


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


def run_failing(args, extra_pythonpath=(TOY_DIR,), timeout=300):
    """Run tools/train.py expecting a user error: returns its one stderr line."""
    result = subprocess.run([sys.executable, TRAIN, *args], cwd=REPO_ROOT,
                            env=tool_env(list(extra_pythonpath)), capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Traceback' not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), result.stderr
    return lines[0]


@pytest.fixture(scope='module')
def train_tool():
    spec = importlib.util.spec_from_file_location('vtonbox_train_tool', TRAIN)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture
def train_error(train_tool, capsys, monkeypatch):
    """``train_error(*argv)``: the one line tools/train.py prints for a user error."""
    for name in TORCHRUN_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.syspath_prepend(TOY_DIR)  # the toy config's custom_imports
    # A fresh process has no loggers yet; earlier in-process tests leave MMLogger
    # instances whose handlers write to streams captured (and closed) by those tests.
    monkeypatch.setattr(MMLogger, '_instance_dict', OrderedDict())

    def call(*argv):
        capsys.readouterr()
        status = run_with_errors(train_tool.main, list(argv))
        captured = capsys.readouterr()
        assert status == 2, captured.out[-2000:] + captured.err[-2000:]
        assert 'Traceback' not in captured.err
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        return lines[0]
    return call


def test_missing_config_is_one_line(tmp_path):
    missing = str(tmp_path / 'nope.py')
    assert run_failing([missing]) == \
        f'error: config file not found ({missing}): check the path (configs are listed in ' \
        'configs/)'


def test_config_with_syntax_error(tmp_path, train_error):
    config = tmp_path / 'broken.py'
    config.write_text('model = dict(type="ToyRegressor"\n')
    line = train_error(str(config))
    assert line.startswith(f'error: config file has a syntax error at line 1 ({config}): fix')


def test_config_custom_import_missing(tmp_path, train_error):
    config = tmp_path / 'needs_module.py'
    config.write_text("custom_imports = dict(imports=['no_such_vtonbox_module'])\n")
    line = train_error(str(config))
    assert line == ('error: cannot import the modules the config needs: Failed to import '
                    f'no_such_vtonbox_module ({config}): install them, or add the folder '
                    'that holds them to PYTHONPATH')


def test_cfg_options_item_without_equals(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--cfg-options', 'max_iters')
    assert line == ("error: --cfg-options item 'max_iters' is not KEY=VALUE (--cfg-options): "
                    'write e.g. train_cfg.max_iters=10 (no spaces around =)')


def test_cfg_options_unbalanced_brackets(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--cfg-options', 'a=[1,2')
    assert line.startswith("error: cannot parse 'a=[1,2': imbalanced brackets")


def test_cfg_options_through_a_non_dict_value(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--cfg-options',
                       'train_cfg.max_iters.x=3')
    assert line == ("error: --cfg-options train_cfg.max_iters.x=3 cannot be applied: "
                    f'train_cfg.max_iters is 2 in the config, not a dict ({TOY_CONFIG}): '
                    f'see the entries with python tools/misc/print_config.py {TOY_CONFIG}')


def test_cfg_options_unregistered_type(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--cfg-options',
                       'model.type=NoSuchModel')
    assert line == ('error: NoSuchModel is not in the vtonbox::model registry '
                    f'({TOY_CONFIG}): check the `type` name; modules of your own need '
                    'custom_imports')


def test_cfg_options_unknown_model_argument(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--cfg-options',
                       'model.no_such_arg=3')
    assert line.startswith('error: the model config does not fit its class: ')
    assert "unexpected keyword argument 'no_such_arg'" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason='nccl works with CUDA')
def test_nccl_without_cuda(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--launcher', 'pytorch')
    assert line == ('error: distributed backend is nccl but no CUDA device is available '
                    '(env_cfg.dist_cfg.backend): on CPU add --cfg-options '
                    'env_cfg.dist_cfg.backend=gloo')


def test_pytorch_launcher_without_torchrun(tmp_path, train_error):
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--launcher', 'pytorch',
                       '--cfg-options', 'env_cfg.dist_cfg.backend=gloo')
    assert line == ('error: --launcher pytorch needs the torchrun environment variables '
                    'RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (--launcher pytorch): start '
                    'with tools/dist_train.sh or torchrun, or leave out --launcher')


def write_bad_checkpoint(path, kind):
    """A file that ``--resume`` must refuse: ``kind`` says how it is broken."""
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'truncated':
        torch.save(dict(state_dict=dict(w=torch.zeros(64, 64))), path)
        path.write_bytes(path.read_bytes()[:1500])
    elif kind == 'text':
        path.write_text('not a checkpoint\n')
    elif kind == 'zip':  # a valid zip archive that is not a torch.save file
        with zipfile.ZipFile(path, 'w') as archive:
            archive.writestr('notes.txt', 'hello')
    elif kind == 'forbidden':
        torch.save(dict(state_dict=dict(w=torch.zeros(1)), meta=dict(iter=9, epoch=0),
                        message_hub={}, payload=RunsACommand('true')), path)
    elif kind == 'weights':  # loadable, but no training state to resume
        torch.save(dict(state_dict=dict(w=torch.zeros(1))), path)
    return path


class RunsACommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.mark.parametrize('kind, message', [
    ('empty', 'checkpoint is an empty file'),
    ('truncated', 'not a PyTorch checkpoint (truncated or corrupt)'),
    ('text', 'not a PyTorch checkpoint (truncated or corrupt)'),
    ('zip', 'not a PyTorch checkpoint (truncated or corrupt)'),
    ('forbidden', f'refused: it contains `{os.system.__module__}.system`, which is not '
                  'tensor data'),
])
def test_explicit_bad_resume_checkpoint(tmp_path, train_error, kind, message):
    bad = write_bad_checkpoint(tmp_path / 'bad.pth', kind)
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path / 'work'), '--resume', str(bad))
    assert line.startswith(f'error: {message} ({bad}): ')
    assert not (tmp_path / 'work').exists()  # stopped before the Runner


def test_explicit_missing_resume_checkpoint(tmp_path, train_error):
    missing = tmp_path / 'absent.pth'
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--resume', str(missing))
    assert line == f'error: checkpoint not found ({missing}): check the path'


def test_resume_from_weights_only_checkpoint(tmp_path, train_error):
    weights = write_bad_checkpoint(tmp_path / 'weights.pth', 'weights')
    line = train_error(TOY_CONFIG, '--work-dir', str(tmp_path), '--resume', str(weights))
    assert line == (f'error: not a training checkpoint (it has no meta, message_hub) '
                    f'({weights}): resume from an iter_N.pth / epoch_N.pth written by '
                    'tools/train.py; to start a new run from these weights use '
                    f'--cfg-options load_from={weights} instead')


def test_auto_resume_with_no_loadable_checkpoint(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    write_bad_checkpoint(work / 'iter_2.pth', 'empty')
    write_bad_checkpoint(work / 'iter_4.pth', 'zip')
    line = run_failing([TOY_CONFIG, '--work-dir', str(work), '--resume'])
    assert line == (f'error: --resume: none of the 2 checkpoints can be loaded ({work}): '
                    'resume from a good checkpoint with --resume FILE, or start again '
                    'without --resume (the warnings above say why)')


NAN_MODULE = '''
import torch
from mmengine.model import BaseDataPreprocessor

from vtonbox.models.tryon.base_tryon import BaseTryOnModel
from vtonbox.registry import MODELS


@MODELS.register_module()
class AlwaysNaNTryOn(BaseTryOnModel):
    def __init__(self, **kwargs):
        super().__init__(data_preprocessor=BaseDataPreprocessor(), **kwargs)
        self.weight = torch.nn.Parameter(torch.ones(4))

    def loss(self, inputs, data_samples=None):
        return dict(loss_l1=(self.weight * inputs).mean() * float('nan'))
'''


@pytest.mark.parametrize('policy, message', [
    ('skip', 'error: training stopped at iteration 3: non-finite loss terms loss_l1 in 3 '
             'consecutive iterations, no update made (model.max_consecutive_skips=3): the '
             'model is not training; lower the learning rate or check the data'),
    ('raise', 'error: training stopped at iteration 1: non-finite loss terms loss_l1 '
              "(model.nonfinite_loss=raise): lower the learning rate, check the data, or "
              "set model.nonfinite_loss='skip' to skip such iterations"),
])
def test_nonfinite_losses_stop_training_with_one_line(tmp_path, policy, message):
    (tmp_path / 'nan_tryon.py').write_text(NAN_MODULE)
    config = tmp_path / 'nan_config.py'
    config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        "custom_imports = dict(imports=['vtonbox_toy_modules', 'nan_tryon'])\n"
        f"model = dict(type='AlwaysNaNTryOn', nonfinite_loss={policy!r}, "
        'max_consecutive_skips=3)\n'
        "train_cfg = dict(max_iters=6)\n")
    work = tmp_path / 'work'
    line = run_failing([str(config), '--work-dir', str(work)],
                       extra_pythonpath=(TOY_DIR, str(tmp_path)))
    assert line == message
    assert not (work / 'iter_6.pth').exists()  # the run did not finish as if trained


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


def test_unloadable_latest_checkpoints_are_skipped(tmp_path):
    """Auto-resume skips every newer checkpoint that does not load, one warning each."""
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(work_dir)])
    broken = {'iter_4.pth': 'empty', 'iter_6.pth': 'zip', 'iter_8.pth': 'forbidden',
              'iter_10.pth': 'weights'}
    for name, kind in broken.items():
        write_bad_checkpoint(work_dir / name, kind)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_10.pth'))
    result = run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir',
                       str(work_dir), '--resume', '--cfg-options', 'train_cfg.max_iters=3'])
    log = result.stdout + result.stderr
    skipped = [line for line in log.splitlines() if 'Skipping checkpoint' in line]
    assert len(skipped) == len(broken), skipped
    for name in broken:
        assert sum(name in line for line in skipped) == 1, (name, skipped)
    assert 'Iter(train) [3/3]' in log and 'Iter(train) [2/3]' not in log  # from iter_2
