"""tools/test.py on a student checkpoint: both protocols, the JSON record with FID, KID,
SSIM and PSNR, saved PNGs — and the Inferencer gives the same try-on for the same pair.
Without the FID Inception weights FID/KID are skipped with one line; user errors (config,
checkpoint, --require) are one line and come before the model is built."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tiny_model import write_tiny_config, write_tiny_model
from vtonbox.datasets import make_synthetic_viton
from vtonbox.evaluation.functional.inception import (
    FID_WEIGHTS_FILENAME,
    save_random_inception_weights,
)
from vtonbox.evaluation.functional.lpips import save_random_alexnet_weights
from vtonbox.evaluation.protocols import get_protocol
from vtonbox.utils.cli import run_tool

#: Synthetic data at the tiny model's size, so no resampling differs between paths.
HEIGHT, WIDTH = 96, 64
TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')


def _data_options(data):
    """--cfg-options pointing both protocols at the synthetic data."""
    prefix = 'test_dataloader.dataset'
    return [
        f'{prefix}.data_root={data}', f'{prefix}.data_prefix.cloth=test_color',
        f'{prefix}.ann_file=test_pairs.txt', 'test_dataloader.num_workers=0',
        'val_dataloader.dataset.data_root=' + str(data),
        'val_dataloader.dataset.data_prefix.cloth=test_color',
        'val_dataloader.dataset.ann_file=test_pairs_paired.txt', 'val_dataloader.num_workers=0',
    ]


def test_test_tool_record_and_inferencer_agree(tmp_path):
    data = tmp_path / 'data'
    make_synthetic_viton(str(data), num_train=0, num_test=4, seed=3, height=HEIGHT,
                         width=WIDTH)
    config, checkpoint = write_tiny_model(tmp_path, size=(HEIGHT, WIDTH))
    weights = save_random_inception_weights(str(tmp_path / 'inception.pth'))
    options = _data_options(data) + [
        f'test_evaluator.0.inception_weights={weights}',
        f'test_evaluator.1.inception_weights={weights}',
        'test_evaluator.1.subset_size=2', 'test_evaluator.1.num_subsets=3',
        f'test_evaluator.0.cache_dir={tmp_path}', f'test_evaluator.1.cache_dir={tmp_path}',
    ]
    out, show = tmp_path / 'metrics.json', tmp_path / 'show'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', str(tmp_path / 'w'),
         '--out', str(out), '--show-dir', str(show), '--cfg-options', *options],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = json.loads(out.read_text())
    assert {'FID', 'KIDx1000', 'SSIM', 'PSNR'} <= set(record['metrics'])
    protocol = record['protocol']
    assert protocol['num_images'] == 4 and protocol['fid']['weights_sha256']
    assert protocol['protocols']['paired']['pair_list'].endswith('test_pairs_paired.txt')
    assert record['checkpoint_sha256'] and record['vtonbox_version']
    # 4 images: both values are computed, counted and warned about.
    assert record['skipped'] == {} and protocol['skipped_protocols'] == {}
    assert protocol['inception_images'] == {
        'FID': dict(generated=4, real=4, min_reliable=2000),
        'KID': dict(generated=4, real=4, min_reliable=100)}
    assert [w.split(',')[0] for w in record['warnings']] == [
        'FID computed from 4 generated and 4 real images',
        'KID computed from 4 generated and 4 real images']
    assert 'FID_MIN_IMAGES=2000' in record['warnings'][0]
    assert record['warnings'][0] in result.stdout + result.stderr  # logged as a warning
    saved = sorted(p for p in (show / 'unpaired').iterdir() if p.suffix == '.png')
    assert len(saved) == 4 and len(list((show / 'paired').glob('*.png'))) == 4

    # The Inferencer on the first unpaired pair reproduces the saved try-on.
    from vtonbox.apis import TryOnInferencer
    person_name, cloth_name = (data / 'test_pairs.txt').read_text().split('\n')[0].split()
    inferencer = TryOnInferencer(config, checkpoint, device='cpu')
    output = inferencer(str(data / 'test_img' / person_name),
                        str(data / 'test_color' / cloth_name),
                        str(data / 'test_edge' / cloth_name))[0]
    stem = f'{osp.splitext(person_name)[0]}__{osp.splitext(cloth_name)[0]}.png'
    from_tool = cv2.cvtColor(cv2.imread(str(show / 'unpaired' / stem)), cv2.COLOR_BGR2RGB)
    assert output['tryon'].shape == from_tool.shape
    assert np.abs(output['tryon'].astype(int) - from_tool.astype(int)).max() <= 1


def test_test_tool_with_a_protocol(tmp_path):
    """--protocol viton-hd: the preset's metrics replace the config's (SSIM on RGB, PSNR,
    LPIPS paired; FID, KID unpaired), --cfg-options still set their weights files, and the
    record carries the preset."""
    data = tmp_path / 'data'
    make_synthetic_viton(str(data), num_train=0, num_test=4, seed=3, height=HEIGHT,
                         width=WIDTH)
    config, checkpoint = write_tiny_model(tmp_path, size=(HEIGHT, WIDTH))
    inception = save_random_inception_weights(str(tmp_path / 'inception.pth'))
    alexnet = save_random_alexnet_weights(str(tmp_path / 'alex.pth'))
    options = _data_options(data) + [
        f'test_evaluator.0.inception_weights={inception}',
        f'test_evaluator.1.inception_weights={inception}',
        f'test_evaluator.0.cache_dir={tmp_path}', f'test_evaluator.1.cache_dir={tmp_path}',
        'test_evaluator.1.num_subsets=3', f'val_evaluator.2.backbone_weights={alexnet}',
    ]
    out = tmp_path / 'metrics.json'
    result = subprocess.run(
        [sys.executable, TOOL, config, checkpoint, '--protocol', 'viton-hd', '--work-dir',
         str(tmp_path / 'w'), '--out', str(out), '--cfg-options', *options],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'warning: skipping' not in result.stderr
    assert f'record written to {out}' in result.stderr
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM-RGB', 'PSNR', 'LPIPS', 'FID', 'KIDx1000',
                                      'KIDx1000_std'}
    assert record['metrics']['LPIPS'] > 0 and 0 < record['metrics']['SSIM-RGB'] < 1
    protocol = record['protocol']
    assert protocol['preset'] == get_protocol('viton-hd').record_entry()
    assert protocol['ssim']['variant'] == 'rgb'
    assert protocol['lpips']['LPIPS']['resize'] is None
    assert protocol['lpips']['LPIPS']['weights'] == 'alex.pth'
    assert protocol['fid']['weights'] == 'inception.pth' and record['skipped'] == {}
    assert list(protocol['protocols']) == ['unpaired', 'paired']


def test_test_tool_skips_fid_kid_without_weights(tmp_path):
    """No Inception weights: the paired protocol runs, FID/KID are skipped with ONE line,
    the unpaired protocol (nothing left to compute) is not run, and the record says so."""
    data = tmp_path / 'data'
    make_synthetic_viton(str(data), num_train=0, num_test=4, seed=3, height=HEIGHT,
                         width=WIDTH)
    config, checkpoint = write_tiny_model(tmp_path, size=(HEIGHT, WIDTH))
    env = dict(tool_env(), TORCH_HOME=str(tmp_path / 'torch_home'))
    hub = str(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / FID_WEIGHTS_FILENAME)
    out = tmp_path / 'metrics.json'
    result = subprocess.run(
        [sys.executable, TOOL, config, checkpoint, '--work-dir', str(tmp_path / 'w'),
         '--out', str(out), '--cfg-options', *_data_options(data)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith('warning:')]
    assert len(warnings) == 1 and result.stderr.count('skipping FID') == 1, result.stderr
    assert warnings[0].startswith(f'warning: skipping FID, KID: FID Inception weights not '
                                  f'found ({hub}): put {FID_WEIGHTS_FILENAME} there (the torch '
                                  'hub cache')
    assert ('--cfg-options test_evaluator.0.inception_weights=PATH '
            'test_evaluator.1.inception_weights=PATH') in warnings[0]
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM', 'PSNR'}
    assert record['skipped'] == {name: f'FID Inception weights not found ({hub})'
                                 for name in ('FID', 'KID')}
    protocol = record['protocol']
    assert list(protocol['protocols']) == ['paired'] and protocol['fid'] is None
    assert protocol['skipped_protocols']['unpaired'].startswith('its metrics (FID, KID) are '
                                                                'skipped')


def test_missing_checkpoint_one_line_before_building(tmp_path):
    """In a real process: exit 2, one line, no traceback, and no Runner (no work dir)."""
    config = write_tiny_config(tmp_path)
    missing = tmp_path / 'epoch_9.pth'
    result = subprocess.run(
        [sys.executable, TOOL, config, str(missing), '--work-dir', str(tmp_path / 'w'),
         '--protocols', 'paired'], cwd=REPO_ROOT, env=tool_env(), capture_output=True,
        text=True, timeout=600)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert result.stderr == (f'error: checkpoint not found ({missing}): it is made by: '
                             'tools/train.py CONFIG (work_dirs/<config>/epoch_*.pth)\n')
    assert not (tmp_path / 'w').exists()  # the Runner (which makes it) was never built


# In-process cases: the tool's main under run_tool, with the Runner (which builds the model)
# replaced by one that fails the test, so each error is shown to come before building.


class _NoRunner:
    @staticmethod
    def from_cfg(cfg):
        raise AssertionError('the Runner (and the model) was built before the error')


@pytest.fixture
def tool(monkeypatch):
    monkeypatch.setattr('vtonbox.engine.evaluate.Runner', _NoRunner)
    spec = importlib.util.spec_from_file_location('vtonbox_test_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory):
    return write_tiny_config(tmp_path_factory.mktemp('tiny_config'))


@pytest.fixture
def no_hub_weights(tmp_path, monkeypatch):
    """An empty torch hub cache; returns where the weights are looked for."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return str(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / FID_WEIGHTS_FILENAME)


