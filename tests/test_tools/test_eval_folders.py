"""tools/eval_folders.py end to end: prints metrics and writes the JSON record; without
the FID Inception (LPIPS AlexNet) weights it skips FID/KID (LPIPS) with one line;
``--protocol`` takes a named preset's metrics and records it; user errors are one line."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from vtonbox.evaluation.functional.inception import (
    FID_WEIGHTS_FILENAME,
    save_random_inception_weights,
)
from vtonbox.evaluation.functional.lpips import (
    ALEXNET_WEIGHTS_FILENAME,
    build_lpips_alex,
    lpips_distance,
    save_random_alexnet_weights,
)
from vtonbox.evaluation.protocols import get_protocol
from vtonbox.utils.cli import run_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'eval_folders.py')
#: Seconds for the subprocess (imports + a few Inception passes on a shared CPU).
TOOL_TIMEOUT = 300


def _write_images(folder, seed, noise):
    folder.mkdir()
    rng = np.random.default_rng(seed)
    for index in range(2):
        coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = np.asarray(Image.fromarray(coarse).resize((64, 64), Image.BILINEAR), float)
        image = np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(folder / f'{index:06d}_0.png')


def test_eval_folders_writes_record(tmp_path):
    _write_images(tmp_path / 'real', seed=0, noise=0)
    _write_images(tmp_path / 'fake', seed=0, noise=30)
    weights = save_random_inception_weights(str(tmp_path / 'random_inception.pth'))
    out = tmp_path / 'result' / 'metrics.json'
    proc = subprocess.run(
        [sys.executable, TOOL, '--real', str(tmp_path / 'real'), '--fake', str(tmp_path / 'fake'),
         '--metrics', 'kid', 'ssim', 'psnr', '--inception-weights', weights, '--kid-subsets',
         '2', '--kid-subset-size', '2', '--cache-dir', str(tmp_path / 'cache'), '--out',
         str(out)], capture_output=True, text=True, timeout=TOOL_TIMEOUT, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'KIDx1000', 'KIDx1000_std', 'SSIM', 'PSNR'}
    # 2 images: KID is computed but warned about, and its counts are recorded.
    assert record['skipped'] == {}
    assert record['protocol']['inception_images'] == {
        'KID': dict(generated=2, real=2, min_reliable=100)}
    assert len(record['warnings']) == 1 and 'KID_MIN_IMAGES=100' in record['warnings'][0]
    assert f'warning: {record["warnings"][0]}' in proc.stderr.splitlines()
    assert 0 < record['metrics']['SSIM'] < 1
    assert '"PSNR"' in proc.stdout and str(out) in proc.stdout
    protocol = record['protocol']
    for key in ('dataset_root', 'split', 'pair_list_sha256', 'num_images', 'fid', 'ssim',
                'image_size', 'image_format', 'fake_dir', 'num_pairs'):
        assert key in protocol, key
    assert protocol['num_images'] == 2 and protocol['num_pairs'] == 2
    assert protocol['image_size'] == [64, 64] and protocol['image_format'] == 'png'
    assert protocol['fid']['implementation'].startswith('pytorch-fid')
    assert len(protocol['fid']['weights_sha256']) == 64
    for key in ('vtonbox_version', 'checkpoint_sha256', 'date'):
        assert key in record, key


def test_eval_folders_clear_error_for_missing_folder(tmp_path):
    spec = importlib.util.spec_from_file_location('eval_folders', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with pytest.raises(FileNotFoundError, match='image folder not found'):
        tool.main(['--real', str(tmp_path / 'nope'), '--fake', str(tmp_path), '--metrics',
                   'ssim'])


def _tool():
    spec = importlib.util.spec_from_file_location('eval_folders_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _run(argv, capsys):
    """``run_tool`` on the tool in this process: (exit code, stdout, stderr)."""
    code = run_tool(_tool().main, [str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folders(tmp_path):
    _write_images(tmp_path / 'real', seed=0, noise=0)
    _write_images(tmp_path / 'fake', seed=0, noise=30)
    return tmp_path / 'real', tmp_path / 'fake'


@pytest.fixture
def no_hub_weights(tmp_path, monkeypatch):
    """An empty torch hub cache; returns where the weights are looked for."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return str(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / FID_WEIGHTS_FILENAME)


