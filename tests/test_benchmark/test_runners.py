"""The inference and training benchmark runners on tiny models (1-2 iterations; the
numbers are not checked, only that everything is measured and reported)."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from tests.helpers.tiny_configs import TINY_SIZE, write_tiny_student_config
from vtonbox.benchmark import (
    REQUIRED_KEYS,
    InferenceOptions,
    TrainOptions,
    benchmark_model_config,
    inference,
    run_inference_benchmark,
    run_train_benchmark,
    summary_lines,
    write_json,
)
from vtonbox.benchmark.training import optim_wrapper_config
from vtonbox.utils import register_all_modules


def test_inference_with_reference(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(inference, 'machine_peaks', lambda device: dict(fp32=100.0, bf16=400.0))
    options = InferenceOptions(batch_size=2, height=TINY_SIZE[0], width=TINY_SIZE[1], iters=1,
                               warmup=1, channels_last=True, reference=True, peak=True,
                               compare_fp32=True)
    result = run_inference_benchmark(tiny_model, options)
    assert set(REQUIRED_KEYS) <= set(result)
    assert result['precision'] == 'fp32' and result['graph'] == 'fast'
    assert result['gflop_per_image'] > result['gflop_per_image_executed'] > 0
    assert result['speedup_vs_reference'] > 0 and 'module_time_ms' in result['reference']
    assert result['equality_vs_reference']['max_abs_diff'] < 1e-4
    assert 0 < result['correlation_share_of_warp'] < 1
    assert result['fraction_of_peak'] == pytest.approx(result['gflop_per_s'] / 100.0)
    assert result['reference']['fraction_of_peak'] > 0
    assert result['speedup_vs_fast_fp32'] > 0 and 'images_per_s' in result['fast_fp32']
    # one call's own memory: the peak above what the process held when it started
    assert result['call_mem_mb'] == pytest.approx(
        max(result['peak_mem_mb'], result['start_mem_mb']) - result['start_mem_mb'])
    assert 0 <= result['call_mem_mb'] < result['peak_mem_mb']
    path = tmp_path / 'out.json'
    write_json(result, str(path))
    assert json.loads(path.read_text())['batch_size'] == 2
    assert any('reference' in line for line in summary_lines(result))


def test_write_json_checks_keys(tmp_path):
    with pytest.raises(KeyError, match='images_per_s'):
        write_json({'device': 'cpu'}, str(tmp_path / 'x.json'))


def test_training_config_has_no_external_weights(tmp_path):
    register_all_modules()
    cfg = Config.fromfile(write_tiny_student_config(tmp_path))
    model_cfg = benchmark_model_config(cfg.model)
    assert 'init_cfg' not in model_cfg and model_cfg['teacher']['checkpoint'] is None
    assert model_cfg['gen_loss']['vgg_loss']['pretrained'] is False
    wrapper = optim_wrapper_config(cfg.optim_wrapper, 'bf16', torch.device('cpu'))
    assert wrapper['type'] == 'CPUAutocastOptimWrapper' and wrapper['dtype'] == 'bfloat16'
    assert optim_wrapper_config(cfg.optim_wrapper, 'fp32', None) == dict(cfg.optim_wrapper)


def test_train_step_benchmark(tmp_path):
    register_all_modules()
    cfg = Config.fromfile(write_tiny_student_config(tmp_path))
    options = TrainOptions(batch_size=2, height=TINY_SIZE[0], width=TINY_SIZE[1], iters=1,
                           warmup=1, num_workers=0)
    result = run_train_benchmark(cfg, options)
    assert set(REQUIRED_KEYS) <= set(result)
    assert result['model'] == 'ParserFreeTryOn' and result['gflop_per_image'] > 0
    assert 0 <= result['data_wait_fraction'] < 1


@pytest.mark.parametrize('config, layout', [
    ('configs/viton_hd/synthetic/pfafn_warp.py', 'viton-hd'),
    ('configs/dresscode/synthetic/pfafn_warp.py', 'dresscode')])
def test_train_step_benchmark_writes_the_configs_layout(config, layout):
    # The HD configs read VITON-HD / DressCode files: the benchmark's synthetic data must
    # be in that layout (the stage-3 teacher with the dataset's condition channels runs).
    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    options = TrainOptions(batch_size=1, height=64, width=64, iters=1, warmup=0,
                           num_workers=0, flops=False)
    result = run_train_benchmark(cfg, options)
    assert result['synthetic_layout'] == layout and result['images_per_s'] > 0
    assert result['call_mem_mb'] == pytest.approx(
        max(result['peak_mem_mb'], result['start_mem_mb']) - result['start_mem_mb'])
    assert 0 <= result['call_mem_mb'] < result['peak_mem_mb']


def test_compile_path_compares_with_eager(tiny_model, monkeypatch):
    # torch.compile itself takes minutes on a small CPU; the wiring is what is tested
    compiled = []
    monkeypatch.setattr(torch, 'compile', lambda fn, **kw: compiled.append(fn) or fn)
    options = InferenceOptions(batch_size=1, height=TINY_SIZE[0], width=TINY_SIZE[1], iters=1,
                               warmup=1, compile=True, compare_eager=True, profile=False,
                               flops=False)
    result = run_inference_benchmark(tiny_model, options)
    assert len(compiled) == 1 and result['compile'] is True
    assert result['speedup_vs_eager_median'] > 0 and 'eager' in result


def test_inference_times_compared_models_beside_the_main_one(tiny_model):
    import copy
    options = InferenceOptions(batch_size=1, height=TINY_SIZE[0], width=TINY_SIZE[1], iters=2,
                               warmup=1, profile=False, compare_fp32=True)
    result = run_inference_benchmark(tiny_model, options,
                                     compare_models={'twin': copy.deepcopy(tiny_model)})
    twin = result['compare']['twin']
    assert twin['precision'] == 'fp32' and twin['images_per_s'] > 0
    assert twin['gflop_per_image'] == pytest.approx(result['gflop_per_image'])
    assert twin['speedup_of_main'] == pytest.approx(result['images_per_s']
                                                    / twin['images_per_s'])
    assert 'compare/twin' not in result and 'fraction_of_peak' not in twin
    assert result['speedup_vs_fast_fp32'] > 0 and 'speedup_vs_eager' not in result
