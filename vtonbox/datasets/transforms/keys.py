"""The ``keys`` argument every multi-key transform takes."""
from typing import Sequence, Tuple, Union


def as_keys(keys: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``'cloth'`` or ``['cloth', 'cloth_unpaired']`` -> a non-empty tuple of key names.

    Raises:
        TypeError: empty, or not strings.
    """
    keys = (keys, ) if isinstance(keys, str) else tuple(keys)
    if not keys or not all(isinstance(k, str) for k in keys):
        raise TypeError(f'keys must be a non-empty str or sequence of str, got {keys!r}')
    return keys
