"""Compare a state dict with a model and explain what does not fit.

Used by every strict loader (the Inferencer, tools/test.py, the official-weight
converter) so that a checkpoint that does not fit fails with the same clear list of
missing keys, unexpected keys and shape mismatches.
"""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence, Tuple

from torch import Tensor, nn

#: ``(key, weights shape, model shape)``.
Mismatch = Tuple[str, Tuple[int, ...], Tuple[int, ...]]
#: How many keys of each kind a message lists before "... and N more".
MAX_LISTED_KEYS = 12


class WeightsMismatchError(ValueError):
    """A state dict does not fit a model; the message lists the keys.

    Attributes:
        missing (list[str]): keys the model needs that the weights lack.
        unexpected (list[str]): keys of the weights the model does not have.
        shape_mismatches (list[tuple]): ``(key, weights shape, model shape)``.
    """

    def __init__(self, message: str, missing: Sequence[str] = (),
                 unexpected: Sequence[str] = (), shape_mismatches: Sequence[Mismatch] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.shape_mismatches = list(shape_mismatches)


def listed(keys: Sequence[str], limit: int = MAX_LISTED_KEYS) -> str:
    """``'a, b, c, ... and 7 more'``."""
    keys = list(keys)
    more = len(keys) - limit
    return ', '.join(keys[:limit]) + (f', ... and {more} more' if more > 0 else '')


def compare_state_dict(model: nn.Module, state: Dict[str, Tensor],
                       ignore_prefixes: Sequence[str] = ()
                       ) -> Tuple[List[str], List[str], List[Mismatch]]:
    """Missing keys, unexpected keys and shape mismatches of ``state`` for ``model``.

    Args:
        ignore_prefixes (Sequence[str]): unexpected keys starting with one of these are
            not reported (e.g. training-only parts absent from an inference model).
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected
                  and not k.startswith(tuple(ignore_prefixes))]
    shapes = [(k, tuple(state[k].shape), tuple(expected[k].shape)) for k in expected
              if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    return missing, unexpected, shapes


@contextmanager
def bare_children(module: nn.Module) -> Iterator[nn.Module]:
    """Temporarily replace model-wrapper children (DDP) of ``module`` by what they wrap.

    ``MMSeparateDistributedDataParallel`` wraps every trainable child of an algorithm in
    its own DDP, which puts ``module.`` inside the keys (``warp_model.module.x``). Saving,
    loading and initialising inside this context see the bare networks, so a checkpoint
    of N processes has the same keys as one of a single process.
    """
    from mmengine.model import is_model_wrapper
    wrapped = {name: child for name, child in module._modules.items()
               if child is not None and is_model_wrapper(child)}
    for name, wrapper in wrapped.items():
        module._modules[name] = wrapper.module
    try:
        yield module
    finally:
        for name, wrapper in wrapped.items():
            module._modules[name] = wrapper


def strip_wrapper_keys_hook(module: nn.Module, state_dict: dict, prefix: str,
                            *args) -> None:
    """Load-state-dict pre-hook: drop ``module.`` at any depth from the keys under
    ``prefix`` (checkpoints of older multi-process runs), with one info line."""
    from mmengine.logging import print_log

    from vtonbox.utils.checkpoint import strip_wrapper_prefixes
    own = {k: state_dict[k] for k in list(state_dict) if k.startswith(prefix)}
    fixed, changed = strip_wrapper_prefixes({k[len(prefix):]: v for k, v in own.items()})
    if not changed:
        return
    for key in own:
        del state_dict[key]
    state_dict.update({prefix + k: v for k, v in fixed.items()})
    print_log(f'{type(module).__name__}: removed the model-wrapper prefix `module.` from '
              f'{changed} checkpoint keys (an older multi-process run)', logger='current')


def bare_named_parameters(model: nn.Module) -> List[Tuple[str, Tensor]]:
    """``named_parameters()`` of a model with every model wrapper seen through:
    ``warp_model.cond_x.weight`` whether or not the model and its children are wrapped."""
    from mmengine.model import is_model_wrapper
    model = model.module if is_model_wrapper(model) else model
    with bare_children(model):
        return list(model.named_parameters())


def bare_submodule(module: nn.Module, path: str) -> nn.Module:
    """``module.get_submodule(path)`` that steps through model wrappers (DDP) on the
    way and returns the bare network, e.g. ``'warp_model'`` of a model whose
    ``warp_model`` is a DDP gives the ``FlowWarpModel``."""
    from mmengine.model import is_model_wrapper

    def bare(m: nn.Module) -> nn.Module:
        while is_model_wrapper(m):
            m = m.module
        return m

    target = bare(module)
    for name in filter(None, path.split('.')):
        target = bare(bare(target).get_submodule(name))
    return target
