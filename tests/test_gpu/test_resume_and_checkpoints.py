"""MMEngine's Runner on CUDA: resuming gives the uninterrupted result (fp32 and fp16
AMP), and checkpoints move between GPU and CPU (weights and ``--resume``)."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

from tests.test_gpu.gpu_helpers import (
    GPU,
    assert_state_close,
    dump_config,
    run_command,
    standalone_config,
    strict_fp32_cuda,
    subprocess_env,
    train_tool,
    use_amp,
)
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

pytestmark = GPU

#: Resumed vs uninterrupted weights: Adam moves a weight by at most ~lr (2e-4) per step,
#: so this bounds any difference of the 2 resumed steps; the real check is the ratio.
RESUME_ATOL = 1e-3
#: sum |resumed - uninterrupted| over sum |uninterrupted - epoch 1|. GPU training is not
#: bit-reproducible (atomic adds in grid_sample's backward): the two runs differ by
#: float noise, while a resume that lost e.g. the Adam moments differs by about the
#: whole second epoch's change (ratio ~1).
RESUME_MAX_GAP_RATIO = 0.05
#: Same weights, CPU vs CUDA forward (full fp32, no TF32).
DEVICE_ATOL = 1e-4


def _resume_config(data_root, work_dir, epochs, precision):
    cfg = standalone_config('pfafn_warp', data_root, osp.dirname(work_dir), epochs=epochs)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=7, deterministic=False)  # no deterministic grid_sample on CUDA
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = 3
    for hook in cfg.custom_hooks:
        if hook['type'] == 'TrainableScheduleHook':
            hook['switch_epoch'] = 1  # partial training in epoch 1, everything in epoch 2
    return use_amp(cfg, precision)


def _float_state(runner) -> dict:
    return {k: v.detach().float().cpu() for k, v in runner.model.state_dict().items()
            if v.is_floating_point()}


@pytest.mark.parametrize('precision', ['fp32', 'fp16'])
def test_resume_on_gpu_matches_uninterrupted(gpu_synthetic, tmp_path, precision):
    register_all_modules()
    straight = Runner.from_cfg(_resume_config(gpu_synthetic, str(tmp_path / 'a'), 2,
                                              precision))
    straight.train()
    Runner.from_cfg(_resume_config(gpu_synthetic, str(tmp_path / 'b'), 1, precision)).train()
    cfg = _resume_config(gpu_synthetic, str(tmp_path / 'b'), 2, precision)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'b' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    resumed.train()

    assert resumed.iter == straight.iter == 4
    assert next(resumed.model.parameters()).is_cuda
    epoch1 = torch.load(cfg.load_from, map_location='cpu', weights_only=True)
    if precision == 'fp16':
        assert 'loss_scaler' in epoch1['optimizer']  # the scaler state is saved, resumed
    start = {k: v.float() for k, v in epoch1['state_dict'].items() if v.is_floating_point()}
    a, b = _float_state(straight), _float_state(resumed)
    assert_state_close(b, a, RESUME_ATOL)
    change = sum((a[k] - start[k]).abs().sum() for k in a if k in start)
    gap = sum((a[k] - b[k]).abs().sum() for k in a)
    assert change > 0, 'the second epoch changed nothing'
    assert gap <= RESUME_MAX_GAP_RATIO * change, (float(gap), float(change))


def _first_batch(cfg):
    init_default_scope('vtonbox')
    return next(iter(Runner.build_dataloader(cfg.train_dataloader)))


def _warp_outputs(model, batch):
    model.eval()
    with torch.no_grad():
        out = model.warp(model.data_preprocessor(batch, False)['inputs'])
    return dict(flow=out.flow.float().cpu(), warped_cloth=out.warped_cloth.float().cpu(),
                warped_mask=out.warped_mask.float().cpu())


def _load_on(cfg, checkpoint, device):
    torch.manual_seed(1)  # different from training: the weights must come from the file
    model = MODELS.build(cfg.model).to(device)
    load_checkpoint(model, checkpoint, map_location=device, strict=True)
    return model


def _assert_same_outputs(cfg, checkpoint):
    batch = _first_batch(cfg)
    with strict_fp32_cuda():
        cpu = _warp_outputs(_load_on(cfg, checkpoint, 'cpu'), batch)
        cuda = _warp_outputs(_load_on(cfg, checkpoint, 'cuda'), batch)
    for key, expected in cpu.items():
        torch.testing.assert_close(cuda[key], expected, atol=DEVICE_ATOL, rtol=0,
                                   msg=lambda m, k=key: f'{k}: {m}')


def test_gpu_checkpoint_loads_and_resumes_on_cpu(gpu_synthetic, tmp_path):
    register_all_modules()
    cfg = standalone_config('pbafn_warp', gpu_synthetic, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert next(runner.model.parameters()).is_cuda
    checkpoint = osp.join(cfg.work_dir, 'epoch_1.pth')
    _assert_same_outputs(cfg, checkpoint)

    longer = standalone_config('pbafn_warp', gpu_synthetic, str(tmp_path), epochs=2)
    config = dump_config(longer, str(tmp_path / 'pbafn_warp_2e.py'))
    work_dir = str(tmp_path / 'cpu_resume')
    run_command(train_tool(config, '--work-dir', work_dir, '--resume', checkpoint),
                env=subprocess_env(cpu_only=True))
    resumed = torch.load(osp.join(work_dir, 'epoch_2.pth'), map_location='cpu',
                         weights_only=True)
    assert resumed['meta']['epoch'] == 2 and resumed['meta']['iter'] == 4


def test_cpu_checkpoint_loads_and_resumes_on_gpu(gpu_synthetic, tmp_path):
    register_all_modules()
    cfg = standalone_config('pbafn_warp', gpu_synthetic, str(tmp_path))
    config = dump_config(cfg, str(tmp_path / 'pbafn_warp_1e.py'))
    run_command(train_tool(config, '--work-dir', cfg.work_dir),
                env=subprocess_env(cpu_only=True))
    checkpoint = osp.join(cfg.work_dir, 'epoch_1.pth')
    _assert_same_outputs(cfg, checkpoint)

    longer = standalone_config('pbafn_warp', gpu_synthetic, str(tmp_path), epochs=2)
    longer.work_dir = str(tmp_path / 'gpu_resume')
    longer.resume, longer.load_from = True, checkpoint
    runner = Runner.from_cfg(longer)
    runner.train()
    assert runner.iter == 4 and next(runner.model.parameters()).is_cuda
    start = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    state = runner.model.state_dict()
    assert any(not torch.equal(start[k], state[k].cpu()) for k in start)
    assert osp.isfile(osp.join(longer.work_dir, 'epoch_2.pth'))
