"""Weight initialisers usable as ``init_cfg`` types."""
from .partial_pretrained import PartialPretrained

__all__ = ['PartialPretrained']
