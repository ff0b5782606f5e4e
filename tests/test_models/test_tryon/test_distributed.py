"""What users run on several GPUs, on 2 CPU processes: the four synthetic PF-AFN stages
chained through ``tools/dist_train.sh`` (gloo), each stage initialised / taught from the
checkpoint the previous *multi-process* run wrote. Both ranks end with identical
parameters, every checkpoint has the single-process key layout, and ``tools/test.py``
and the Inferencer load the final one."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT, TOY_DIR, tool_env
from tests.helpers.stage_configs import stage_config

STAGES = ('pbafn_warp', 'pbafn_tryon', 'pfafn_warp', 'pfafn_student')
#: Processes per stage (one per GPU on a real cluster).
NUM_PROCS = 2
#: Stage 4 trains 2 steps per rank at warp lr 0.2 x 2e-4; Adam moves a weight by about
#: one learning rate per step, so the warp stays within a few 1e-5 of stage 3's.
MAX_WARP_DRIFT = 1e-3


def run_dist_train(config: str, work_dir: str, port: int) -> subprocess.CompletedProcess:
    env = tool_env([TOY_DIR])
    env['PORT'] = str(port)
    return subprocess.run(
        ['bash', 'tools/dist_train.sh', config, str(NUM_PROCS), '--work-dir', work_dir,
         '--cfg-options', 'env_cfg.dist_cfg.backend=gloo'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def dist_chain(tiny_synthetic, tmp_path_factory):
    """Train the four stages in order with 2 gloo processes each (1 epoch, 2 iterations
    per rank); returns the work root and each stage's combined output."""
    work_root = str(tmp_path_factory.mktemp('dist_stages'))
    logs = {}
    for index, stage in enumerate(STAGES):
        cfg = stage_config(stage, tiny_synthetic, work_root, num_train=8)
        cfg.custom_imports = dict(imports=['vtonbox_rank_dump'], allow_failed_imports=False)
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='DumpRankParametersHook')]
        config = osp.join(work_root, f'{stage}_dist.py')
        cfg.dump(config)
        result = run_dist_train(config, cfg.work_dir, port=29610 + index)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f'{stage}:\n{output[-4000:]}'
        logs[stage] = output
    return work_root, logs


def _checkpoint_keys(path: str) -> list:
    return list(torch.load(path, map_location='cpu', weights_only=True)['state_dict'])


@pytest.mark.parametrize('stage', STAGES)
def test_multi_process_checkpoints_have_the_single_process_layout(dist_chain, stage):
    work_root, _ = dist_chain
    keys = _checkpoint_keys(osp.join(work_root, stage, 'epoch_1.pth'))
    assert keys and not [k for k in keys if 'module.' in k]
    assert not [k for k in keys if k.startswith('teacher.')]


@pytest.mark.parametrize('stage', STAGES)
def test_both_ranks_end_with_identical_parameters(dist_chain, stage):
    work_root, _ = dist_chain
    rank0 = torch.load(osp.join(work_root, stage, 'rank0_params.pth'), weights_only=True)
    rank1 = torch.load(osp.join(work_root, stage, 'rank1_params.pth'), weights_only=True)
    assert rank0.keys() == rank1.keys() and len(rank0) > 50
    different = [k for k in rank0 if not torch.equal(rank0[k], rank1[k])]
    assert not different, different[:5]


def test_stages_are_initialised_and_taught_from_multi_process_checkpoints(dist_chain):
    work_root, logs = dist_chain
    assert 'PartialPretrained: loaded' in logs['pfafn_warp']
    assert 'PartialPretrained: loaded' in logs['pfafn_student']
    # Stage 4's warp starts from stage 3's and moves by at most a few Adam steps of the
    # warp's learning rate; a fresh initialisation would differ by orders more.
    stage3 = torch.load(osp.join(work_root, 'pfafn_warp', 'epoch_1.pth'),
                        weights_only=True)['state_dict']
    student = torch.load(osp.join(work_root, 'pfafn_student', 'rank0_params.pth'),
                         weights_only=True)
    warp_keys = [k for k in student if k.startswith('warp_model.')]
    assert warp_keys
    drift = max((student[k] - stage3[k]).abs().max().item() for k in warp_keys)
    assert drift < MAX_WARP_DRIFT, drift


def test_final_checkpoint_loads_in_test_tool_and_inferencer(dist_chain, tiny_synthetic,
                                                           tmp_path):
    from vtonbox.apis import TryOnInferencer

    work_root, _ = dist_chain
    checkpoint = osp.join(work_root, 'pfafn_student', 'epoch_1.pth')
    config = osp.join(REPO_ROOT, 'configs', 'synthetic', 'pfafn_student.py')
    # The paired protocol (SSIM, PSNR) needs no Inception weights and loads the same way.
    options = [f'val_dataloader.dataset.data_root={tiny_synthetic}',
               'val_dataloader.num_workers=0']
    out = tmp_path / 'metrics.json'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', str(tmp_path / 'w'),
         '--out', str(out), '--protocols', 'paired', '--cfg-options', *options],
        cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'SSIM' in json.loads(out.read_text())['metrics']

    inferencer = TryOnInferencer(config, checkpoint, device='cpu')
    person_name, cloth_name = open(osp.join(tiny_synthetic, 'test_pairs.txt')).readline().split()
    output = inferencer(osp.join(tiny_synthetic, 'test_img', person_name),
                        osp.join(tiny_synthetic, 'test_color', cloth_name),
                        osp.join(tiny_synthetic, 'test_edge', cloth_name))[0]
    assert output['tryon'].std() > 0
