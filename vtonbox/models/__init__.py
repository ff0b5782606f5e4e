"""Networks, losses, parsers and try-on algorithms (all registered in ``MODELS``)."""
from . import (  # noqa: F401
               backbones,
               data_preprocessors,
               generators,
               initializers,
               losses,
               ops,
               parsers,
               tryon,
               warpers,
)
