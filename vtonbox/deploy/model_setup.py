"""Build a try-on model for inference tools (export, benchmark) from a config and an
optional checkpoint, without the training-only parts (teacher, losses, init_cfg)."""
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config
from torch import nn

from vtonbox.utils import register_all_modules
from vtonbox.utils.model_loading import build_model, load_config, load_weights_strictly

#: BatchNorm statistics given to random-weight models (timing/tests): non-trivial but
#: well-conditioned, so folding and precision checks are not vacuous.
RANDOM_RUNNING_MEAN = 0.1
RANDOM_RUNNING_VAR = (0.5, 1.5)


def randomize_batchnorm_stats(model: nn.Module, seed: int = 0) -> None:
    """Seeded random running means / variances for every BatchNorm (random-weight models)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith('running_mean'):
                values = torch.rand(buffer.shape, generator=generator) * 2 - 1
                buffer.copy_(values * RANDOM_RUNNING_MEAN)
            elif name.endswith('running_var'):
                low, high = RANDOM_RUNNING_VAR
                buffer.copy_(torch.rand(buffer.shape, generator=generator) * (high - low) + low)


def load_tryon_model(config: Union[str, Config], checkpoint: Optional[str] = None,
                     device: Union[str, torch.device] = 'cpu',
                     seed: int = 0) -> Tuple[nn.Module, Config]:
    """Inference model of ``config`` in eval mode on ``device``.

    Args:
        config (str | Config): config file (e.g. ``configs/pfafn_student.py``).
        checkpoint (str, optional): weights (MMEngine checkpoint or state dict). None
            gives seeded random weights with random BatchNorm statistics (benchmarks
            and tests).
        device (str | torch.device): target device.
        seed (int): seed of the random weights.

    Returns:
        tuple[nn.Module, Config]: the model and its config.

    Raises:
        ConfigError: the config cannot be read or its model built.
        CheckpointError: the checkpoint file is missing or cannot be read.
        WeightsMismatchError: the checkpoint does not fit the model (missing, unexpected
            or mis-shaped keys, listed; see
            :func:`vtonbox.utils.model_loading.load_weights_strictly`).
    """
    register_all_modules()  # before seeding: importing modules must not shift the weights
    cfg = load_config(config)
    name = cfg.filename or 'the given config'
    torch.manual_seed(seed)
    model = build_model(cfg, config_name=name)
    if checkpoint is None:
        randomize_batchnorm_stats(model, seed)
    else:
        load_weights_strictly(model, checkpoint, name)
    return model.to(device).eval(), cfg
