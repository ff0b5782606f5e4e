"""vtonbox: an MMEngine toolbox for image-based virtual try-on (PF-AFN and friends)."""
from .utils.checkpoint import register_safe_globals
from .version import __version__

register_safe_globals()

__all__ = ['__version__']
