"""One entry point for the synthetic data of every dataset layout vtonbox reads."""
from typing import Callable, Dict, Optional

from .dresscode import make_synthetic_dresscode
from .generator import make_synthetic_viton
from .viton_hd import make_synthetic_viton_hd

#: Layout name (``tools/dataset/make_synthetic.py --layout``) -> writer.
SYNTHETIC_WRITERS: Dict[str, Callable[..., Dict[str, str]]] = {
    'viton': make_synthetic_viton, 'viton-hd': make_synthetic_viton_hd,
    'dresscode': make_synthetic_dresscode}
LAYOUTS = tuple(SYNTHETIC_WRITERS)


def make_synthetic(out_dir: str, layout: str = 'viton', num_train: int = 64,
                   num_test: int = 16, seed: int = 0, height: int = 256, width: int = 192,
                   overwrite: bool = False, log: Optional[Callable[[str], None]] = None,
                   **kwargs) -> Dict[str, str]:
    """Generate a synthetic dataset in ``layout`` (``LAYOUTS``); the same drawn samples in
    each layout's own files. ``kwargs`` go to the layout's writer (e.g. DressCode's
    ``category``, ``cloth_masks``). Returns the paths of the pair lists."""
    if layout not in SYNTHETIC_WRITERS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    return SYNTHETIC_WRITERS[layout](out_dir, num_train, num_test, seed, height, width,
                                     overwrite=overwrite, log=log, **kwargs)
