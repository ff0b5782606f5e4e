"""Try-on generators and the shared try-on composition."""
from .composition import TryOnComposition, compose_tryon
from .mobile_unet import MobileUNetGenerator
from .res_unet import ResidualBlock, ResUnetGenerator, ResUnetSkipConnectionBlock

__all__ = ['ResUnetGenerator', 'ResUnetSkipConnectionBlock', 'ResidualBlock',
           'TryOnComposition', 'compose_tryon', 'MobileUNetGenerator']
