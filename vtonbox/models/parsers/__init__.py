"""Parsers: the cloth mask of product photos and the human parsing of person photos."""
from .cloth_mask import ClothMaskParser
from .human_parser import HumanParser
from .parsing_unet import ParsingUNet

__all__ = ['ClothMaskParser', 'HumanParser', 'ParsingUNet']
