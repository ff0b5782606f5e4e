"""The inference API's model loading: :mod:`vtonbox.utils.model_loading` (one config
loader, one strict weights loader) with the API's error types, plus the device and
precision checks.

Config and checkpoint problems become :class:`InferenceSetupError`, weights that do
not fit the model :class:`CheckpointMismatchError` (which is also a
:class:`~vtonbox.utils.state_dict.WeightsMismatchError`), with the same messages.
"""
import os
from contextlib import contextmanager
from typing import Iterator, Optional, Union

import torch
from torch import nn

from vtonbox.utils import model_loading
from vtonbox.utils.cli import DEVICE_TYPES, UserError, check_device
from vtonbox.utils.model_loading import DEFAULT_CONFIG, ConfigError
from vtonbox.utils.state_dict import WeightsMismatchError

from .errors import CheckpointMismatchError, InferenceSetupError

__all__ = ['DEFAULT_CONFIG', 'DEVICE_TYPES', 'PRECISIONS', 'setup_errors',
           'resolve_config_path', 'load_weights', 'parse_device', 'check_precision']

PRECISIONS = ('fp32', 'bf16', 'fp16')


def _setup_message(error: UserError) -> str:
    if isinstance(error, ConfigError) and error.file:  # "config file not found: x.py; ..."
        return f'{error.what}: {error.file}' + (f'; {error.todo}' if error.todo else '')
    return error.line()


@contextmanager
def setup_errors() -> Iterator[None]:
    """Re-raise the loaders' errors as the inference API's: a
    :class:`~vtonbox.utils.cli.UserError` (config, checkpoint file) as
    :class:`InferenceSetupError`, a weights mismatch as :class:`CheckpointMismatchError`."""
    try:
        yield
    except InferenceSetupError:  # CheckpointMismatchError included: already the API's
        raise
    except WeightsMismatchError as error:
        raise CheckpointMismatchError(str(error), error.missing, error.unexpected,
                                      error.shape_mismatches) from None
    except UserError as error:
        raise InferenceSetupError(_setup_message(error)) from None


def resolve_config_path(config: Union[str, os.PathLike]) -> str:
    """``config`` as given when it exists, else relative to the repository root.

    Raises:
        InferenceSetupError: neither exists.
    """
    with setup_errors():
        return model_loading.resolve_config_path(config)


def load_weights(model: nn.Module, checkpoint: str, config_name: str = 'the config') -> None:
    """:func:`vtonbox.utils.model_loading.load_weights_strictly` with the API's errors.

    Raises:
        InferenceSetupError: the file is missing or is not a (safe) checkpoint.
        CheckpointMismatchError: missing / unexpected keys or shape mismatches.
    """
    with setup_errors():
        model_loading.load_weights_strictly(model, checkpoint, config_name)


def parse_device(device: Union[str, torch.device]) -> torch.device:
    """:func:`vtonbox.utils.cli.check_device` (``cpu``, ``cuda[:N]``, ``mps``, available
    here) with the API's error.

    Raises:
        InferenceSetupError: with the message of the command-line tools.
    """
    with setup_errors():
        return check_device(device)


def check_precision(precision: str, device: torch.device) -> Optional[torch.dtype]:
    """Autocast dtype of ``precision`` on ``device`` (None for fp32)."""
    if precision not in PRECISIONS:
        raise InferenceSetupError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    if precision == 'fp32':
        return None
    if precision == 'fp16' and device.type != 'cuda':
        raise InferenceSetupError("precision 'fp16' needs a CUDA device; on CPU use 'bf16'")
    return torch.bfloat16 if precision == 'bf16' else torch.float16
