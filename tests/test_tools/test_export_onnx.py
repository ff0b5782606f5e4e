"""tools/deploy/export_onnx.py on a tiny config, then the benchmark times the ONNX model."""
import json
import subprocess
import sys

import torch

from tests.conftest import REPO_ROOT, tool_env
from tests.helpers.tiny_configs import TINY_SIZE
from tests.helpers.tiny_model import write_tiny_config
from vtonbox.deploy import load_tryon_model

SIZE_ARGS = ['--height', str(TINY_SIZE[0]), '--width', str(TINY_SIZE[1])]


def run_tool(args, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=tool_env(),
                          timeout=timeout, capture_output=True, text=True)


def test_export_verify_and_benchmark(tmp_path):
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    model, _ = load_tryon_model(config, seed=5)
    checkpoint = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    onnx_path = tmp_path / 'out' / 'tiny.onnx'
    result = run_tool(['tools/deploy/export_onnx.py', config, str(checkpoint), '--out',
                       str(onnx_path), '--dynamic-batch', *SIZE_ARGS])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert onnx_path.is_file() and 'max abs diff' in result.stdout

    out = tmp_path / 'bench.json'
    result = run_tool(['tools/analysis/benchmark.py', config, '--checkpoint', str(checkpoint),
                       '--onnx', str(onnx_path), *SIZE_ARGS, '--batch-size', '2', '--iters',
                       '1', '--warmup', '1', '--threads', '1', '--no-profile', '--json',
                       str(out)])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    onnx = json.loads(out.read_text())['onnx']
    assert onnx['backend'] == 'onnxruntime' and onnx['images_per_s'] > 0


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    config = write_tiny_config(tmp_path, size=TINY_SIZE)
    result = run_tool(['tools/deploy/export_onnx.py', config, str(tmp_path / 'none.pth'),
                       '--out', str(tmp_path / 'x.onnx')])
    assert result.returncode != 0 and 'checkpoint not found' in result.stderr
