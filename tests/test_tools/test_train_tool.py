"""tools/train.py on the toy config (CPU): real processes for a training run, its
auto-resume and a one-line error; the other options and errors through the tool's
``main`` in-process (same argument parsing, same ``run_tool`` error handling, no
interpreter start-up). tools/dist_train.sh runs the synthetic stages in
tests/test_models/test_tryon/test_distributed.py."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import torch

import vtonbox  # noqa: F401  (registers the safe checkpoint globals)
from tests.conftest import REPO_ROOT, TOY_DIR, tool_env
from tests.helpers.tool_runs import fresh_process_state, load_tool
from vtonbox.utils.cli import run_tool as run_with_errors

TOY_CONFIG = osp.join(TOY_DIR, 'toy_config.py')
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')


def run_tool(args, timeout=300):
    result = subprocess.run(args, cwd=REPO_ROOT, env=tool_env([TOY_DIR]), timeout=timeout,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope='module')
def toy_run(tmp_path_factory):
    """The work dir of one real ``tools/train.py`` run of the toy config (2 iterations,
    ``iter_2.pth``), shared read-only: tests that write copy it (:func:`copy_run`)."""
    work_dir = str(tmp_path_factory.mktemp('toy_run') / 'work')
    run_tool([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', work_dir])
    return work_dir


def copy_run(work_dir, dest):
    """A copy of a finished run whose ``last_checkpoint`` names the copy's checkpoint."""
    shutil.copytree(work_dir, dest)
    record = osp.join(dest, 'last_checkpoint')
    with open(record) as f:
        last = osp.basename(f.read().strip())
    with open(record, 'w') as f:
        f.write(osp.join(str(dest), last))
    return dest


def test_train_writes_checkpoint_and_resumes(toy_run, tmp_path):
    work_dir = str(copy_run(toy_run, tmp_path / 'work'))
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


@pytest.fixture(scope='module')
def train_tool():
    return load_tool('train.py')


@pytest.fixture
def train_main(train_tool, capsys):
    """``train_main(*argv, status=0)``: run tools/train.py's ``main`` in this process as
    its entry point does (``run_tool``), in a fresh process state; checks the exit status
    and returns what it printed (``.out``: the log; ``.err``)."""
    with fresh_process_state() as patch:
        patch.syspath_prepend(TOY_DIR)  # the toy config's custom_imports

        def call(*argv, status=0):
            capsys.readouterr()
            got = run_with_errors(train_tool.main, [str(arg) for arg in argv])
            captured = capsys.readouterr()
            assert got == status, captured.out[-3000:] + captured.err[-3000:]
            return captured

        yield call


@pytest.fixture
def train_error(train_main):
    """``train_error(*argv)``: the one line tools/train.py prints for a user error."""
    def call(*argv):
        stderr = train_main(*argv, status=2).err
        assert 'Traceback' not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith('error: '), stderr
        return lines[0]
    return call


def test_resume_from_explicit_checkpoint(toy_run, tmp_path, train_main):
    log = train_main(TOY_CONFIG, '--work-dir', tmp_path / 'other', '--resume',
                     osp.join(toy_run, 'iter_2.pth'), '--cfg-options',
                     'train_cfg.max_iters=3').out
    assert 'Iter(train) [3/3]' in log and 'Iter(train) [2/3]' not in log


def test_train_amp_on_cpu(tmp_path, train_main):
    log = train_main(TOY_CONFIG, '--work-dir', tmp_path, '--amp').out
    assert osp.isfile(osp.join(tmp_path, 'iter_2.pth')), log[-2000:]


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


def test_auto_resume_with_no_loadable_checkpoint(tmp_path, train_error):
    work = tmp_path / 'work'
    work.mkdir()
    write_bad_checkpoint(work / 'iter_2.pth', 'empty')
    write_bad_checkpoint(work / 'iter_4.pth', 'zip')
    line = train_error(TOY_CONFIG, '--work-dir', str(work), '--resume')
    assert line == (f'error: --resume: none of the 2 checkpoints can be loaded ({work}): '
                    'resume from a good checkpoint with --resume FILE, or start again '
                    'without --resume (the warnings above say why)')


NAN_MODULE = '''
import torch
from mmengine.model import BaseDataPreprocessor

from vtonbox.models.tryon.base_tryon import BaseTryOnModel
from vtonbox.registry import MODELS


@MODELS.register_module(force=True)  # each test imports its own copy
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
def test_nonfinite_losses_stop_training_with_one_line(tmp_path, policy, message,
                                                      train_error, monkeypatch):
    (tmp_path / 'nan_tryon.py').write_text(NAN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, 'nan_tryon', raising=False)
    config = tmp_path / 'nan_config.py'
    config.write_text(
        f'_base_ = [{TOY_CONFIG!r}]\n'
        "custom_imports = dict(imports=['vtonbox_toy_modules', 'nan_tryon'])\n"
        f"model = dict(type='AlwaysNaNTryOn', nonfinite_loss={policy!r}, "
        'max_consecutive_skips=3)\n'
        "train_cfg = dict(max_iters=6)\n")
    work = tmp_path / 'work'
    line = train_error(str(config), '--work-dir', str(work))
    assert line == message
    assert not (work / 'iter_6.pth').exists()  # the run did not finish as if trained


def test_truncated_latest_checkpoint_falls_back(toy_run, tmp_path, train_main):
    work_dir = copy_run(toy_run, tmp_path / 'work')
    latest = work_dir / 'iter_4.pth'  # a run killed while saving its iteration 4
    latest.write_bytes((work_dir / 'iter_2.pth').read_bytes()[:1000])
    (work_dir / 'last_checkpoint').write_text(str(latest))
    log = train_main(TOY_CONFIG, '--work-dir', work_dir, '--resume', '--cfg-options',
                     'train_cfg.max_iters=6', 'default_hooks.checkpoint.interval=2').out
    assert 'Skipping checkpoint' in log and 'iter_4.pth' in log
    assert 'Iter(train) [3/6]' in log  # resumed from iter_2
    assert 'Iter(train) [2/6]' not in log


def test_unloadable_latest_checkpoints_are_skipped(toy_run, tmp_path, train_main):
    """Auto-resume skips every newer checkpoint that does not load, one warning each."""
    work_dir = copy_run(toy_run, tmp_path / 'work')
    broken = {'iter_4.pth': 'empty', 'iter_6.pth': 'zip', 'iter_8.pth': 'forbidden',
              'iter_10.pth': 'weights'}
    for name, kind in broken.items():
        write_bad_checkpoint(work_dir / name, kind)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_10.pth'))
    log = train_main(TOY_CONFIG, '--work-dir', work_dir, '--resume', '--cfg-options',
                     'train_cfg.max_iters=3').out
    skipped = [line for line in log.splitlines() if 'Skipping checkpoint' in line]
    assert len(skipped) == len(broken), skipped
    for name in broken:
        assert sum(name in line for line in skipped) == 1, (name, skipped)
    assert 'Iter(train) [3/3]' in log and 'Iter(train) [2/3]' not in log  # from iter_2
