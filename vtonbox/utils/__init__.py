"""Small helpers: environment set-up, safe checkpoint loading, image conversion."""
from .checkpoint import register_safe_globals
from .image import to_signed_float, to_uint8_image
from .setup_env import register_all_modules

__all__ = ['register_all_modules', 'register_safe_globals', 'to_uint8_image', 'to_signed_float']
