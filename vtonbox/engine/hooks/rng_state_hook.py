"""Save the random number generators' states in checkpoints and restore them on
``--resume``, so an interrupted run continues with the random draws it would have made.

The data pipeline draws the unpaired cloth of every sample from numpy's global RNG; an
epoch-based run resumed without its RNG state would pair different cloths from then on
(and the teacher would make different tutor images). Iteration-based loops in MMEngine
replay the consumed batches on resume, which advances the RNGs by itself, so the hook
leaves those alone.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop, Runner

from vtonbox.registry import HOOKS

#: Checkpoint key of the saved states.
RNG_KEY = 'rng_state'


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Write python/numpy/torch (and CUDA) RNG states into every checkpoint; restore them
    when resuming an epoch-based run."""

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(), numpy=np.random.get_state(),
                     torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[RNG_KEY] = _to_safe(state)

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        state = checkpoint.get(RNG_KEY)
        if state is None or not getattr(runner, '_resume', False):
            return
        if isinstance(getattr(runner, 'train_loop', None), IterBasedTrainLoop):
            return
        # `--resume` on a GPU loads the checkpoint with map_location='cuda': the saved
        # states come back as CUDA tensors, and the setters take CPU byte tensors only.
        random.setstate(_python_state(state['python']))
        name, keys, pos, has_gauss, cached = state['numpy']
        np.random.set_state((name, keys.cpu().numpy().astype(np.uint32), pos, has_gauss,
                             cached))
        torch.set_rng_state(state['torch'].cpu())
        if 'cuda' in state and torch.cuda.is_available():
            saved = [s.cpu() for s in state['cuda']][:torch.cuda.device_count()]
            for index, cuda_state in enumerate(saved):
                torch.cuda.set_rng_state(cuda_state, index)
        print_log('Restored the random number generator states of the checkpoint',
                  logger='current')


def _to_safe(state: dict) -> dict:
    """Only tensors, numpy arrays, ints and strings: loadable with ``weights_only=True``."""
    version, internal, gauss = state['python']
    name, keys, pos, has_gauss, cached = state['numpy']
    return dict(python=[version, torch.tensor(internal, dtype=torch.int64),
                        gauss if gauss is None else float(gauss)],
                numpy=[name, torch.from_numpy(keys.astype(np.int64)), int(pos),
                       int(has_gauss), float(cached)],
                torch=state['torch'], **({'cuda': state['cuda']} if 'cuda' in state else {}))


def _python_state(saved) -> tuple:
    version, internal, gauss = saved
    return version, tuple(int(v) for v in internal.cpu().tolist()), gauss