def _run(tool, argv, capsys):
    code = run_tool(tool.main, [str(a) for a in argv])
    return code, capsys.readouterr().err


def _checkpoint(tmp_path, data: bytes):
    path = tmp_path / 'model.pth'
    path.write_bytes(data)
    return path


def test_require_fid_without_weights_fails_at_start(tool, tiny_config, no_hub_weights,
                                                    tmp_path, capsys):
    code, err = _run(tool, [tiny_config, tmp_path / 'missing.pth', '--require', 'fid'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: FID Inception weights not found ({no_hub_weights}): put '
                          f'{FID_WEIGHTS_FILENAME} there (the torch hub cache')
    assert '--cfg-options test_evaluator.0.inception_weights=PATH' in err


def test_unpaired_only_without_weights_fails(tool, tiny_config, no_hub_weights, tmp_path,
                                             capsys):
    """Skipping would leave nothing to evaluate: the skip becomes the error."""
    code, err = _run(tool, [tiny_config, tmp_path / 'missing.pth', '--protocols', 'unpaired'],
                     capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: FID Inception weights not found ({no_hub_weights})')


def test_require_kid_not_in_the_run(tool, tiny_config, tmp_path, capsys):
    code, err = _run(tool, [tiny_config, tmp_path / 'm.pth', '--protocols', 'paired',
                            '--require', 'fid', '--require', 'kid'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --require fid: this run computes no FID: add a FID entry to '
                   'test_evaluator (or val_evaluator) of the config (or drop --require fid)\n')


def test_unknown_protocol(tool, tiny_config, tmp_path, capsys):
    code, err = _run(tool, [tiny_config, tmp_path / 'm.pth', '--protocol', 'VITON'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ("error: unknown evaluation protocol 'VITON' (--protocol): choose from "
                   'viton, viton-hd, dresscode, hr-viton (docs/user_guides/evaluation.md, '
                   '"Protocols")\n')


def test_protocol_require_outside_the_selected_protocols(tool, tiny_config, tmp_path, capsys):
    code, err = _run(tool, [tiny_config, tmp_path / 'm.pth', '--protocol', 'viton',
                            '--protocols', 'paired', '--require', 'fid'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --require fid: --protocol viton computes no FID in the paired '
                   'setting: FID is in its unpaired setting (--protocols paired unpaired), or '
                   'drop --require fid\n')


def test_protocol_require_lpips_without_weights(tool, tiny_config, tmp_path, monkeypatch,
                                                capsys):
    """The preset's LPIPS is planned like the config's: required, its missing file is an
    error at start, naming the option that sets it."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    code, err = _run(tool, [tiny_config, tmp_path / 'm.pth', '--protocol', 'hr-viton',
                            '--protocols', 'paired', '--require', 'lpips'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith('error: LPIPS AlexNet weights not found (')
    assert '--cfg-options val_evaluator.2.backbone_weights=PATH' in err


def test_unknown_required_metric(tool, tiny_config, tmp_path, capsys):
    code, err = _run(tool, [tiny_config, tmp_path / 'm.pth', '--require', 'fid,ssim'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ("error: unknown metric 'ssim' in --require: choose from fid, kid, lpips "
                   '(the metrics that need weights)\n')


def test_missing_config(tool, tmp_path, capsys):
    code, err = _run(tool, [tmp_path / 'nope.py', tmp_path / 'm.pth'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: config file not found ({tmp_path / "nope.py"}): check the path '
                   '(configs are listed in configs/)\n')


def test_config_with_a_syntax_error(tool, tmp_path, capsys):
    config = tmp_path / 'broken.py'
    config.write_text('model = dict(\n')
    code, err = _run(tool, [config, tmp_path / 'm.pth'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: config file has a syntax error at line 1 ({config}): ')


def test_config_whose_code_fails(tool, tmp_path, capsys):
    config = tmp_path / 'failing.py'
    config.write_text('model = undefined_name\n')
    code, err = _run(tool, [config, tmp_path / 'm.pth'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f"error: cannot read the config: NameError: name 'undefined_name' is not "
                   f'defined ({config}): fix the config\n')


def test_empty_checkpoint_before_building(tool, tiny_config, tmp_path, capsys):
    checkpoint = _checkpoint(tmp_path, b'')
    code, err = _run(tool, [tiny_config, checkpoint, '--protocols', 'paired'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: checkpoint is an empty file ({checkpoint}): the run that wrote it '
                   'was probably killed; use an older one\n')


def test_truncated_checkpoint_before_building(tool, tiny_config, tmp_path, capsys):
    import io

    import torch
    buffer = io.BytesIO()
    torch.save({'state_dict': {'w': torch.zeros(64, 64)}}, buffer)
    checkpoint = _checkpoint(tmp_path, buffer.getvalue()[:-200])
    code, err = _run(tool, [tiny_config, checkpoint, '--protocols', 'paired'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: not a PyTorch checkpoint (truncated or corrupt) ({checkpoint}): '
                   'check the path, or write the checkpoint again\n')


def test_text_file_as_checkpoint_before_building(tool, tiny_config, tmp_path, capsys):
    checkpoint = _checkpoint(tmp_path, b'model = dict()\n')
    code, err = _run(tool, [tiny_config, checkpoint, '--protocols', 'paired'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err.startswith(f'error: not a PyTorch checkpoint (truncated or corrupt) '
                          f'({checkpoint})')


def test_debug_shows_the_traceback(tool, tmp_path, capsys):
    code, err = _run(tool, [tmp_path / 'nope.py', tmp_path / 'm.pth', '--debug'], capsys)
    assert code == 2 and 'Traceback' in err
    assert err.splitlines()[-1].startswith('error: config file not found')


def test_plan_with_show_dir_runs_unpaired_without_metrics(tiny_config, no_hub_weights):
    """--show-dir: the unpaired try-ons are still generated (and saved), with no metric."""
    from vtonbox.engine.evaluate import plan_test_metrics
    from vtonbox.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(tiny_config)
    plan = plan_test_metrics(cfg, ['unpaired', 'paired'], save_images=True)
    assert plan.protocols == ['unpaired', 'paired'] and plan.skipped_protocols == {}
    assert set(plan.skipped_metrics) == {'FID', 'KID'} and len(plan.warnings) == 1
    assert cfg.test_evaluator == [] and [m['type'] for m in cfg.val_evaluator] == [
        'SSIM', 'PSNR']
