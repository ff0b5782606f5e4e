"""tools/analysis/benchmark.py on tiny configs (1-2 iterations; keys, not speed)."""
import json
import subprocess
import sys

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tiny_configs import TINY_SIZE, write_tiny_student_config
from tests.helpers.tiny_model import write_tiny_config

REQUIRED_KEYS = ('images_per_s', 'latency_ms_p50', 'latency_ms_p95', 'peak_mem_mb',
                 'gflop_per_image', 'device', 'precision', 'batch_size')
SIZE_ARGS = ['--height', str(TINY_SIZE[0]), '--width', str(TINY_SIZE[1])]


def run_benchmark(args, timeout=300):
    result = subprocess.run([sys.executable, 'tools/analysis/benchmark.py', *args],
                            cwd=REPO_ROOT, env=tool_env(), timeout=timeout,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_inference_json(tmp_path):
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    out = tmp_path / 'inference.json'
    result = run_benchmark([config, *SIZE_ARGS, '--batch-size', '2', '--iters', '1',
                            '--warmup', '1', '--threads', '1', '--channels-last',
                            '--reference', '--check-accuracy', '2', '--json', str(out)])
    data = json.loads(out.read_text())
    assert all(key in data for key in REQUIRED_KEYS)
    assert data['mode'] == 'inference' and data['batch_size'] == 2 and data['threads'] == 1
    assert data['reference']['images_per_s'] > 0 and data['speedup_vs_reference'] > 0
    assert data['accuracy_vs_fp32_model']['max_abs_diff'] < 1e-4
    assert 'reference' in result.stdout and f'wrote {out}' in result.stdout


def test_train_json(tmp_path):
    config = write_tiny_student_config(tmp_path)
    out = tmp_path / 'train.json'
    run_benchmark([config, '--mode', 'train', *SIZE_ARGS, '--batch-size', '2', '--iters', '1',
                   '--warmup', '1', '--threads', '1', '--num-workers', '0', '--json', str(out)])
    data = json.loads(out.read_text())
    assert all(key in data for key in REQUIRED_KEYS)
    assert data['mode'] == 'train' and data['model'] == 'ParserFreeTryOn'
    assert data['gflop_per_image'] > 0 and 'data_wait_fraction' in data


def test_missing_config(tmp_path):
    result = subprocess.run([sys.executable, 'tools/analysis/benchmark.py',
                             str(tmp_path / 'nope.py')], cwd=REPO_ROOT, env=tool_env(),
                            capture_output=True, text=True)
    assert result.returncode != 0 and 'config file not found' in result.stderr
