"""Build an inference model from a config and load its weights, with clear errors.

The model is built with :func:`inference_model_config` (no teacher, losses or
partial initialisation), so only the trained weights are needed. Checkpoints are read
with ``torch.load(weights_only=True)`` (MMEngine checkpoints or plain state dicts);
keys of training-only parts (e.g. ``teacher.*`` in a stage-4 training checkpoint) are
ignored, and any other mismatch is reported key by key.
"""
import copy
import os
import os.path as osp
from typing import List, Optional, Union

import torch
from mmengine.config import Config
from torch import nn

from vtonbox.models.tryon import inference_model_config
from vtonbox.registry import MODELS
from vtonbox.utils.checkpoint import CheckpointError, read_state_dict
from vtonbox.utils.state_dict import compare_state_dict, mismatch_lines

from .errors import CheckpointMismatchError, InferenceSetupError

#: The repository root (configs/ lives there in a source checkout).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = 'configs/pfafn_student.py'
DEVICE_TYPES = ('cpu', 'cuda', 'mps')
PRECISIONS = ('fp32', 'bf16', 'fp16')
#: Key prefixes of the unconverted official PF-AFN files (warp and generator).
UPSTREAM_PREFIXES = ('image_features.', 'cond_features.', 'image_FPN.', 'aflow_net.',
                     'model.model.')
CONVERTER_HINT = ('official PF-AFN weights must be converted first: python '
                  'tools/model_converters/pfafn_to_vtonbox.py --warp warp_model_final.pth '
                  '--gen gen_model_final.pth --out pfafn_official.pth')


def resolve_config_path(config: str) -> str:
    """``config`` as given when it exists, else relative to the repository root."""
    path = os.fspath(config)
    if osp.isfile(path):
        return path
    candidate = osp.join(REPO_ROOT, path)
    if not osp.isabs(path) and osp.isfile(candidate):
        return candidate
    raise InferenceSetupError(f'config file not found: {path} (also looked in {REPO_ROOT})')


def load_inference_config(config: Union[str, os.PathLike, Config, dict],
                          cfg_options: Optional[dict] = None) -> Config:
    """Read a config (path, ``Config`` or dict), merging ``cfg_options``."""
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    elif isinstance(config, dict):
        cfg = Config(copy.deepcopy(config))
    elif isinstance(config, (str, os.PathLike)):
        path = resolve_config_path(config)
        try:
            cfg = Config.fromfile(path)
        except Exception as err:  # a config is Python code: any error in it is the config's
            raise InferenceSetupError(
                f'cannot read config {path}: {type(err).__name__}: {err}') from None
    else:
        raise TypeError(f'config must be a file path, a Config or a dict, got '
                        f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise InferenceSetupError('the config has no `model` entry')
    return cfg


def parse_device(device: Union[str, torch.device]) -> torch.device:
    """Check that ``device`` names an available device (``cpu``, ``cuda[:N]``, ``mps``)."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InferenceSetupError(f"unknown device {device!r}; use 'cpu', 'cuda' or "
                                  "'cuda:N'") from None
    if dev.type not in DEVICE_TYPES:
        raise InferenceSetupError(f"unsupported device {device!r}; use 'cpu', 'cuda' or "
                                  "'cuda:N'")
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            raise InferenceSetupError(f"device {device!r} requested but CUDA is not available "
                                      "(no GPU, or a CPU-only PyTorch); use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InferenceSetupError(f'device {device!r} requested but only '
                                      f'{torch.cuda.device_count()} GPU(s) are visible')
    if dev.type == 'mps' and not torch.backends.mps.is_available():
        raise InferenceSetupError(f'device {device!r} requested but MPS is not available')
    return dev


def check_precision(precision: str, device: torch.device) -> Optional[torch.dtype]:
    """Autocast dtype of ``precision`` on ``device`` (None for fp32)."""
    if precision not in PRECISIONS:
        raise InferenceSetupError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    if precision == 'fp32':
        return None
    if precision == 'fp16' and device.type != 'cuda':
        raise InferenceSetupError("precision 'fp16' needs a CUDA device; on CPU use 'bf16'")
    return torch.bfloat16 if precision == 'bf16' else torch.float16


def training_only_prefixes(model: nn.Module) -> List[str]:
    """``'<name>.'`` of every top-level part the inference model leaves as None (teacher,
    losses): keys under them in a training checkpoint are not unexpected."""
    names = {name for name, value in vars(model).items() if value is None}
    names |= {name for name, value in model._modules.items() if value is None}
    return [f'{name}.' for name in sorted(names)]


def mismatch_message(path: str, config_name: str, missing, unexpected, shapes) -> str:
    """Human-readable report of a checkpoint that does not fit the model."""
    parts = [f'checkpoint {path} does not fit the model of {config_name}:']
    parts += mismatch_lines(missing, unexpected, shapes)
    if any(k.startswith(UPSTREAM_PREFIXES) for k in unexpected):
        parts.append(f'these look like unconverted upstream keys; {CONVERTER_HINT}')
    else:
        parts.append('is it a checkpoint of this config (same channels and model size)?')
    return '\n  '.join(parts)


def load_weights(model: nn.Module, checkpoint: str, config_name: str = 'the config') -> None:
    """Load a checkpoint into ``model`` strictly, or raise naming what does not fit.

    Raises:
        InferenceSetupError: the file is missing or is not a (safe) checkpoint.
        CheckpointMismatchError: missing / unexpected keys or shape mismatches.
    """
    path = os.fspath(checkpoint)
    try:
        state = read_state_dict(path)
    except CheckpointError as err:  # missing, empty, truncated, refused pickle
        raise InferenceSetupError(err.line()) from None
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    missing, unexpected, shapes = compare_state_dict(model, state,
                                                     training_only_prefixes(model))
    if missing or unexpected or shapes:
        raise CheckpointMismatchError(
            mismatch_message(path, config_name, missing, unexpected, shapes),
            missing, unexpected, shapes)
    expected = model.state_dict()
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=True)


def build_inference_model(cfg: Config, checkpoint: Optional[str], device: torch.device,
                          config_name: str = 'the config') -> nn.Module:
    """Build ``cfg.model`` without training-only parts, load weights, move, eval mode."""
    try:
        model = MODELS.build(inference_model_config(cfg.model))
    except (KeyError, TypeError, ValueError) as err:  # unknown type, bad argument
        raise InferenceSetupError(f'cannot build the model of {config_name}: '
                                  f'{type(err).__name__}: {err}') from None
    if checkpoint is not None:
        load_weights(model, checkpoint, config_name)
    return model.to(device).eval()
