"""The analysis, misc and dataset tools report user errors as one ``error:`` line, exit 2,
no traceback: a subprocess per tool for a missing path (the real entry point), then the
other cases in-process."""
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT, tool_env
from vtonbox.utils.cli import run_tool

PFAFN = osp.join(REPO_ROOT, 'configs', 'pfafn_student.py')
SYNTHETIC_WARP = osp.join(REPO_ROOT, 'configs', 'synthetic', 'pbafn_warp.py')
TIMEOUT = 300


def tool_path(name):
    return osp.join(REPO_ROOT, 'tools', name)


def load(name):
    spec = importlib.util.spec_from_file_location(f'vtonbox_tool_{osp.basename(name)[:-3]}',
                                                  tool_path(name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_line(err):
    assert 'Traceback' not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    return lines[0]


@pytest.fixture
def error_of(capsys):
    """``error_of(tool, *argv)``: the one line of a tool run in-process (exit 2)."""
    def call(name, *argv):
        capsys.readouterr()
        status = run_tool(load(name).main, [str(a) for a in argv])
        err = capsys.readouterr().err
        assert status == 2, err
        return one_line(err)
    return call


# ------------------------------------------------ one subprocess per tool: a missing path
MISSING = '/no/such/vtonbox/path'
SUBPROCESS_CASES = {
    'analysis/benchmark.py': ([MISSING], f'error: config file not found ({MISSING}): '),
    'analysis/benchmark_dataloader.py': (
        [MISSING], f'error: neither a config file nor a dataset folder ({MISSING}): '),
    'analysis/benchmark_fid.py': (['--device', 'gpu'],
                                  "error: unknown device 'gpu' (--device): "),
    'analysis/count_params.py': ([MISSING], f'error: config file not found ({MISSING}): '),
    'analysis/warp_quality.py': ([MISSING, 'ckpt.pth'],
                                 f'error: config file not found ({MISSING}): '),
    'misc/print_config.py': ([MISSING], f'error: config file not found ({MISSING}): '),
    'misc/list_modules.py': (['--cfg-options', 'a=1'], None),  # argparse: usage + error
    'dataset/check_dataset.py': ([MISSING], f'error: dataset folder not found ({MISSING}): '),
    'dataset/make_synthetic.py': ([MISSING, '--num-train', '-1'],
                                  'error: --num-train must be 0 to '),
}


@pytest.mark.parametrize('name', sorted(SUBPROCESS_CASES))
def test_tool_entry_point_prints_one_line(name):
    args, start = SUBPROCESS_CASES[name]
    result = subprocess.run([sys.executable, tool_path(name), *args], cwd=REPO_ROOT,
                            env=tool_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    if start is None:  # an unknown option: argparse's own usage and error lines
        assert 'Traceback' not in result.stderr and 'unrecognized arguments' in result.stderr
        return
    assert one_line(result.stderr).startswith(start)


# ------------------------------------------------------------------------- benchmark.py
def test_benchmark_missing_checkpoint(error_of, tmp_path):
    line = error_of('analysis/benchmark.py', PFAFN, '--checkpoint', tmp_path / 'absent.pth')
    assert line == f'error: checkpoint not found ({tmp_path / "absent.pth"}): check the path'


def test_benchmark_truncated_checkpoint(error_of, tmp_path):
    path = tmp_path / 'cut.pth'
    path.write_bytes(b'PK\x03\x04 cut short')
    line = error_of('analysis/benchmark.py', PFAFN, '--checkpoint', path)
    assert line.startswith(f'error: not a PyTorch checkpoint (truncated or corrupt) ({path})')


def test_benchmark_missing_onnx(error_of, tmp_path):
    line = error_of('analysis/benchmark.py', PFAFN, '--onnx', tmp_path / 'm.onnx')
    assert line == (f'error: ONNX model not found ({tmp_path / "m.onnx"}): export one with '
                    'tools/deploy/export_onnx.py')


def test_benchmark_missing_data_root(error_of, tmp_path):
    line = error_of('analysis/benchmark.py', PFAFN, '--mode', 'train', '--data-root',
                    tmp_path / 'data')
    assert line.startswith(f'error: dataset folder not found ({tmp_path / "data"}): ')


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is available here')
def test_benchmark_cuda_without_gpu(error_of):
    line = error_of('analysis/benchmark.py', PFAFN, '--device', 'cuda')
    assert line == 'error: no CUDA device is available (--device cuda): use --device cpu'


def test_benchmark_sizes_the_model_cannot_take(error_of, tmp_path):
    from tests.helpers.tiny_configs import TINY_SIZE
    from tests.helpers.tiny_model import write_tiny_config
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    line = error_of('analysis/benchmark.py', config, '--height', '64', '--width', '48',
                    '--batch-size', '1', '--iters', '1', '--warmup', '0', '--no-profile',
                    '--no-flops', '--threads', '1')
    assert line.startswith('error: ')
    assert 'must be multiples of 32 (--height 64 --width 48): pick sizes' in line


def test_benchmark_profile_prints_no_kineto_noise(tmp_path):
    """The per-module split runs the torch profiler; kineto's own lines (``USDT ...
    profiler_start``, ``ERROR ... gpuGetDeviceCount failed`` without a CUDA driver) must
    not reach the user."""
    code = ('import torch\n'
            'from vtonbox.benchmark.profiling import module_time_split\n'
            'net = torch.nn.Sequential(torch.nn.Linear(4, 4))\n'
            "split = module_time_split(lambda: net(torch.ones(1, 4)), net, {'lin': ('0',)})\n"
            "print('total' in split)\n")
    env = tool_env()
    env.pop('KINETO_LOG_LEVEL', None)
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'True'
    assert result.stderr == ''


# --------------------------------------------------------------- the other analysis tools
def test_benchmark_dataloader_config_without_train_dataloader(error_of, tmp_path):
    config = tmp_path / 'no_loader.py'
    config.write_text('model = dict(type="X")\n')
    line = error_of('analysis/benchmark_dataloader.py', config)
    assert line == (f'error: config has no train_dataloader ({config}): pass a training '
                    'config or a dataset root')


@pytest.mark.parametrize('device,message', [
    ('gpu', "error: unknown device 'gpu' (--preprocess): "),
    ('meta', "error: unsupported device 'meta' (--preprocess): ")])
def test_benchmark_dataloader_bad_preprocess_device(error_of, device, message):
    """Checked before any data is read (the source does not even exist)."""
    line = error_of('analysis/benchmark_dataloader.py', MISSING, '--preprocess', device)
    assert line.startswith(message)


def test_benchmark_fid_non_positive_batch(error_of):
    line = error_of('analysis/benchmark_fid.py', '--batch-sizes', '0', '8')
    assert line == ('error: sizes and counts must be positive (--batch-sizes 0): pass '
                    'positive integers')


def test_count_params_bad_cfg_options(error_of):
    line = error_of('analysis/count_params.py', PFAFN, '--cfg-options',
                    'model.generator.ngf.x=1')
    assert line.startswith('error: --cfg-options model.generator.ngf.x=1 cannot be applied: '
                           'model.generator.ngf is 64 in the config, not a dict')


def test_warp_quality_missing_checkpoint(error_of, tmp_path):
    line = error_of('analysis/warp_quality.py', SYNTHETIC_WARP, tmp_path / 'absent.pth')
    assert line == f'error: checkpoint not found ({tmp_path / "absent.pth"}): check the path'


def test_warp_quality_missing_dataloader(error_of, tmp_path):
    line = error_of('analysis/warp_quality.py', PFAFN, tmp_path / 'absent.pth')
    assert line.startswith(f"error: config has no dataloader 'synthetic_teacher_val_dataloader' "
                           f'({PFAFN}): pass --dataloader KEY (the config has: ')
    assert 'train_dataloader' in line


# ------------------------------------------------------------------- misc and dataset tools
def test_print_config_syntax_error(error_of, tmp_path):
    config = tmp_path / 'broken.py'
    config.write_text('a = (\n')
    line = error_of('misc/print_config.py', config)
    assert line.startswith(f'error: config file has a syntax error at line 1 ({config}): fix')


def test_check_dataset_missing_pair_list(error_of, tmp_path):
    line = error_of('dataset/check_dataset.py', tmp_path, '--ann-file', 'pairs.txt')
    assert line == (f'error: pair list not found ({tmp_path / "pairs.txt"}): pass --ann-file '
                    'relative to DATA_ROOT, or leave it out')


def test_make_synthetic_into_non_empty_folder(error_of, tmp_path):
    args = (tmp_path, '--num-train', '1', '--num-test', '0', '--height', '64', '--width',
            '48')
    assert run_tool(load('dataset/make_synthetic.py').main, [str(a) for a in args]) == 0
    line = error_of('dataset/make_synthetic.py', *args)
    assert line == (f'error: the dataset folder is not empty ({tmp_path / "train_img"}): pass '
                    '--overwrite to replace the synthetic data, or choose another folder')


def test_make_synthetic_too_small(error_of, tmp_path):
    line = error_of('dataset/make_synthetic.py', tmp_path / 'out', '--height', '16')
    assert line.startswith('error: images must be at least 32 x 32, got 16 x 192 '
                           '(--height / --width): ')
    assert not (tmp_path / 'out').exists()
