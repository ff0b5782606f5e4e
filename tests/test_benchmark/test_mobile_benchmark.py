"""The benchmark with DM-VTON's mobile student: the module groups of a warp model built from
pyramid backbones (time split and FLOP split name ``backbones``), and
tools/analysis/benchmark.py timing it beside other configs (``--compare-config``)."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT, tool_env
from vtonbox.benchmark import random_tryon_inputs
from vtonbox.benchmark.flops import count_flops
from vtonbox.benchmark.profiling import (
    TRYON_MODULE_GROUPS,
    module_groups_of,
    module_time_split,
)
from vtonbox.deploy import load_tryon_model, optimize_for_inference

DMVTON = osp.join(REPO_ROOT, 'configs', 'synthetic', 'dmvton_student.py')
PFAFN = osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_student.py')
MOBILE_GROUPS = ('backbones', 'correlation', 'flow_nets', 'generator')
SIZE = (64, 64)
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'benchmark.py')


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def mobile_model():
    model, _ = load_tryon_model(DMVTON, seed=0)
    return model


def test_groups_follow_the_warp_model(mobile_model, tiny_model):
    assert tuple(module_groups_of(mobile_model)) == MOBILE_GROUPS
    assert module_groups_of(mobile_model)['backbones'] == (
        'warp_model.cloth_backbone', 'warp_model.cond_backbone')
    assert module_groups_of(tiny_model) == TRYON_MODULE_GROUPS  # PF-AFN: unchanged
    with pytest.raises(AttributeError, match='cloth_encoder'):  # explicit groups: strict
        module_time_split(lambda: None, mobile_model, groups=TRYON_MODULE_GROUPS)


def test_time_split_of_the_fast_graph_names_the_pyramids(mobile_model):
    fast = optimize_for_inference(mobile_model)
    inputs = random_tryon_inputs(1, *SIZE)
    args = (inputs['person'], inputs['cloth'], inputs['cloth_mask'])
    with torch.inference_mode():
        fast(*args)
        split = module_time_split(lambda: fast(*args), fast)
    assert set(split) == set(MOBILE_GROUPS) | {'other', 'total'}
    assert all(split[name] > 0 for name in MOBILE_GROUPS)
    assert split['total'] >= sum(split[name] for name in MOBILE_GROUPS)


def test_flop_split_adds_up_and_matches_the_parts(mobile_model):
    inputs = random_tryon_inputs(2, *SIZE, seed=1)
    with torch.inference_mode():
        count = count_flops(lambda: mobile_model.tensor_forward(inputs), mobile_model,
                            module_groups_of(mobile_model))
        warp_model = mobile_model.warp_model
        pyramids = sum(count_flops(lambda b=b, x=inputs[name]: b(x), b).total
                       for b, name in ((warp_model.cloth_backbone, 'cloth'),
                                       (warp_model.cond_backbone, 'person')))
    assert set(count.by_group) == set(MOBILE_GROUPS) | {'other'}
    assert sum(count.by_group.values()) == count.total
    assert count.by_group['backbones'] == pyramids > 0
    assert count.by_group['correlation'] == count.by_operator['correlation (analytic)']
    assert count.by_group['flow_nets'] > 0 and count.by_group['generator'] > 0
    assert 0 <= count.by_group['other'] < 0.01 * count.total
    per_image = count.per_item_by_group(2)
    assert per_image['backbones'] == pytest.approx(pyramids / 2 / 1e9)


def narrow_mobile_config(tmp_path) -> str:
    """The synthetic mobile student at half its pyramid width (what
    configs/dmvton_student_c128.py does to the full one), written beside the test."""
    path = tmp_path / 'dmvton_student_c128.py'
    path.write_text(f'_base_ = [{DMVTON!r}]\n'
                    'model = dict(warp_model=dict(backbone=dict(out_channels=32)))\n')
    return str(path)


def test_tool_times_compared_configs_side_by_side(tmp_path):
    out = tmp_path / 'mobile.json'
    narrow_config = narrow_mobile_config(tmp_path)
    result = subprocess.run(
        [sys.executable, TOOL, DMVTON, '--compare-config', PFAFN, narrow_config, '--height',
         str(SIZE[0]), '--width', str(SIZE[1]), '--batch-size', '1', '--iters', '2',
         '--warmup', '1', '--threads', '1', '--channels-last', '--json', str(out)],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert tuple(data['module_time_ms'])[:4] == MOBILE_GROUPS
    assert set(data['gflop_per_image_by_group']) == set(MOBILE_GROUPS) | {'other'}
    assert set(data['compare']) == {PFAFN, narrow_config}
    pfafn, narrow = data['compare'][PFAFN], data['compare'][narrow_config]
    assert 'encoders' in pfafn['module_time_ms'] and 'fpn' in pfafn['gflop_per_image_by_group']
    assert narrow['gflop_per_image'] < data['gflop_per_image']  # narrower pyramids + head
    for part in (pfafn, narrow):
        assert part['images_per_s'] > 0 and len(part['latencies_ms']) == 2
        assert part['speedup_of_main'] == pytest.approx(
            data['images_per_s'] / part['images_per_s'])
    assert 'dmvton_student_c128' in result.stdout and 'main is' in result.stdout


def test_compare_config_errors(tmp_path):
    for args, expected in (
            (['--compare-config', PFAFN, '--mode', 'train'],
             'error: --compare-config times inference graphs (--mode train)'),
            (['--compare-config', str(tmp_path / 'nope.py')], 'config file not found')):
        result = subprocess.run([sys.executable, TOOL, DMVTON, *args], cwd=REPO_ROOT,
                                env=tool_env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 2 and 'Traceback' not in result.stderr
        assert result.stderr.startswith('error: ') and expected in result.stderr
