"""Make MMEngine checkpoints loadable with ``torch.load(weights_only=True)``.

torch >= 2.6 loads checkpoints with ``weights_only=True`` by default; MMEngine 0.10.7
pickles its ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays and
scalars) into every checkpoint, so ``--resume`` fails. Instead of trusting arbitrary
pickles (``weights_only=False``), we allow-list exactly the types that appear there.

``HistoryBuffer.__getstate__`` also pickles its ``statistics_methods`` dict of
methods, which go through ``builtins.getattr``; allowing ``getattr`` would let a
checkpoint call anything, so our ``__getstate__`` drops that dict (the methods are
class-level and registered at import anyway) and ``getattr`` stays forbidden.
"""
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
