"""Synthetic try-on data in the dataset layouts vtonbox reads: drawn people wearing a
deformation of their own product garment, with every modality (parsing, pose, DensePose)
and the pair lists, deterministic by seed. ``person.py`` draws bodies, ``garment.py``
garments and their warps, ``generator.py`` writes the VITON layout, ``viton_hd.py`` and
``dresscode.py`` the other layouts (file formats in ``formats.py``), ``layouts.py`` picks
one by name."""
from .dresscode import make_synthetic_dresscode
from .generator import (
    MAX_SAMPLES_PER_SPLIT,
    MIN_SIZE,
    SyntheticSample,
    make_synthetic_viton,
    render_sample,
    write_sample,
)
from .layouts import LAYOUTS, make_synthetic
from .viton_hd import make_synthetic_viton_hd

__all__ = ['make_synthetic_viton', 'render_sample', 'write_sample', 'SyntheticSample',
           'MAX_SAMPLES_PER_SPLIT', 'MIN_SIZE', 'make_synthetic', 'make_synthetic_viton_hd',
           'make_synthetic_dresscode', 'LAYOUTS']
