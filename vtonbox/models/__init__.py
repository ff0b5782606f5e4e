"""Networks, losses, parsers and try-on algorithms (all registered in ``MODELS``)."""
from . import (backbones, data_preprocessors, generators, initializers, losses, ops,  # noqa: F401
               parsers, tryon, warpers)
