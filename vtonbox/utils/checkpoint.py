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
import pickle
import re
import zipfile
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from .cli import UserError

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


#: Name of the DDP / MMEngine model-wrapper attribute that prefixes state-dict keys.
WRAPPER_PREFIX = 'module.'


class CheckpointError(UserError, ValueError):
    """A checkpoint file that cannot be read; the message says why and what to do.

    Attributes:
        path (str): the file.
        reason (str): what is wrong with it.
    """

    def __init__(self, path: str, reason: str, todo: Optional[str] = None) -> None:
        self.path, self.reason = path, reason
        super().__init__(reason, path, todo or 'check the path, or write the checkpoint again')


def _forbidden_global(message: str) -> Optional[str]:
    """The ``module.name`` a weights-only unpickler refused, from torch's message."""
    match = re.search(r'GLOBAL ([\w.]+)', message) or \
        re.search(r'Unsupported global: (?:GLOBAL )?([\w.]+)', message)
    return match.group(1) if match else None


def load_checkpoint_file(path: str, made_by: Optional[str] = None) -> object:
    """``torch.load(path, weights_only=True)`` with errors a user can act on.

    Raises:
        CheckpointError: missing file (naming the command that makes it when
            ``made_by`` is given), empty file, truncated / non-PyTorch file, or a pickle
            that refers to something other than tensor data (never loaded).
    """
    if not os.path.isfile(path):
        todo = f'it is made by: {made_by}' if made_by else 'check the path'
        raise CheckpointError(path, 'checkpoint not found', todo)
    if os.path.getsize(path) == 0:
        raise CheckpointError(path, 'checkpoint is an empty file',
                              'the run that wrote it was probably killed; use an older one')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        name = _forbidden_global(str(error))
        if name:
            raise CheckpointError(
                path, f'refused: it contains `{name}`, which is not tensor data',
                'only load checkpoints from a source you trust; vtonbox never runs such '
                'code') from None
        raise CheckpointError(path, 'not a PyTorch checkpoint (truncated or corrupt)') from None
    except Exception:  # any other failure of torch.load is about the file's bytes
        raise CheckpointError(path, 'not a PyTorch checkpoint (truncated or corrupt)') from None


def check_checkpoint_file(path: str, made_by: Optional[str] = None) -> None:
    """Cheap checks of a checkpoint before a model is built (nothing is unpickled), so
    tools fail early without reading a large file twice.

    A missing or empty file, and a file that is neither a complete PyTorch zip archive
    nor a legacy checkpoint, fail here; key mismatches are found when loading.

    Raises:
        CheckpointError: (a ``UserError``) naming the file and what to do.
    """
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        load_checkpoint_file(path, made_by=made_by)  # raises the right error
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        if not any(name.endswith('data.pkl') for name in names):
            raise CheckpointError(path, 'not a PyTorch checkpoint (a zip file without data.pkl)')
        return
    # Not a zip: a legacy (torch < 1.6) checkpoint or a truncated / foreign file; only a
    # load tells them apart (and raises the right CheckpointError).
    load_checkpoint_file(path, made_by=made_by)


def strip_wrapper_prefixes(state: Dict[str, torch.Tensor]
                           ) -> Tuple[Dict[str, torch.Tensor], int]:
    """Remove DDP's ``module.`` from every key, at any depth.

    ``module.warp_model.x`` (whole-model DDP) and ``warp_model.module.x``
    (``MMSeparateDistributedDataParallel`` wraps each child) both become
    ``warp_model.x``. Returns the new dict and how many keys changed.
    """
    fixed, changed = {}, 0
    for key, value in state.items():
        parts = key.split('.')
        kept = [p for p in parts[:-1] if p != WRAPPER_PREFIX[:-1]] + parts[-1:]
        new_key = '.'.join(kept)
        changed += new_key != key
        fixed[new_key] = value
    return fixed, changed


def state_dict_of(checkpoint: object, path: str) -> Dict[str, torch.Tensor]:
    """The model weights inside a loaded checkpoint (``state_dict`` or the dict itself),
    without wrapper prefixes (one info line when some were removed)."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise CheckpointError(path, f'holds no state dict (got {type(checkpoint).__name__})',
                              'pass a checkpoint written by tools/train.py or a converter')
    state, changed = strip_wrapper_prefixes(state)
    if changed:
        from mmengine.logging import print_log
        print_log(f'{path}: removed the model-wrapper prefix `module.` from {changed} keys '
                  '(a checkpoint of an older multi-process run)', logger='current')
    return state


def read_state_dict(path: str, made_by: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Model weights of a checkpoint file (MMEngine's or a plain state dict).

    Loads with ``weights_only=True`` (:func:`load_checkpoint_file`), takes
    ``state_dict`` when present and strips DDP's ``module.`` at any depth.

    Args:
        path (str): checkpoint file.
        made_by (str, optional): the command that creates it, quoted in the error when
            the file is missing (e.g. the previous training stage).
    """
    return state_dict_of(load_checkpoint_file(path, made_by), path)


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
