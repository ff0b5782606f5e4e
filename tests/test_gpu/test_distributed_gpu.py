"""Distributed training on GPUs: the Runner's ``sync_bn='torch'`` conversion in a
single NCCL process (under ``--amp``), and ``tools/dist_train.sh`` with NCCL on all
visible GPUs (2 processes where there are 2 or more, 1 otherwise)."""
import os.path as osp

import torch

from tests.test_gpu.gpu_helpers import (
    GPU,
    add_probe_hooks,
    dump_config,
    free_port,
    read_probe,
    run_command,
    standalone_config,
    subprocess_env,
    train_tool,
)
from vtonbox.models.tryon import inference_model_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

pytestmark = GPU

#: Training samples per process: 2 iterations of batch 2.
SAMPLES_PER_PROC = 4


def _student_config(data_root, work_root, procs):
    cfg = standalone_config('pfafn_student', data_root, work_root,
                            num_train=SAMPLES_PER_PROC * procs)
    cfg.sync_bn = 'torch'  # what the VITON configs use on GPUs
    return cfg


def _checkpoint_state(work_dir):
    return torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu',
                      weights_only=True)['state_dict']


def _assert_plain_layout(state):
    """Single-process keys that load into the model as built (plain BatchNorm)."""
    assert state and not [k for k in state if 'module.' in k]
    assert not [k for k in state if k.startswith('teacher.')]
    register_all_modules()
    cfg_model = inference_model_config(dict(_student_config('.', '.', 1).model))
    model = MODELS.build(cfg_model)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    assert not missing, missing[:5]
    model.load_state_dict({k: state[k] for k in own}, strict=True)


def test_sync_batchnorm_in_one_nccl_process_with_amp(gpu_synthetic, tmp_path):
    cfg = add_probe_hooks(_student_config(gpu_synthetic, str(tmp_path), 1))
    config = dump_config(cfg, str(tmp_path / 'student_sync_bn.py'))
    env = subprocess_env(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', LOCAL_WORLD_SIZE='1',
                         MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    run_command(train_tool(config, '--launcher', 'pytorch', '--amp', '--work-dir',
                           cfg.work_dir), env=env)

    probe = read_probe(cfg.work_dir)
    assert probe['distributed'] and probe['world_size'] == 1 and probe['backend'] == 'nccl'
    assert probe['sync_batchnorm'] > 0 and probe['batchnorm'] == 0, probe
    assert probe['devices'] == ['cuda:0']
    assert probe['optim_wrapper'] == 'AmpOptimWrapper' and probe['loss_scale'] > 0
    assert probe['iters'] == 2 and probe['losses_finite']
    _assert_plain_layout(_checkpoint_state(cfg.work_dir))


def test_dist_train_sh_nccl_on_all_gpus(gpu_synthetic, tmp_path):
    procs = 2 if torch.cuda.device_count() >= 2 else 1
    cfg = add_probe_hooks(_student_config(gpu_synthetic, str(tmp_path), procs),
                          extra_modules=['vtonbox_rank_dump'],
                          extra_hooks=[dict(type='DumpRankParametersHook')])
    config = dump_config(cfg, str(tmp_path / 'student_dist.py'))
    run_command(['bash', osp.join('tools', 'dist_train.sh'), config, str(procs),
                 '--work-dir', cfg.work_dir], env=subprocess_env(PORT=str(free_port())))

    probes = [read_probe(cfg.work_dir, rank) for rank in range(procs)]
    for rank, probe in enumerate(probes):
        assert probe['world_size'] == procs and probe['backend'] == 'nccl', probe
        assert probe['devices'] == [f'cuda:{rank}'], probe
        assert probe['sync_batchnorm'] > 0 and probe['batchnorm'] == 0, probe
        assert probe['iters'] == 2 and probe['losses_finite'], probe
    _assert_plain_layout(_checkpoint_state(cfg.work_dir))
    params = [torch.load(osp.join(cfg.work_dir, f'rank{rank}_params.pth'), weights_only=True)
              for rank in range(procs)]
    for other in params[1:]:  # DDP: every rank ends with the same weights
        assert other.keys() == params[0].keys()
        different = [k for k in other if not torch.equal(other[k], params[0][k])]
        assert not different, different[:5]
