"""Make MMEngine checkpoints loadable with ``torch.load(weights_only=True)``.

torch >= 2.6 loads checkpoints with ``weights_only=True`` by default; MMEngine 0.10.7
pickles its ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays and
scalars) into every checkpoint, so ``--resume`` fails. Instead of trusting arbitrary
pickles (turning weights-only loading off), we allow-list exactly the types that
appear there.

``HistoryBuffer.__getstate__`` also pickles its ``statistics_methods`` dict of
methods, which go through ``builtins.getattr``; allowing ``getattr`` would let a
checkpoint call anything, so our ``__getstate__`` drops that dict (the methods are
class-level and registered at import anyway) and ``getattr`` stays forbidden.
"""
import os
import re
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_PATCHED_FLAG = '_vtonbox_safe_state'


def _numpy_safe_globals() -> list:
    """Numpy types a pickled array or scalar refers to."""
    multiarray = getattr(np, '_core', None) or np.core  # numpy 2 and 1
    items = [multiarray.multiarray._reconstruct, multiarray.multiarray.scalar,
             np.ndarray, np.dtype]
    scalar_types = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                    np.uint32, np.uint64, np.float16, np.float32, np.float64]
    items += scalar_types
    items += [type(np.dtype(t)) for t in scalar_types]
    return items


def _history_buffer_getstate(self) -> dict:
    """Pickle the buffer's data only; statistics methods live on the class."""
    state = self.__dict__.copy()
    state.pop('statistics_methods', None)
    return state


def _history_buffer_setstate(self, state: dict) -> None:
    state = dict(state)
    # Old checkpoints may still carry the methods dict; the class already has them.
    state.pop('statistics_methods', None)
    self.__dict__.update(state)


def register_safe_globals() -> None:
    """Allow-list MMEngine's checkpoint types for ``weights_only=True`` loading.

    Idempotent; called on ``import vtonbox``.
    """
    if getattr(HistoryBuffer, _PATCHED_FLAG, False):
        return
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    HistoryBuffer.__setstate__ = _history_buffer_setstate
    setattr(HistoryBuffer, _PATCHED_FLAG, True)
    torch.serialization.add_safe_globals([HistoryBuffer] + _numpy_safe_globals())


def read_state_dict(path: str, made_by: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Model weights of a checkpoint file (MMEngine's or a plain state dict).

    Loads with ``weights_only=True``, takes ``state_dict`` when present and strips a
    DDP ``module.`` prefix.

    Args:
        path (str): checkpoint file.
        made_by (str, optional): the command that creates it, quoted in the error when
            the file is missing (e.g. the previous training stage).
    """
    if not os.path.isfile(path):
        hint = f' It is made by: {made_by}' if made_by else ''
        raise FileNotFoundError(f'Checkpoint not found: {path}.{hint}')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{path} holds no state dict (got {type(checkpoint).__name__})')
    return {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state.items()}


def select_prefixed(state: Dict[str, torch.Tensor], prefix: str,
                    exclude: Sequence[str] = ()) -> Dict[str, torch.Tensor]:
    """Entries under ``prefix`` (prefix removed) whose remaining key matches none of
    the ``exclude`` regular expressions (``re.search``)."""
    patterns = [re.compile(p) for p in exclude]
    selected = {}
    for key, value in state.items():
        if not key.startswith(prefix):
            continue
        key = key[len(prefix):]
        if not any(p.search(key) for p in patterns):
            selected[key] = value
    return selected
