"""Compare a state dict with a model and explain what does not fit.

Used by every strict loader (the Inferencer, tools/test.py, the official-weight
converter) so that a checkpoint that does not fit fails with the same clear list of
missing keys, unexpected keys and shape mismatches.
"""
from typing import Dict, List, Sequence, Tuple

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


def mismatch_lines(missing: Sequence[str], unexpected: Sequence[str],
                   shapes: Sequence[Mismatch]) -> List[str]:
    """One line per kind of mismatch, each listing its keys."""
    lines = []
    if missing:
        lines.append(f'{len(missing)} missing key(s): {listed(missing)}')
    if unexpected:
        lines.append(f'{len(unexpected)} unexpected key(s): {listed(unexpected)}')
    if shapes:
        shown = [f'{k} (weights {list(a)} vs model {list(b)})' for k, a, b in shapes]
        lines.append(f'{len(shown)} shape mismatch(es): {listed(shown)}')
    return lines