def test_eval_folders_skips_fid_kid_without_weights(folders, tmp_path):
    """Default metrics, no weights: SSIM/PSNR computed, FID/KID skipped with ONE line."""
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'torch_home'))
    hub = str(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / FID_WEIGHTS_FILENAME)
    out = tmp_path / 'metrics.json'
    proc = subprocess.run(
        [sys.executable, TOOL, '--real', str(folders[0]), '--fake', str(folders[1]), '--out',
         str(out)], capture_output=True, text=True, timeout=TOOL_TIMEOUT, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'Traceback' not in proc.stderr, proc.stderr
    assert lines[0].startswith(f'warning: skipping FID, KID: FID Inception weights not found '
                               f'({hub}): put {FID_WEIGHTS_FILENAME} there (the torch hub '
                               'cache')
    assert '--inception-weights PATH' in lines[0] and '--require fid,kid' in lines[0]
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM', 'PSNR'}
    assert record['skipped'] == {name: f'FID Inception weights not found ({hub})'
                                 for name in ('FID', 'KID')}
    assert record['protocol']['fid'] is None and record['protocol']['inception_images'] == {}


def test_require_fails_before_reading_images(folders, no_hub_weights, capsys, monkeypatch):
    tool = _tool()

    def no_evaluation(*args, **kwargs):
        raise AssertionError('images were read')

    monkeypatch.setattr(tool, 'evaluate_folders', no_evaluation)
    code = run_tool(tool.main, ['--real', str(folders[0]), '--fake', str(folders[1]),
                                '--require', 'kid,fid'])
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err
    assert err.startswith(f'error: FID Inception weights not found ({no_hub_weights}): put '
                          f'{FID_WEIGHTS_FILENAME} there') and err.count('\n') == 1
    assert '--inception-weights PATH' in err


def test_only_inception_metrics_without_weights_fail(folders, no_hub_weights, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'fid'],
                        capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: FID Inception weights not found ({no_hub_weights})')


def test_required_metric_not_requested(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'ssim',
                         '--require', 'kid'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --require kid: this run computes no KID: add kid to --metrics (or '
                   'drop --require kid)\n')


def test_unknown_required_metric(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--require', 'ssim'],
                        capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ("error: unknown metric 'ssim' in --require: choose from fid, kid, lpips "
                   '(the metrics that need weights)\n')


def test_empty_weights_file_required(folders, tmp_path, capsys):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'kid',
                         '--inception-weights', empty], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: FID Inception weights file is empty ({empty}): put '
                          f'{FID_WEIGHTS_FILENAME} at ')


def test_missing_real_folder(folders, tmp_path, capsys):
    code, _, err = _run(['--real', tmp_path / 'nope', '--fake', folders[1], '--metrics',
                         'ssim'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == f'error: image folder not found ({tmp_path / "nope"}): check the path\n'


def test_empty_fake_folder(folders, tmp_path, capsys):
    (tmp_path / 'empty').mkdir()
    code, _, err = _run(['--real', folders[0], '--fake', tmp_path / 'empty', '--metrics',
                         'psnr'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: no images in the folder ({tmp_path / "empty"}): put the '
                          'images directly in it')


def test_missing_pairs_file(folders, tmp_path, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'ssim',
                         '--pairs', tmp_path / 'pairs.txt'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == f'error: pairs file not found ({tmp_path / "pairs.txt"}): check the path\n'


def test_pairs_file_naming_missing_images(folders, tmp_path, capsys):
    pairs = tmp_path / 'pairs.txt'
    pairs.write_text('000000_0.png 000000_0.png\nghost.png 000001_0.png\n')
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'psnr',
                         '--pairs', pairs], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: 1 files named in the pairs file are missing, e.g. '
                   f'{folders[1] / "ghost.png"} ({pairs}): each line is "fake_name real_name", '
                   'relative to --fake and --real\n')


def test_no_common_names(folders, tmp_path, capsys):
    other = tmp_path / 'other'
    other.mkdir()
    Image.open(folders[1] / '000000_0.png').save(other / 'renamed.png')
    code, _, err = _run(['--real', folders[0], '--fake', other, '--metrics', 'ssim'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: no file name is in both folders ({other}, {folders[0]}): paired '
                   'metrics (SSIM, PSNR, LPIPS) need matching names or a pairs file (--pairs)\n')


def test_debug_shows_the_traceback(folders, tmp_path, capsys):
    code, _, err = _run(['--real', tmp_path / 'nope', '--fake', folders[1], '--metrics',
                         'ssim', '--debug'], capsys)
    assert code == 2 and 'Traceback' in err
    assert err.splitlines()[-1] == (f'error: image folder not found ({tmp_path / "nope"}): '
                                    'check the path')


def test_unavailable_device(folders, tmp_path, capsys):
    weights = save_random_inception_weights(str(tmp_path / 'inception.pth'))
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'fid',
                         '--inception-weights', weights, '--device', 'cuda:99'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith('error: ') and 'CUDA device' in err and '--device' in err


def test_batch_size_below_one(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--batch-size', '0'],
                        capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == 'error: batch size 0 is below 1 (--batch-size): use e.g. --batch-size 50\n'


# ------------------------------------------------------------------ LPIPS and --protocol


@pytest.fixture
def alexnet_weights(tmp_path):
    return save_random_alexnet_weights(str(tmp_path / 'alex.pth'), seed=2)


@pytest.fixture
def no_alexnet(tmp_path, monkeypatch):
    """An empty torch hub cache for the AlexNet; returns where it is looked for."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return str(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / ALEXNET_WEIGHTS_FILENAME)


def _expected_lpips(folders, weights, resize=None):
    model = build_lpips_alex(weights)
    return np.mean([lpips_distance(model, np.array(Image.open(folders[1] / name)),
                                   np.array(Image.open(folders[0] / name)), resize)
                    for name in ('000000_0.png', '000001_0.png')])


def test_lpips_on_paired_folders(folders, alexnet_weights, tmp_path, capsys):
    out = tmp_path / 'metrics.json'
    code, stdout, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'ssim',
                              'lpips', '--lpips-weights', alexnet_weights, '--out', out], capsys)
    assert code == 0 and err == '', err
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM', 'LPIPS'} and '"LPIPS"' in stdout
    assert abs(record['metrics']['LPIPS'] - _expected_lpips(folders, alexnet_weights)) <= 1e-6
    entry = record['protocol']['lpips']['LPIPS']
    assert (entry['net'], entry['heads_version'], entry['resize']) == ('alex', '0.1', None)
    assert entry['weights'] == 'alex.pth' and record['skipped'] == {}
    assert 'preset' not in record['protocol']


def test_lpips_skipped_without_weights(folders, no_alexnet, tmp_path, capsys):
    """SSIM still runs; LPIPS is skipped with ONE line and the reason in the record."""
    out = tmp_path / 'metrics.json'
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--metrics', 'ssim',
                         'lpips', '--out', out], capsys)
    assert code == 0 and 'Traceback' not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f'warning: skipping LPIPS: LPIPS AlexNet weights not found ({no_alexnet}): put '
        f'{ALEXNET_WEIGHTS_FILENAME} there')
    assert '--lpips-weights PATH' in lines[0] and '--require lpips' in lines[0]
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM'} and record['protocol']['lpips'] is None
    assert record['skipped'] == {'LPIPS': f'LPIPS AlexNet weights not found ({no_alexnet})'}


def test_require_lpips_fails_before_reading_images(folders, no_alexnet, capsys, monkeypatch):
    tool = _tool()

    def no_evaluation(*args, **kwargs):
        raise AssertionError('images were read')

    monkeypatch.setattr(tool, 'evaluate_folders', no_evaluation)
    code = run_tool(tool.main, ['--real', str(folders[0]), '--fake', str(folders[1]),
                                '--metrics', 'ssim', 'lpips', '--require', 'lpips'])
    err = capsys.readouterr().err
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: LPIPS AlexNet weights not found ({no_alexnet}): put ')
    assert '--lpips-weights PATH' in err


def test_protocol_paired_setting(folders, alexnet_weights, tmp_path, capsys):
    """hr-viton, paired: its metrics with its settings (gray SSIM, LPIPS at 128x128)."""
    out = tmp_path / 'metrics.json'
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'hr-viton',
                         '--setting', 'paired', '--lpips-weights', alexnet_weights, '--out',
                         out], capsys)
    assert code == 0 and err == '', err
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM', 'PSNR', 'LPIPS@128x128'}
    assert abs(record['metrics']['LPIPS@128x128'] -
               _expected_lpips(folders, alexnet_weights, (128, 128))) <= 1e-6
    preset = record['protocol']['preset']
    assert preset == dict(get_protocol('hr-viton').record_entry(), setting='paired')
    assert record['protocol']['ssim']['variant'] == 'gray'
    assert record['protocol']['lpips']['LPIPS@128x128']['resize'] == [128, 128]


def test_protocol_paired_setting_rgb_ssim(folders, alexnet_weights, tmp_path, capsys):
    out = tmp_path / 'metrics.json'
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'viton-hd',
                         '--setting', 'paired', '--lpips-weights', alexnet_weights, '--out',
                         out], capsys)
    assert code == 0, err
    record = json.loads(out.read_text())
    assert set(record['metrics']) == {'SSIM-RGB', 'PSNR', 'LPIPS'}
    assert record['protocol']['preset']['name'] == 'viton-hd'


def test_protocol_unpaired_setting_without_weights_fails(folders, no_hub_weights, capsys):
    """The unpaired run has only FID/KID: without their weights nothing is left, an error."""
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'viton',
                         '--setting', 'unpaired'], capsys)
    assert code == 2 and 'Traceback' not in err and err.count('\n') == 1
    assert err.startswith(f'error: FID Inception weights not found ({no_hub_weights})')


def test_unknown_protocol(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'vitonhd',
                         '--setting', 'paired'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ("error: unknown evaluation protocol 'vitonhd' (--protocol): choose from "
                   'viton, viton-hd, dresscode, hr-viton (docs/user_guides/evaluation.md, '
                   '"Protocols")\n')


def test_protocol_without_setting(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'viton'],
                        capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --protocol viton needs --setting (--setting): add --setting paired '
                   '(folders of paired try-ons: SSIM, PSNR, LPIPS) or --setting unpaired '
                   '(FID, KID)\n')


def test_setting_without_protocol(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--setting', 'paired'],
                        capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --setting needs --protocol (--setting): add --protocol NAME (viton, '
                   'viton-hd, dresscode, hr-viton) or drop --setting\n')


@pytest.mark.parametrize('option', [['--metrics', 'ssim'], ['--ssim-variant', 'rgb'],
                                    ['--lpips-resize', '64', '64']])
def test_option_the_protocol_sets(folders, capsys, option):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'viton',
                         '--setting', 'paired', *option], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == (f'error: {option[0]} is set by --protocol viton ({option[0]}): drop '
                   f'{option[0]}, or drop --protocol to choose the metrics and their settings '
                   'yourself\n')


def test_required_metric_in_the_other_setting(folders, capsys):
    code, _, err = _run(['--real', folders[0], '--fake', folders[1], '--protocol', 'dresscode',
                         '--setting', 'paired', '--require', 'fid'], capsys)
    assert code == 2 and 'Traceback' not in err
    assert err == ('error: --require fid: --protocol dresscode computes no FID in the paired '
                   'setting: FID is in its unpaired setting (--setting unpaired), or drop '
                   '--require fid\n')
