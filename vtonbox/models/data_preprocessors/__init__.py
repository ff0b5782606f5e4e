"""Data preprocessors: collate output -> model inputs on the right device."""
from .tryon_data_preprocessor import TryOnDataPreprocessor

__all__ = ['TryOnDataPreprocessor']
