"""Two training steps of every stage config on CUDA, in fp32 and under AMP (MMEngine's
``AmpOptimWrapper`` with ``dtype`` bf16 / fp16 and the dynamic loss scaler, what
``tools/train.py --amp`` builds on a GPU)."""
import math
from itertools import islice

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch import nn

from tests.test_gpu.gpu_helpers import (
    AMP_DTYPES,
    GPU,
    STAGES,
    changed_parameters,
    skip_without_bf16,
    standalone_config,
    trainable_snapshot,
    use_amp,
)
from vtonbox.benchmark import benchmark_model_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

pytestmark = GPU

STEPS = 2


def _record_conv_outputs(model: nn.Module):
    """Dtypes and devices of every ``nn.Conv2d`` output while the hooks are attached."""
    seen = set()

    def hook(_module, _inputs, output):
        seen.add((output.dtype, output.device.type))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d)]
    return seen, handles


@pytest.mark.parametrize('precision', ['fp32', 'bf16', 'fp16'])
@pytest.mark.parametrize('stage', STAGES)
def test_train_steps_on_cuda(gpu_synthetic, tmp_path, stage, precision):
    skip_without_bf16(precision)
    register_all_modules()
    init_default_scope('vtonbox')
    cfg = use_amp(standalone_config(stage, gpu_synthetic, str(tmp_path)), precision)
    torch.manual_seed(0)
    model = MODELS.build(benchmark_model_config(cfg.model)).cuda()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    if precision != 'fp32':
        assert type(optim_wrapper).__name__ == 'AmpOptimWrapper'
        assert optim_wrapper.cast_dtype == AMP_DTYPES[precision]
        assert optim_wrapper.loss_scaler.is_enabled()
    before = trainable_snapshot(model)
    seen, handles = _record_conv_outputs(model)
    logs = []
    try:
        for batch in islice(Runner.build_dataloader(cfg.train_dataloader), STEPS):
            logs.append(model.train_step(batch, optim_wrapper))
    finally:
        for handle in handles:
            handle.remove()

    assert len(logs) == STEPS
    for log in logs:
        assert log and all(math.isfinite(float(v)) for v in log.values()), log
    compute = torch.float32 if precision == 'fp32' else AMP_DTYPES[precision]
    assert (compute, 'cuda') in seen, seen  # the convolutions ran on the GPU, autocast
    if precision == 'fp32':
        assert seen == {(torch.float32, 'cuda')}, seen
    changed = changed_parameters(model, before)
    if precision == 'fp16':
        scale = optim_wrapper.loss_scaler.get_scale()
        assert math.isfinite(scale) and scale > 0
        assert changed, f'no update in {STEPS} steps: every step overflowed (scale {scale})'
    assert changed, 'the parameters did not change'
    assert all(torch.isfinite(p).all() for p in model.parameters())
