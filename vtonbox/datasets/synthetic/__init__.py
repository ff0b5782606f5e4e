"""Synthetic try-on data in the dataset layouts vtonbox reads: drawn people wearing a
deformation of their own product garment, with every modality (parsing, pose, DensePose)
and the pair lists, deterministic by seed. ``person.py`` draws bodies, ``garment.py``
garments and their warps, ``generator.py`` writes datasets."""
from .generator import (
    MAX_SAMPLES_PER_SPLIT,
    MIN_SIZE,
    SyntheticSample,
    make_synthetic_viton,
    render_sample,
    write_sample,
)

__all__ = ['make_synthetic_viton', 'render_sample', 'write_sample', 'SyntheticSample',
           'MAX_SAMPLES_PER_SPLIT', 'MIN_SIZE']
