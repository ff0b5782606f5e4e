"""Networks, losses, parsers and try-on algorithms (all registered in ``MODELS``)."""
from . import (backbones, data_preprocessors, generators, losses, ops, parsers, tryon,  # noqa: F401
               warpers)
